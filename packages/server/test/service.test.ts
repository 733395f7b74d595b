// The whole service as `npm start` composes it — database, migrations, demo data, HTTP server —
// on a fresh database, driven over real HTTP.
import { describe, expect, it } from "@effect/vitest"
import * as Testing from "@peoplekit/postgres/Testing"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { DEMO_COMPANY, DEMO_PERSON, OTHER_PERSON, OTHER_WORKSPACE } from "../src/Demo.js"
import { ServiceLive } from "../src/Layers.js"
import { freePort } from "./support.js"


const KEY = "service-test-demo-key"

describe("the service", () => {
  it.live("serves the example PATCH from the demo data, idempotently, with envelopes for errors", () =>
    Effect.gen(function*() {
      const url = yield* Testing.freshDatabase
      const port = yield* freePort
      const config = ConfigProvider.fromMap(new Map([
        ["DATABASE_URL", Redacted.value(url)],
        ["PORT", String(port)],
        ["PEOPLEKIT_DEMO", "true"],
        ["PEOPLEKIT_DEMO_KEY", KEY],
        ["LOG_LEVEL", "WARN"]
      ]))
      yield* Layer.build(ServiceLive).pipe(Effect.withConfigProvider(config))

      const base = `http://127.0.0.1:${port}`
      const patch = (token: string, path = `/v1/people/${DEMO_PERSON}`, body?: string) =>
        Effect.promise(() =>
          fetch(`${base}${path}`, {
            method: "PATCH",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: body ?? JSON.stringify({ data: { type: "people", id: DEMO_PERSON, attributes: { job_title: "Founder and CEO" } } })
          }).then(async (response) => ({ status: response.status, body: await response.json() as any }))
        )

      const first = yield* patch(KEY)
      expect(first.status).toBe(200)
      expect(first.body.data.attributes).toMatchObject({
        full_name: "Remy Okafor", first_name: "Remy", last_name: "Okafor",
        job_title: "Founder and CEO", created_at: "2026-01-12T09:31:00.000Z"
      })
      expect(first.body.data.relationships.companies.data).toEqual([
        { type: "companies", id: DEMO_COMPANY, meta: { relationship_type: "owner" } }
      ])
      expect(first.body.included).toEqual([])

      const second = yield* patch(KEY)
      expect(second).toEqual(first)

      const errors = [
        [yield* patch("wrong-key"), 401, "UNAUTHORIZED"],
        [yield* patch(KEY, `/v1/people/${OTHER_PERSON}`, JSON.stringify({ data: { type: "people", id: OTHER_PERSON, attributes: {} } })), 404, "NOT_FOUND"],
        [yield* patch(KEY, `/v1/people/${DEMO_PERSON}?workspaceId=${OTHER_WORKSPACE}`), 403, "FORBIDDEN"],
        [yield* patch(KEY, `/v1/people/${DEMO_PERSON}`, `{"data":`), 400, "INVALID_JSON"],
        [yield* patch(KEY, "/v1/nope"), 404, "ROUTE_NOT_FOUND"]
      ] as const
      for (const [response, status, code] of errors) {
        expect(response.status).toBe(status)
        expect(response.body).toMatchObject({ code, status, meta: { trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) } })
      }
    }).pipe(Effect.scoped), { timeout: 60_000 })
})
