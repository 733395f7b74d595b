/** Every failure as the SPEC §4 envelope, the framework's own included, and their precedence. */
import { describe, expect, it } from "@effect/vitest"
import { Errors } from "@peoplekit/core"
import { Effect } from "effect"
import {
  appLayerWith,
  examplePatch,
  expectEnvelope,
  ids,
  keys,
  logs,
  makeApp,
  makeAppOver,
  portsWith,
  REMY,
  toReply,
  W3
} from "./support.js"

const path = `/v1/people/${REMY}`
const doc = (data: Record<string, unknown>) => ({ data: { type: "people", id: REMY, ...data } })

describe("401 UNAUTHORIZED", () => {
  it.scoped("for a missing, malformed, unknown, revoked or expired key, never saying which", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const cases: Array<[string, Record<string, string>]> = [
        ["missing", {}],
        ["wrong key", { authorization: "Bearer pk_nope" }],
        ["Basic", { authorization: `Basic ${btoa("user:pass")}` }],
        ["empty token", { authorization: "Bearer " }],
        ["scheme only", { authorization: "Bearer" }],
        ["no space", { authorization: `Bearer${keys.write}` }],
        ["revoked", { authorization: `Bearer ${keys.revoked}` }],
        ["expired", { authorization: `Bearer ${keys.expired}` }]
      ]
      const messages = new Set<string>()
      for (const [name, headers] of cases) {
        for (const method of ["GET", "PATCH"]) {
          const reply = yield* app.fetch(path, { method, headers, key: null, ...(method === "PATCH" ? { body: examplePatch } : {}) })
          const check = expectEnvelope(reply, 401, "UNAUTHORIZED")
          expect(check.ok, `${name} ${method}`).toBe(true)
          expect(reply.headers.get("www-authenticate"), name).toBe("Bearer")
          messages.add(check.body.message)
          expect(check.body.details, name).toBeUndefined()
        }
      }
      expect(messages.size).toBe(1)
    }))

  it.scoped("accepts the scheme in any case", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const reply = yield* app.fetch(path, { headers: { authorization: `bEaReR ${keys.write}` }, key: null })
      expect(reply.status).toBe(200)
    }))
})

