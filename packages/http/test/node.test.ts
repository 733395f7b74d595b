/** Once over real HTTP (Node's server on an ephemeral port): the envelope survives Node's own body handling. */
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { InMemory } from "@peoplekit/core/testing"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import * as Http from "../src/index.js"
import { decoded, examplePatch, keys, REMY, toReply } from "./support.js"

const ServerLive = HttpApiBuilder.serve().pipe(
  Layer.provide(Http.layer),
  Layer.provide(InMemory.layer(decoded)),
  Layer.provideMerge(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: 0 }))
)

describe("over real HTTP", () => {
  it.scopedLive("answers malformed JSON, an oversize body and a good PATCH", () =>
    Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      const address = server.address as HttpServer.TcpAddress
      const url = `http://127.0.0.1:${address.port}/v1/people/${REMY}`
      const send = (body: string, headers: Record<string, string> = {}) =>
        Effect.promise(() =>
          fetch(url, {
            method: "PATCH",
            headers: { authorization: `Bearer ${keys.write}`, "content-type": "application/json", ...headers },
            body
          }).then(toReply)
        )

      const malformed = yield* send(`{"data": {`)
      expect(malformed.status).toBe(400)
      expect(malformed.headers.get("content-type")).toBe("application/json")
      expect(malformed.json.code).toBe("INVALID_JSON")
      expect(malformed.json.meta.trace_id).toBe(malformed.headers.get("x-trace-id"))

      const oversize = yield* send(JSON.stringify(examplePatch) + " ".repeat(2 * 1024 * 1024))
      expect(oversize.status).toBe(413)
      expect(oversize.json.code).toBe("PAYLOAD_TOO_LARGE")
      expect(Object.keys(oversize.json).sort()).toEqual(["code", "details", "message", "meta", "status", "title"])

      // Without Content-Length (chunked), the limit holds while streaming.
      const chunked = yield* Effect.promise(() =>
        fetch(url, {
          method: "PATCH",
          headers: { authorization: `Bearer ${keys.write}`, "content-type": "application/json" },
          body: new Blob([" ".repeat(1024 * 1024 + 10)]).stream(),
          duplex: "half"
        } as RequestInit).then(toReply)
      )
      expect(chunked.status).toBe(413)
      expect(chunked.json.code).toBe("PAYLOAD_TOO_LARGE")

      // A declared length is read in one go, an undeclared one streamed: both answer alike.
      const chunkedSend = (bytes: Uint8Array<ArrayBuffer>) =>
        Effect.promise(() =>
          fetch(url, {
            method: "PATCH",
            headers: { authorization: `Bearer ${keys.write}`, "content-type": "application/json" },
            body: new Blob([bytes]).stream(),
            duplex: "half"
          } as RequestInit).then(toReply)
        )
      const notUtf8 = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])
      const declaredBad = yield* Effect.promise(() =>
        fetch(url, {
          method: "PATCH",
          headers: { authorization: `Bearer ${keys.write}`, "content-type": "application/json" },
          body: notUtf8
        }).then(toReply)
      )
      const streamedBad = yield* chunkedSend(notUtf8)
      expect([declaredBad.status, declaredBad.json.code]).toEqual([400, "INVALID_JSON"])
      expect([streamedBad.status, streamedBad.json.code]).toEqual([400, "INVALID_JSON"])
      const streamedGood = yield* chunkedSend(new TextEncoder().encode(JSON.stringify(examplePatch)))
      expect(streamedGood.status).toBe(200)

      const ok = yield* send(JSON.stringify(examplePatch))
      expect(ok.status).toBe(200)
      expect(ok.json.data.attributes.job_title).toBe("Founder and CEO")
      // The streamed PATCH above already made the change: this one repeats it (nothing new).
      expect(ok.headers.get("etag")).toBe(`"2"`)
    }).pipe(Effect.provide(ServerLive)))
})
