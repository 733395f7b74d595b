// Mount: a host API with its own endpoint and its own session authentication serves peoplekit's
// people group under /v1 — same handlers, same envelope — in process, over in-memory ports.
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Fixtures } from "@peoplekit/core"
import { InMemory } from "@peoplekit/core/testing"
import { Effect, Layer, Logger, LogLevel, Schema } from "effect"
import { readFileSync } from "node:fs"
import { HOST_ACTOR, HostApiLive } from "./mount.js"

const fixtures = Schema.decodeUnknownSync(Fixtures.Fixtures)(JSON.parse(readFileSync(new URL("../fixtures.json", import.meta.url), "utf8")))
const PERSON = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

describe("mount example", () => {
  it.scoped("serves the host's endpoint and the people group, each behind the host's own auth", () =>
    Effect.gen(function*() {
      const web = yield* Effect.acquireRelease(
        Effect.sync(() => HttpApiBuilder.toWebHandler(Layer.mergeAll(HostApiLive, HttpServer.layerContext, Logger.minimumLogLevel(LogLevel.Error)).pipe(Layer.provide(InMemory.layer(fixtures))))),
        (w) => Effect.promise(() => w.dispose())
      )
      const call = (path: string, init: RequestInit = {}) =>
        Effect.promise(async () => {
          const response = await web.handler(new Request(`http://host.example${path}`, init))
          return { status: response.status, body: await response.json() as any }
        })

      expect(yield* call("/whoami", { headers: { "x-session": "session-ada" } })).toEqual({ status: 200, body: { name: "Ada" } })
      expect(yield* call("/whoami")).toMatchObject({ status: 401, body: { code: "UNAUTHORIZED" } })

      const read = yield* call(`/v1/people/${PERSON}`, { headers: { authorization: "Bearer session-ada" } })
      expect(read.status).toBe(200)
      expect(read.body.data.attributes.full_name).toBe("Ada Lovelace")
      const patched = yield* call(`/v1/people/${PERSON}`, {
        method: "PATCH",
        headers: { authorization: "Bearer session-ada", "content-type": "application/json" },
        body: JSON.stringify({ data: { type: "people", id: PERSON, attributes: { job_title: "Chief Analyst" } } })
      })
      expect(patched).toMatchObject({ status: 200, body: { data: { attributes: { job_title: "Chief Analyst" } } } })
      const changes = yield* call(`/v1/people/${PERSON}/changes`, { headers: { authorization: "Bearer session-ada" } })
      expect(changes.body.data[0].attributes.actor_key_id).toBe(HOST_ACTOR)

      // peoplekit's own API keys mean nothing to this host; its envelope still answers.
      const refused = yield* call(`/v1/people/${PERSON}`, { headers: { authorization: `Bearer ${fixtures.api_keys[0]!.secret}` } })
      expect(refused).toMatchObject({ status: 401, body: { code: "UNAUTHORIZED", meta: { trace_id: expect.any(String) } } })
      expect(yield* call("/nope")).toMatchObject({ status: 404, body: { code: "ROUTE_NOT_FOUND" } })
    }))
})
