// One log line per request (method, route template, status, duration, trace id, key id — never
// the secret, the query or the body), and one more per error whose log_id the envelope carries.
import { HttpApiBuilder } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Api, Operations, RequestLog } from "../src/index.js"
import { appLayer, examplePatch, keys, logs, REMY, toReply } from "./support.js"

const send = (handler: (r: Request) => Promise<Response>, path: string, init: RequestInit) =>
  Effect.promise(() => handler(new Request(`http://localhost${path}`, init)).then(toReply))

describe("request log", () => {
  it.scoped("writes one line per request with the route template and key id, none with the secret or body", () =>
    Effect.gen(function*() {
      const web = yield* Effect.acquireRelease(
        Effect.sync(() => HttpApiBuilder.toWebHandler(appLayer, { middleware: RequestLog.middleware(Api, Operations.routes) })),
        (w) => Effect.promise(() => w.dispose())
      )
      logs.length = 0
      const traceId = "0af7651916cd43dd8448eb211c80319c"
      const ok = yield* send(web.handler, `/v1/people/${REMY}?include=companies`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${keys.write}`, "content-type": "application/json", traceparent: `00-${traceId}-b7ad6b7169203331-01` },
        body: JSON.stringify(examplePatch)
      })
      expect(ok.status).toBe(200)
      const bad = yield* send(web.handler, `/v1/people/${REMY}/changes?limit=0`, { headers: { authorization: `Bearer ${keys.read}` } })
      expect(bad.status).toBe(400)
      yield* send(web.handler, "/healthz", {})

      const requests = logs.filter((l) => l.message === "request" || (Array.isArray(l.message) && l.message[0] === "request"))
      expect(requests.map((l) => l.annotations)).toEqual([
        { method: "PATCH", route: "/v1/people/:person_id", status: 200, duration_ms: expect.any(Number), trace_id: traceId, key_id: "0b000000-0000-4000-8000-000000000001" },
        { method: "GET", route: "/v1/people/:person_id/changes", status: 400, duration_ms: expect.any(Number), trace_id: bad.json.meta.trace_id, key_id: "0b000000-0000-4000-8000-000000000002" },
        { method: "GET", route: "/healthz", status: 200, duration_ms: expect.any(Number), trace_id: expect.any(String), key_id: null }
      ])
      const errorLine = logs.find((l) => l.annotations.log_id === bad.json.meta.log_id)
      expect(errorLine?.annotations).toMatchObject({ status: 400, code: "SCHEMA_VALIDATION_ERROR", trace_id: bad.json.meta.trace_id })
      const everything = JSON.stringify(logs)
      expect(everything).not.toContain(keys.write)
      expect(everything).not.toContain(keys.read)
      expect(everything).not.toContain("Founder and CEO")
    }))
})