describe("400s", () => {
  it.scoped("INVALID_JSON for a body that is not JSON; SCHEMA_VALIDATION_ERROR for JSON of the wrong shape", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      for (const body of [`{"data": {"type": "people"`, ``, `{"data": } `, `\u00ff`]) {
        const reply = yield* app.fetch(path, { method: "PATCH", body })
        expect(expectEnvelope(reply, 400, "INVALID_JSON").ok, JSON.stringify(body)).toBe(true)
      }
      const shapes: Array<[string, string | undefined]> = [
        [`[]`, undefined],
        [`"x"`, undefined],
        [`null`, undefined],
        [`{}`, "data"],
        [`{"data": []}`, "data"],
        [`{"data": null}`, "data"]
      ]
      for (const [body, at] of shapes) {
        const reply = yield* app.fetch(path, { method: "PATCH", body })
        const check = expectEnvelope(reply, 400, "SCHEMA_VALIDATION_ERROR")
        expect(check.ok, body).toBe(true)
        expect(check.body.details?.path, body).toBe(at)
      }
    }))

  it.scoped("query parameters: a workspaceId that is not a uuid, a repeated include", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const workspace = yield* app.fetch(`${path}?workspaceId=nope`)
      expect(expectEnvelope(workspace, 400, "SCHEMA_VALIDATION_ERROR").ok).toBe(true)
      expect(workspace.json.details.path).toBe("workspaceId")
      const include = yield* app.fetch(`${path}?include=emails&include=phones`)
      expect(expectEnvelope(include, 400, "SCHEMA_VALIDATION_ERROR").ok).toBe(true)
      expect(include.json.details.path).toBe("include")
    }))

  it.scoped("a path person_id that is not a uuid", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      for (const method of ["GET", "PATCH"]) {
        const reply = yield* app.fetch("/v1/people/not-a-uuid", { method, ...(method === "PATCH" ? { body: examplePatch } : {}) })
        const check = expectEnvelope(reply, 400, "SCHEMA_VALIDATION_ERROR")
        expect(check.ok).toBe(true)
        expect(check.body.details.path).toBe("person_id")
      }
    }))

  it.scoped("names the first offending field; nothing is written", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const cases: Array<[unknown, string, string, Record<string, unknown>?]> = [
        [doc({ attributes: { first_name: "Changed", last_name: null } }), "SCHEMA_VALIDATION_ERROR", "data.attributes.last_name"],
        [doc({ attributes: { first_name: "   " } }), "SCHEMA_VALIDATION_ERROR", "data.attributes.first_name"],
        [doc({ attributes: { job_title: "a\u0001b" } }), "SCHEMA_VALIDATION_ERROR", "data.attributes.job_title"],
        [doc({ attributes: { job_title: "x".repeat(256) } }), "SCHEMA_VALIDATION_ERROR", "data.attributes.job_title"],
        [doc({ attributes: { nickname: "R" } }), "SCHEMA_VALIDATION_ERROR", "data.attributes.nickname", { issue: "unknown" }],
        [doc({ attributes: { created_at: "2020-01-01T00:00:00.000Z" } }), "SCHEMA_VALIDATION_ERROR", "data.attributes.created_at", { issue: "read_only" }],
        [doc({ attributes: { created_at: "yesterday" } }), "SCHEMA_VALIDATION_ERROR", "data.attributes.created_at", { issue: "read_only" }],
        [doc({ attributes: { full_name: "Someone Else" } }), "SCHEMA_VALIDATION_ERROR", "data.attributes.full_name", { issue: "read_only" }],
        [{ data: { type: "people", id: ids.missing } }, "BAD_REQUEST", "data.id", { issue: "id_mismatch" }],
        [{ data: { type: "person", id: REMY } }, "BAD_REQUEST", "data.type", { issue: "type_mismatch" }],
        [{ data: { type: "people", id: 12345 } }, "SCHEMA_VALIDATION_ERROR", "data.id"],
        [{ data: { type: "people" } }, "SCHEMA_VALIDATION_ERROR", "data.id", { issue: "missing" }],
        [{ data: { type: "people", id: "nope" } }, "SCHEMA_VALIDATION_ERROR", "data.id"],
        [{ ...doc({}), included: [] }, "BAD_REQUEST", "included"],
        [{ ...doc({}), extra: 1 }, "SCHEMA_VALIDATION_ERROR", "extra", { issue: "unknown" }],
        [doc({ lid: "x" }), "SCHEMA_VALIDATION_ERROR", "data.lid"],
        [doc({ relationships: { friends: { data: [] } } }), "SCHEMA_VALIDATION_ERROR", "data.relationships.friends"],
        [doc({ relationships: { emails: {} } }), "SCHEMA_VALIDATION_ERROR", "data.relationships.emails.data", { issue: "missing" }],
        [doc({ relationships: { emails: { data: [{ type: "email", id: ids.workEmail }, { type: "email", id: ids.personalEmail }, { type: "email", id: ids.missing }, { type: "email", id: "bad" }] } } }),
          "SCHEMA_VALIDATION_ERROR", "data.relationships.emails.data.3.id"],
        [doc({ relationships: { emails: { data: [{ type: "phone", id: ids.workEmail }] } } }), "SCHEMA_VALIDATION_ERROR", "data.relationships.emails.data.0.type"],
        [doc({ relationships: { emails: { data: [{ type: "email", id: ids.workEmail, meta: { primary: true } }] } } }), "SCHEMA_VALIDATION_ERROR", "data.relationships.emails.data.0.meta.primary", { issue: "unknown" }],
        [doc({ relationships: { web_links: { data: [{ type: "web_link", id: ids.webLink, meta: { is_primary: true } }] } } }), "SCHEMA_VALIDATION_ERROR", "data.relationships.web_links.data.0.meta.is_primary"],
        [doc({ relationships: { companies: { data: [{ type: "companies", id: OKAFOR, meta: { relationship_type: "boss" } }] } } }), "SCHEMA_VALIDATION_ERROR", "data.relationships.companies.data.0.meta.relationship_type"],
        [doc({ relationships: { web_links: { data: [] }, social_links: { data: [] } } }), "BAD_REQUEST", "data.relationships.social_links"],
        [doc({ relationships: { companies: { data: [{ type: "companies", id: OKAFOR, meta: { relationship_type: "owner" } }, { type: "companies", id: OKAFOR, meta: { relationship_type: "employee" } }] } } }),
          "BAD_REQUEST", "data.relationships.companies.data.1.meta.relationship_type", { issue: "conflicting_meta" }],
        [doc({ relationships: { emails: { data: [{ type: "email", id: ids.workEmail, meta: { is_primary: true } }, { type: "email", id: ids.personalEmail, meta: { is_primary: true } }] } } }),
          "BAD_REQUEST", "data.relationships.emails.data.1.meta.is_primary", { issue: "multiple_primaries" }]
      ]
      for (const [body, code, at, extra] of cases) {
        const reply = yield* app.fetch(path, { method: "PATCH", body })
        const check = expectEnvelope(reply, 400, code)
        expect(check.ok, `${JSON.stringify(body).slice(0, 120)} → ${reply.text}`).toBe(true)
        expect(check.body.details.path, reply.text).toBe(at)
        for (const [key, value] of Object.entries(extra ?? {})) expect(check.body.details[key], reply.text).toBe(value)
      }
      const after = yield* app.fetch(path)
      expect(after.json.data.attributes.first_name).toBe("Remy")
      expect(after.headers.get("etag")).toBe(`"1"`)
    }))

  it.scoped("at most 1,000 entries per kind's array as sent", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const linkages = (n: number) => Array.from({ length: n }, () => ({ type: "companies", id: OKAFOR }))
      const over = yield* app.fetch(path, { method: "PATCH", body: doc({ relationships: { companies: { data: linkages(1001) } } }) })
      const check = expectEnvelope(over, 400, "SCHEMA_VALIDATION_ERROR")
      expect(check.ok).toBe(true)
      expect(check.body.details).toEqual({ path: "data.relationships.companies.data", issue: "too_many", limit: 1000 })
      const at = yield* app.fetch(path, { method: "PATCH", body: doc({ relationships: { companies: { data: linkages(1000) } } }) })
      expect(at.status).toBe(200)
      expect(at.json.data.relationships.companies.data).toHaveLength(1)
    }))
})

