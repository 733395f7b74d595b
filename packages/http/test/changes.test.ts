// GET /v1/people/{person_id}/changes: newest first, cursor-paginated, workspace- and key-scoped,
// the same envelope for every error.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { expectEnvelope, keys, makeApp, OKAFOR_ROBOTICS, OTHER_PERSON, REMY, W1, W3, ids } from "./support.js"

const patch = (attributes: Record<string, unknown>, relationships?: Record<string, unknown>) => ({
  data: { type: "people", id: REMY, attributes, ...(relationships === undefined ? {} : { relationships }) }
})

describe("GET /v1/people/{person_id}/changes", () => {
  it.scoped("pages newest first; links.next leads to the rest and is null on the last page", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const path = `/v1/people/${REMY}`
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
      yield* app.fetch(path, {
        method: "PATCH",
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
        body: patch({ job_title: "Founder and CEO" }, {
          companies: { data: [{ type: "companies", id: OKAFOR_ROBOTICS, meta: { relationship_type: "employee" } }, { type: "companies", id: ids.northwind }] }
        })
      })
      yield* app.fetch(path, { method: "PATCH", body: patch({ job_title: null }) })
      yield* app.fetch(path, { method: "PATCH", body: patch({ first_name: "Rémy" }, { web_links: { data: [] } }) })

      const first = yield* app.fetch(`${path}/changes?limit=2`, { key: keys.read })
      expect(first.status).toBe(200)
      expect(first.headers.get("content-type")).toBe("application/json")
      expect(first.json.data.map((r: any) => r.attributes.to_version)).toEqual([4, 3])
      expect(first.json.data[0]).toMatchObject({
        type: "person_changes",
        attributes: {
          from_version: 3,
          attribute_changes: { first_name: { from: "Remy", to: "Rémy" }, full_name: { from: "Remy Okafor", to: "Rémy Okafor" } },
          link_changes: { web_links: { attached: [], detached: [{ type: "web_link", id: ids.webLink }], retagged: [] } }
        }
      })
      expect(first.json.data[1].attributes.attribute_changes).toEqual({ job_title: { from: "Founder and CEO", to: null } })
      expect(first.json.links.self).toBe(`${path}/changes?limit=2`)
      expect(first.json.links.next).toMatch(new RegExp(`^${path}/changes\\?limit=2&cursor=[A-Za-z0-9_-]+$`))

      const second = yield* app.fetch(first.json.links.next, { key: keys.read })
      expect(second.status).toBe(200)
      expect(second.json.links.next).toBeNull()
      const [oldest] = second.json.data
      expect(oldest.attributes).toMatchObject({
        from_version: 1,
        to_version: 2,
        actor_key_id: "0b000000-0000-4000-8000-000000000001",
        trace_id: traceId,
        occurred_at: "2026-03-01T12:00:00.000Z",
        attribute_changes: { job_title: { from: "Founder", to: "Founder and CEO" } },
        link_changes: {
          companies: {
            attached: [{ type: "companies", id: ids.northwind, meta: { relationship_type: "other" } }],
            detached: [],
            retagged: [{ type: "companies", id: OKAFOR_ROBOTICS, from: { relationship_type: "owner" }, to: { relationship_type: "employee" } }]
          }
        }
      })

      const all = yield* app.fetch(`${path}/changes`)
      expect(all.json.data.map((r: any) => r.attributes.to_version)).toEqual([4, 3, 2])
      expect(all.json.links).toEqual({ self: `${path}/changes?limit=20`, next: null })
    }))

  it.scoped("a person without changes has an empty first page; the workspace is carried into the links", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const reply = yield* app.fetch(`/v1/people/${REMY}/changes?workspace_id=${W1}&limit=5`)
      expect(reply.status).toBe(200)
      expect(reply.json).toEqual({ data: [], links: { self: `/v1/people/${REMY}/changes?workspace_id=${W1}&limit=5`, next: null } })
    }))

  it.scoped("answers every error in the envelope: 400 limit/cursor, 401, 403, 404, 405", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const path = `/v1/people/${REMY}/changes`
      const cases = [
        [yield* app.fetch(`${path}?limit=0`), 400, "SCHEMA_VALIDATION_ERROR", { path: "limit", issue: "invalid" }],
        [yield* app.fetch(`${path}?limit=abc`), 400, "SCHEMA_VALIDATION_ERROR", { path: "limit", issue: "invalid" }],
        [yield* app.fetch(`${path}?limit=101`), 400, "SCHEMA_VALIDATION_ERROR", { path: "limit", issue: "too_many", limit: 100 }],
        [yield* app.fetch(`${path}?cursor=nonsense`), 400, "SCHEMA_VALIDATION_ERROR", { path: "cursor", issue: "invalid" }],
        [yield* app.fetch(`/v1/people/not-a-uuid/changes`), 400, "SCHEMA_VALIDATION_ERROR", { path: "person_id" }],
        [yield* app.fetch(path, { key: null }), 401, "UNAUTHORIZED", undefined],
        [yield* app.fetch(`${path}?workspaceId=${W3}`), 403, "FORBIDDEN", undefined],
        [yield* app.fetch(`/v1/people/${OTHER_PERSON}/changes`), 404, "NOT_FOUND", undefined],
        [yield* app.fetch(`/v1/people/${ids.missing}/changes`), 404, "NOT_FOUND", undefined],
        [yield* app.fetch(path, { method: "POST" }), 405, "METHOD_NOT_ALLOWED", undefined]
      ] as const
      for (const [reply, status, code, details] of cases) {
        const checked = expectEnvelope(reply, status, code)
        expect(checked.ok, JSON.stringify(checked.body)).toBe(true)
        if (details !== undefined) expect(checked.body.details).toMatchObject(details)
      }
      expect(cases[9][0].headers.get("allow")).toBe("GET")
    }))
})
