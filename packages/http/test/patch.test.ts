/** PATCH and GET over the in-process handler: documents, ETags, include and fields, 403/404. */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { examplePatch, expectEnvelope, ids, keys, makeApp, NOW, OKAFOR_ROBOTICS, OTHER_PERSON, REMY, W2, W3 } from "./support.js"

const path = `/v1/people/${REMY}`
/** The document the example PATCH answers with (SPEC §3: PATCH includes nothing by default). */
const exampleDocument = {
  data: {
    type: "people",
    id: REMY,
    attributes: {
      full_name: "Remy Okafor",
      first_name: "Remy",
      last_name: "Okafor",
      job_title: "Founder and CEO",
      created_at: "2026-01-12T09:31:00.000Z",
      updated_at: NOW
    },
    relationships: {
      companies: { data: [{ type: "companies", id: OKAFOR_ROBOTICS, meta: { relationship_type: "employee" } }] },
      emails: { data: [{ type: "email", id: ids.workEmail, meta: { is_primary: true } }] },
      phones: { data: [{ type: "phone", id: ids.phone, meta: { is_primary: true } }] },
      web_links: { data: [{ type: "web_link", id: ids.webLink }] }
    }
  },
  included: []
}

describe("PATCH /v1/people/:id", () => {
  it.scoped("applies the example request and answers with the exact document", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const first = yield* app.fetch(path, { method: "PATCH", body: examplePatch })
      expect(first.status).toBe(200)
      expect(first.json).toEqual(exampleDocument)
      expect(first.headers.get("content-type")).toBe("application/json")
      expect(first.headers.get("etag")).toBe(`"2"`)
      expect(first.headers.get("x-trace-id")).toMatch(/^[0-9a-f]{32}$/)

      // The same request again changes nothing: same document, same updated_at, same version.
      const second = yield* app.fetch(path, { method: "PATCH", body: examplePatch })
      expect(second.status).toBe(200)
      expect(second.json).toEqual(first.json)
      expect(second.headers.get("etag")).toBe(`"2"`)

      const read = yield* app.fetch(path + "?include=")
      expect(read.json).toEqual(exampleDocument)
      expect(read.headers.get("etag")).toBe(`"2"`)
    }))

  it.scoped("parses and applies application/vnd.api+json, answering in the same media type", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const reply = yield* app.fetch(path, {
        method: "PATCH",
        headers: { "content-type": "application/vnd.api+json" },
        body: { data: { type: "people", id: REMY, attributes: { first_name: "  Rémy " } } }
      })
      expect(reply.status).toBe(200)
      expect(reply.headers.get("content-type")).toBe("application/vnd.api+json")
      expect(reply.json.data.attributes.first_name).toBe("Rémy")
      expect(reply.json.data.attributes.full_name).toBe("Rémy Okafor")
      const withProfile = yield* app.fetch(path, {
        method: "PATCH",
        headers: { "content-type": `application/vnd.api+json; profile="https://example.com/p"` },
        body: { data: { type: "people", id: REMY, attributes: { job_title: null } } }
      })
      expect(withProfile.status).toBe(200)
      expect(withProfile.json.data.attributes.job_title).toBeNull()
      const charset = yield* app.fetch(path, {
        method: "PATCH",
        headers: { "content-type": "application/vnd.api+json; charset=utf-8" },
        body: examplePatch
      })
      expect(expectEnvelope(charset, 415, "UNSUPPORTED_MEDIA_TYPE").ok).toBe(true)
      const json = yield* app.fetch(path, {
        method: "PATCH",
        headers: { "content-type": "application/json; charset=UTF-8" },
        body: examplePatch
      })
      expect(json.status).toBe(200)
      expect(json.headers.get("content-type")).toBe("application/json")
    }))

  it.scoped("reads a body without Content-Type as JSON", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const response = yield* Effect.promise(() =>
        app.handler(new Request(`http://localhost${path}`, {
          method: "PATCH",
          headers: { authorization: `Bearer ${keys.write}` },
          body: new Blob([JSON.stringify(examplePatch)]).stream(),
          duplex: "half"
        } as RequestInit))
      )
      expect(response.status).toBe(200)
      const json: any = yield* Effect.promise(() => response.json())
      expect(json.data.attributes.job_title).toBe("Founder and CEO")
    }))

  it.scoped("replaces link sets, keeps omitted meta, accepts aliases, detaches with [] / null", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const reply = yield* app.fetch(path, {
        method: "PATCH",
        body: {
          data: {
            type: "people",
            id: REMY.toUpperCase(),
            relationships: {
              companies: { data: [{ type: "company", id: OKAFOR_ROBOTICS.toUpperCase() }, { type: "companies", id: ids.northwind }] },
              emails: { data: [{ type: "email", id: ids.workEmail }, { type: "emails", id: ids.personalEmail, meta: { is_primary: true } }] },
              phones: null,
              social_links: { data: [] }
            }
          }
        }
      })
      expect(reply.status).toBe(200)
      const rel = reply.json.data.relationships
      expect(rel.companies.data).toEqual([
        { type: "companies", id: OKAFOR_ROBOTICS, meta: { relationship_type: "owner" } },
        { type: "companies", id: ids.northwind, meta: { relationship_type: "other" } }
      ])
      expect(rel.emails.data).toEqual([
        { type: "email", id: ids.workEmail, meta: { is_primary: false } },
        { type: "email", id: ids.personalEmail, meta: { is_primary: true } }
      ])
      expect(rel.phones.data).toEqual([])
      expect(rel.web_links.data).toEqual([])
      const cleared = yield* app.fetch(path, {
        method: "PATCH",
        body: { data: { type: "people", id: REMY, relationships: { companies: { data: null } } } }
      })
      expect(cleared.json.data.relationships.companies.data).toEqual([])
    }))

  it.scoped("accepts read-only attributes echoed with their current value, ignores meta/jsonapi/links", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const reply = yield* app.fetch(path, {
        method: "PATCH",
        body: {
          jsonapi: { version: "1.1" },
          meta: { anything: true },
          links: { self: "x" },
          data: {
            type: "people",
            id: REMY,
            meta: {},
            links: {},
            attributes: {
              full_name: "Remy Okafor",
              created_at: "2026-01-12T09:31:00Z",
              updated_at: "2026-01-12T10:31:00.000+01:00",
              job_title: "Founder and CEO"
            }
          }
        }
      })
      expect(reply.status).toBe(200)
      expect(reply.json.data.attributes.job_title).toBe("Founder and CEO")
    }))

  it.scoped("includes related resources only when asked, and renders sparse fieldsets", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const included = yield* app.fetch(`${path}?include=companies,web_links`, { method: "PATCH", body: examplePatch })
      expect(included.json.included).toEqual([
        {
          type: "companies",
          id: OKAFOR_ROBOTICS,
          attributes: {
            name: "Okafor Robotics",
            description: "Warehouse robots",
            domain: "okafor-robotics.example",
            created_at: "2026-01-10T08:00:00.000Z",
            updated_at: "2026-01-10T08:00:00.000Z"
          }
        },
        {
          type: "web_link",
          id: ids.webLink,
          attributes: {
            url: "https://www.linkedin.com/in/remy-okafor-demo",
            platform: "linkedin",
            created_at: "2026-01-12T09:31:00.000Z",
            updated_at: "2026-01-12T09:31:00.000Z"
          }
        }
      ])
      const sparse = yield* app.fetch(`${path}?fields[people]=first_name,job_title,emails&include=emails&fields[email]=value`)
      expect(sparse.status).toBe(200)
      expect(sparse.json.data.attributes).toEqual({ first_name: "Remy", job_title: "Founder and CEO" })
      expect(Object.keys(sparse.json.data.relationships)).toEqual(["emails"])
      expect(sparse.json.included).toEqual([{ type: "email", id: ids.workEmail, attributes: { value: "remy@okafor-robotics.example" } }])
      const empty = yield* app.fetch(`${path}?fields[people]=&include=`)
      expect(empty.json.data).toEqual({ type: "people", id: REMY, attributes: {}, relationships: {} })
      // The ETag does not depend on include or fields.
      expect(sparse.headers.get("etag")).toBe(included.headers.get("etag"))
    }))

  it.scoped("refuses unknown include, unknown fields types and fields", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      for (const query of ["include=companies,people", "fields[person]=first_name", "fields[people]=nickname", "fields[companies]=url"]) {
        const reply = yield* app.fetch(`${path}?${query}`)
        const check = expectEnvelope(reply, 400, "BAD_REQUEST")
        expect(check.ok, query).toBe(true)
      }
      const include = yield* app.fetch(`${path}?include=people`)
      expect(include.json.details).toEqual({ path: "include", issue: "unknown_include" })
    }))

  it.scoped("ETag and If-Match: 412 writes nothing, * and lists match, weak or garbage tags never", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const get = yield* app.fetch(path)
      expect(get.headers.get("etag")).toBe(`"1"`)
      const body = (title: string) => ({ data: { type: "people", id: REMY, attributes: { job_title: title } } })
      const ok = yield* app.fetch(path, { method: "PATCH", headers: { "if-match": `"1"` }, body: body("A") })
      expect(ok.status).toBe(200)
      expect(ok.headers.get("etag")).toBe(`"2"`)
      const stale = yield* app.fetch(path, { method: "PATCH", headers: { "if-match": `"1"` }, body: body("B") })
      expect(expectEnvelope(stale, 412, "PRECONDITION_FAILED").ok).toBe(true)
      expect((yield* app.fetch(path)).json.data.attributes.job_title).toBe("A")
      for (const header of [`W/"2"`, `2`, `"02"`, `"abc"`, ``]) {
        const reply = yield* app.fetch(path, { method: "PATCH", headers: { "if-match": header }, body: body("C") })
        expect(reply.status, header).toBe(412)
      }
      const list = yield* app.fetch(path, { method: "PATCH", headers: { "if-match": `"7", W/"1", "2"` }, body: body("D") })
      expect(list.status).toBe(200)
      expect(list.headers.get("etag")).toBe(`"3"`)
      const star = yield* app.fetch(path, { method: "PATCH", headers: { "if-match": "*" }, body: body("E") })
      expect(star.status).toBe(200)
      expect(star.headers.get("etag")).toBe(`"4"`)
    }))

  it.scoped("403 for a workspace without membership and for a read-only key on PATCH", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      for (const query of [`?workspaceId=${W3}`, `?workspace_id=${W3}`]) {
        const reply = yield* app.fetch(path + query, { method: "PATCH", body: examplePatch })
        expect(expectEnvelope(reply, 403, "FORBIDDEN").ok, query).toBe(true)
      }
      const readOnly = yield* app.fetch(path, { method: "PATCH", body: examplePatch, key: keys.read })
      expect(expectEnvelope(readOnly, 403, "FORBIDDEN").ok).toBe(true)
      expect((yield* app.fetch(path, { key: keys.read })).status).toBe(200)
      // A key with several memberships acts in the workspace it names.
      const other = yield* app.fetch(`/v1/people/${OTHER_PERSON}?workspaceId=${W2}`, { key: keys.multi })
      expect(other.status).toBe(200)
      expect(other.json.data.attributes.full_name).toBe("Imani Rossi")
      const conflicting = yield* app.fetch(`${path}?workspaceId=${W2}&workspace_id=${W3}`, { key: keys.multi })
      expect(expectEnvelope(conflicting, 400, "BAD_REQUEST").ok).toBe(true)
    }))

  it.scoped("404: another workspace's person is indistinguishable from a missing one", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const strip = (json: any) => ({ ...json, meta: undefined })
      const bodyFor = (id: string) => ({ data: { type: "people", id, attributes: { job_title: "x" } } })
      const foreign = yield* app.fetch(`/v1/people/${OTHER_PERSON}`, { method: "PATCH", body: bodyFor(OTHER_PERSON) })
      const missing = yield* app.fetch(`/v1/people/${ids.missing}`, { method: "PATCH", body: bodyFor(ids.missing) })
      expect(expectEnvelope(foreign, 404, "NOT_FOUND").ok).toBe(true)
      expect(strip(foreign.json)).toEqual(strip(missing.json))
      const getForeign = yield* app.fetch(`/v1/people/${OTHER_PERSON}`)
      const getMissing = yield* app.fetch(`/v1/people/${ids.missing}`)
      expect(strip(getForeign.json)).toEqual(strip(getMissing.json))
      expect(strip(getForeign.json)).toEqual(strip(foreign.json))
    }))

  it.scoped("404 <RESOURCE>_NOT_FOUND lists missing and foreign ids", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const reply = yield* app.fetch(path, {
        method: "PATCH",
        body: {
          data: {
            type: "people",
            id: REMY,
            relationships: {
              companies: { data: [{ type: "companies", id: ids.otherCompany }, { type: "companies", id: ids.missing }, { type: "companies", id: OKAFOR_ROBOTICS }] }
            }
          }
        }
      })
      const check = expectEnvelope(reply, 404, "COMPANY_NOT_FOUND")
      expect(check.ok).toBe(true)
      expect(check.body.details.ids).toEqual([ids.otherCompany, ids.missing])
      const email = yield* app.fetch(path, {
        method: "PATCH",
        body: { data: { type: "people", id: REMY, relationships: { emails: { data: [{ type: "email", id: ids.missing }] } } } }
      })
      expect(expectEnvelope(email, 404, "EMAIL_NOT_FOUND").ok).toBe(true)
      expect((yield* app.fetch(path)).json.data.relationships.companies.data).toHaveLength(1)
    }))
})

describe("GET /v1/people/:id", () => {
  it.scoped("returns the person with every kind included by default", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const reply = yield* app.fetch(path, { key: keys.read })
      expect(reply.status).toBe(200)
      expect(reply.headers.get("content-type")).toBe("application/json")
      expect(reply.json.included.map((r: any) => r.type)).toEqual(["companies", "email", "phone", "web_link"])
      const none = yield* app.fetch(`${path}?include=`)
      expect(none.json.included).toEqual([])
    }))
})