const OKAFOR = "b2c3d4e5-6f70-4812-93a4-b5c6d7e8f9a0"

describe("framework failures", () => {
  it.scoped("404 ROUTE_NOT_FOUND and 405 METHOD_NOT_ALLOWED with Allow", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      for (const url of ["/v1/nope", "/v1/people", "/", `/v2/people/${REMY}`, `/v1/people/${REMY}/emails`]) {
        const reply = yield* app.fetch(url, { key: null })
        expect(expectEnvelope(reply, 404, "ROUTE_NOT_FOUND").ok, url).toBe(true)
      }
      for (const [method, url] of [["DELETE", path], ["POST", path], ["PUT", path], ["OPTIONS", path], ["DELETE", `${path}/`]] as const) {
        const reply = yield* app.fetch(url, { method, key: null, ...(method === "OPTIONS" ? {} : { body: "{" }) })
        expect(expectEnvelope(reply, 405, "METHOD_NOT_ALLOWED").ok, method).toBe(true)
        expect(reply.headers.get("allow")).toBe("GET, PATCH")
      }
    }))

  it.scoped("414 URI_TOO_LONG over 8 KiB of URI, before routing and authentication", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const long = yield* app.fetch(`${path}?pad=${"a".repeat(9000)}`, { key: null })
      expect(expectEnvelope(long, 414, "URI_TOO_LONG").ok).toBe(true)
      const fits = yield* app.fetch(`${path}?pad=${"a".repeat(8000)}`, { method: "GET" })
      expect(fits.status).not.toBe(414)
    }))

  it.scoped("413 PAYLOAD_TOO_LARGE over 1 MiB; exactly 1 MiB is read", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const json = JSON.stringify(examplePatch)
      const exact = json + " ".repeat(1024 * 1024 - json.length)
      expect((yield* app.fetch(path, { method: "PATCH", body: exact })).status).toBe(200)
      const over = yield* app.fetch(path, { method: "PATCH", body: exact + " " })
      const check = expectEnvelope(over, 413, "PAYLOAD_TOO_LARGE")
      expect(check.ok).toBe(true)
      const declared = yield* app.fetch(path, { method: "PATCH", body: "{}", headers: { "content-length": String(2 * 1024 * 1024) } })
      expect(declared.status).toBe(413)
    }))

  it.scoped("in process, a Content-Length that understates the body does not get it buffered whole", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      for (const length of ["10", "0", "-1", "1e3"]) {
        // 64 MiB offered lazily; the 413 must come after the drain limit (16 MiB), not the end.
        let pulled = 0
        const chunk = new Uint8Array(256 * 1024).fill(32)
        const body = new ReadableStream({
          pull: (controller) => {
            if (pulled >= 64 * 1024 * 1024) return controller.close()
            pulled += chunk.length
            controller.enqueue(chunk)
          }
        })
        const response = yield* Effect.promise(() =>
          app.handler(new Request(`http://localhost${path}`, {
            method: "PATCH",
            headers: { authorization: `Bearer ${keys.write}`, "content-type": "application/json", "content-length": length },
            body,
            duplex: "half"
          } as RequestInit))
        )
        const reply = yield* Effect.promise(() => toReply(response))
        expect(expectEnvelope(reply, 413, "PAYLOAD_TOO_LARGE").ok, length).toBe(true)
        expect(pulled, length).toBeLessThanOrEqual(18 * 1024 * 1024)
      }
    }))

  it.scoped("415 UNSUPPORTED_MEDIA_TYPE for bodies that are not JSON", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "application/json; charset=latin1", "nonsense"]) {
        const reply = yield* app.fetch(path, { method: "PATCH", body: JSON.stringify(examplePatch), headers: { "content-type": type } })
        expect(expectEnvelope(reply, 415, "UNSUPPORTED_MEDIA_TYPE").ok, type).toBe(true)
      }
    }))

  it.scoped("500 INTERNAL_ERROR for a defect, without stack or SQL text", () =>
    Effect.gen(function*() {
      const app = yield* makeAppOver(appLayerWith(portsWith((ports) => ({
        people: { ...ports.people, load: () => Effect.die(new Error("SELECT * FROM people WHERE secret")) }
      }))))
      const reply = yield* app.fetch(path)
      const check = expectEnvelope(reply, 500, "INTERNAL_ERROR")
      expect(check.ok).toBe(true)
      expect(reply.text).not.toMatch(/SELECT|Error:|at /)
      const line = logs.find((log) => log.annotations["log_id"] === check.body.meta.log_id)
      expect(String(line?.annotations["cause"])).toMatch(/SELECT/)
    }))

  it.scoped("503 SERVICE_UNAVAILABLE with Retry-After when the database cannot be reached", () =>
    Effect.gen(function*() {
      const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })
      const app = yield* makeAppOver(appLayerWith(portsWith((ports) => ({
        people: { ...ports.people, load: () => Effect.die({ _tag: "SqlError", message: "Failed to execute statement", cause: refused }) }
      }))))
      const reply = yield* app.fetch(path)
      expect(expectEnvelope(reply, 503, "SERVICE_UNAVAILABLE").ok).toBe(true)
      expect(reply.headers.get("retry-after")).toBe("1")
      expect(reply.text).not.toMatch(/ECONNREFUSED|5432/)
    }))

  it.scoped("503 SERVICE_UNAVAILABLE with Retry-After for a transient conflict", () =>
    Effect.gen(function*() {
      const app = yield* makeAppOver(appLayerWith(portsWith(() => ({
        transactor: { withTransaction: () => Effect.fail(new Errors.TransientConflict()) }
      }))))
      const reply = yield* app.fetch(path, { method: "PATCH", body: examplePatch })
      expect(expectEnvelope(reply, 503, "SERVICE_UNAVAILABLE").ok).toBe(true)
      expect(reply.headers.get("retry-after")).toBe("1")
    }))
})

describe("precedence: route/405 → 401 → 413/415 → 400 → 403 → 404 person → 412 → 404 related", () => {
  it.scoped("follows the order", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const big = "x".repeat(1024 * 1024 + 1)
      const cases: Array<[string, Parameters<typeof app.fetch>[1] & {}, string, number]> = [
        [path, { method: "DELETE", key: null }, "405", 405],
        [path, { method: "PATCH", key: null, body: "{bad" }, "no token + malformed body", 401],
        [path, { method: "PATCH", key: null, body: "x", headers: { "content-type": "text/plain" } }, "no token + text/plain", 401],
        ["/v1/people/bad", { method: "PATCH", key: null, body: "{}" }, "no token + bad uuid", 401],
        ["/v1/people/bad", { method: "PATCH", body: "x", headers: { "content-type": "text/plain" } }, "text/plain + bad uuid", 415],
        ["/v1/people/bad", { method: "PATCH", body: big }, "oversize + bad uuid", 413],
        [`${path}?workspaceId=${W3}`, { method: "PATCH", body: "{bad" }, "malformed + foreign workspace", 400],
        [`${path}?workspaceId=${W3}`, { method: "PATCH", body: doc({ attributes: { last_name: null } }) }, "bad body + foreign workspace", 400],
        [path, { method: "PATCH", key: keys.read, body: doc({ attributes: { last_name: null } }) }, "bad body + read-only key", 400],
        [path, { method: "PATCH", key: keys.read, body: doc({ relationships: { emails: { data: [{ type: "email", id: ids.workEmail, meta: { is_primary: true } }, { type: "email", id: ids.personalEmail, meta: { is_primary: true } }] } } }) }, "two primaries + read-only key", 400],
        [`/v1/people/${ids.missing}?workspaceId=${W3}`, { method: "PATCH", body: { data: { type: "people", id: ids.missing } } }, "foreign workspace + missing person", 403],
        [`/v1/people/${ids.missing}`, { method: "PATCH", key: keys.read, body: { data: { type: "people", id: ids.missing } } }, "read-only key + missing person", 403],
        [`/v1/people/${ids.missing}`, { method: "PATCH", headers: { "if-match": `"9"` }, body: { data: { type: "people", id: ids.missing } } }, "missing person + If-Match", 404],
        [path, { method: "PATCH", headers: { "if-match": `"9"` }, body: doc({ relationships: { companies: { data: [{ type: "companies", id: ids.missing }] } } }) }, "If-Match + missing company", 412]
      ]
      for (const [url, init, name, status] of cases) {
        const reply = yield* app.fetch(url, init)
        expect(reply.status, `${name}: ${reply.text}`).toBe(status)
        expect(reply.headers.get("content-type"), name).toBe("application/json")
      }
    }))
})

describe("trace ids and log ids", () => {
  it.scoped("honours a valid traceparent, else makes a new 32-hex id; one log line per error", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
      const traced = yield* app.fetch(path, { key: null, headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } })
      expect(traced.json.meta.trace_id).toBe(traceId)
      expect(traced.headers.get("x-trace-id")).toBe(traceId)
      const lines = logs.filter((log) => log.annotations["log_id"] === traced.json.meta.log_id)
      expect(lines).toHaveLength(1)
      expect(lines[0]!.annotations["trace_id"]).toBe(traceId)
      // A success carries the header too.
      const ok = yield* app.fetch(path, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } })
      expect(ok.headers.get("x-trace-id")).toBe(traceId)
      for (const invalid of [
        `00-00000000000000000000000000000000-00f067aa0ba902b7-01`,
        `ff-${traceId}-00f067aa0ba902b7-01`,
        `00-${traceId}-0000000000000000-01`,
        `00-${traceId.toUpperCase()}-00f067aa0ba902b7-01`,
        `garbage`
      ]) {
        const reply = yield* app.fetch(path, { key: null, headers: { traceparent: invalid } })
        expect(reply.json.meta.trace_id, invalid).toMatch(/^[0-9a-f]{32}$/)
        expect(reply.json.meta.trace_id, invalid).not.toBe(traceId)
        expect(reply.json.meta.trace_id).not.toBe("00000000000000000000000000000000")
      }
    }))
})
