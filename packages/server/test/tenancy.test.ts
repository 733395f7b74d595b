// Tenant isolation (SPEC §5, issue 4 item 5), over real HTTP on Postgres: for every id kind —
// person, company, email, phone, web link — an id of another workspace gets exactly the answer
// (status, headers, body apart from trace_id/log_id) an id that exists nowhere gets, even for a
// key that is a member of both workspaces; and the database itself refuses a cross-workspace
// link written directly in SQL.
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import { expect, layer } from "@effect/vitest"
import { Context, Effect } from "effect"
import { patchDoc, type Reply, request, servedLayer, servedWith, uuid } from "./support.js"

const kinds = [
  { kind: "companies", type: "companies", table: "companies", junction: "person_companies", column: "company_id" },
  { kind: "emails", type: "emails", table: "emails", junction: "person_emails", column: "email_id" },
  { kind: "phones", type: "phones", table: "phones", junction: "person_phones", column: "phone_id" },
  { kind: "web_links", type: "web_links", table: "web_links", junction: "person_web_links", column: "web_link_id" }
] as const

const workspaceData = (workspace: string) => ({
  workspace,
  person: uuid(),
  companies: uuid(),
  emails: uuid(),
  phones: uuid(),
  web_links: uuid()
})

/** The reply with the per-request ids and the given ids blanked, for comparing two replies. */
const normalised = (reply: Reply, ...ids: ReadonlyArray<string>) => {
  let text = reply.text
  for (const id of ids) text = text.split(id).join("<id>").split(id.toUpperCase()).join("<id>")
  const body = JSON.parse(text)
  if (body.meta !== undefined) body.meta = { trace_id: "<trace>", log_id: "<log>" }
  const headers: Array<[string, string]> = []
  reply.headers.forEach((value, name) => {
    if (!["date", "x-trace-id", "content-length"].includes(name)) headers.push([name, value])
  })
  return { status: reply.status, headers, body }
}

layer(servedLayer({ maxConnections: 4 }), { excludeTestServices: true, timeout: "60 seconds" })("tenant isolation", (it) => {
  it.effect("an id of another workspace answers exactly like an id that exists nowhere, for every id kind", () =>
    Effect.gen(function*() {
      const a = workspaceData(uuid())
      const b = workspaceData(uuid())
      const [oneKeyId, bothKeyId] = [uuid(), uuid()]
      const oneKey = `pk_${oneKeyId}_tenancy`
      const bothKey = `pk_${bothKeyId}_tenancy`
      const fixtures = {
        workspaces: [{ id: a.workspace, name: "A" }, { id: b.workspace, name: "B" }],
        people: [a, b].map((w) => ({ id: w.person, workspace_id: w.workspace, first_name: "Tenant", last_name: w === a ? "A" : "B" })),
        companies: [a, b].map((w) => ({ id: w.companies, workspace_id: w.workspace, name: "Co" })),
        emails: [a, b].map((w) => ({ id: w.emails, workspace_id: w.workspace, value: "x@example.com" })),
        phones: [a, b].map((w) => ({ id: w.phones, workspace_id: w.workspace, e164_number: "+14155550100" })),
        web_links: [a, b].map((w) => ({ id: w.web_links, workspace_id: w.workspace, url: "https://example.com" })),
        links: [b].flatMap((w) => kinds.map((k) => ({ workspace_id: w.workspace, person_id: w.person, kind: k.kind, id: w[k.kind] }))),
        api_keys: [
          { id: oneKeyId, secret: oneKey, scopes: ["people:write" as const], workspaces: [a.workspace] as [string] },
          { id: bothKeyId, secret: bothKey, scopes: ["people:write" as const], workspaces: [a.workspace, b.workspace] as [string, string], default_workspace: a.workspace }
        ]
      }
      const served = yield* servedWith(fixtures)
      const sql = Context.get(served.context, SqlClient.SqlClient)
      const send = (path: string, init: Parameters<typeof request>[2]) => Effect.promise(() => request(served.base, path, init))
      const dump = sql<{ t: string }>`
        SELECT json_build_object(
          'people', (SELECT json_agg(p ORDER BY p.id) FROM people p),
          'links', (SELECT json_agg(l ORDER BY l.person_id, l.company_id) FROM person_companies l),
          'changes', (SELECT count(*) FROM person_changes))::text AS t`
      const before = yield* dump

      for (const key of [oneKey, bothKey]) {
        for (const ws of ["", `?workspaceId=${a.workspace}`]) {
          // The person: GET and PATCH of B's person from A, vs a person that exists nowhere.
          const nowhere = uuid()
          for (const method of ["GET", "PATCH"] as const) {
            const ask = (id: string) =>
              send(`/v1/people/${id}${ws}`, { method, key, ...(method === "PATCH" ? { body: patchDoc(id, { job_title: "stolen" }) } : {}) })
            const foreign = yield* ask(b.person)
            const absent = yield* ask(nowhere)
            expect(foreign.status, `${method} person`).toBe(404)
            expect(normalised(foreign, b.person), `${method} person`).toEqual(normalised(absent, nowhere))
          }
          // Every related kind: linking B's resource to A's person, vs linking an id that exists nowhere.
          for (const k of kinds) {
            const link = (id: string) =>
              send(`/v1/people/${a.person}${ws}`, {
                method: "PATCH",
                key,
                body: patchDoc(a.person, {}, { [k.kind]: { data: [{ type: k.type, id }] } })
              })
            const missing = uuid()
            const foreign = yield* link(b[k.kind])
            const absent = yield* link(missing)
            expect(foreign.status, k.kind).toBe(404)
            expect(foreign.json.details.ids).toEqual([b[k.kind]])
            expect(normalised(foreign, b[k.kind]), k.kind).toEqual(normalised(absent, missing))
          }
        }
      }
      // Nothing of either workspace changed.
      expect(yield* dump).toEqual(before)
    }), { timeout: 60_000 })

  it.effect("the database refuses a cross-workspace link written directly in SQL, for every junction", () =>
    Effect.gen(function*() {
      const a = workspaceData(uuid())
      const b = workspaceData(uuid())
      const fixtures = {
        workspaces: [{ id: a.workspace, name: "A" }, { id: b.workspace, name: "B" }],
        people: [a, b].map((w) => ({ id: w.person, workspace_id: w.workspace, first_name: "Tenant", last_name: "X" })),
        companies: [a, b].map((w) => ({ id: w.companies, workspace_id: w.workspace, name: "Co" })),
        emails: [a, b].map((w) => ({ id: w.emails, workspace_id: w.workspace, value: "x@example.com" })),
        phones: [a, b].map((w) => ({ id: w.phones, workspace_id: w.workspace, e164_number: "+14155550100" })),
        web_links: [a, b].map((w) => ({ id: w.web_links, workspace_id: w.workspace, url: "https://example.com" }))
      }
      const served = yield* servedWith(fixtures)
      const sql = Context.get(served.context, SqlClient.SqlClient)
      for (const k of kinds) {
        // A's person with B's target, labelled as either workspace: refused by a foreign key.
        for (const workspace of [a.workspace, b.workspace]) {
          const error = yield* Effect.flip(sql.unsafe(
            `INSERT INTO ${k.junction} (workspace_id, person_id, ${k.column}) VALUES ($1, $2, $3)`,
            [workspace, a.person, b[k.kind]]
          ))
          expect(error).toBeInstanceOf(SqlError)
          expect((error.cause as { code?: string }).code, `${k.junction} as ${workspace === a.workspace ? "A" : "B"}`).toBe("23503")
        }
        // The same statement within one workspace is accepted (the refusal is about tenancy).
        yield* sql.unsafe(`INSERT INTO ${k.junction} (workspace_id, person_id, ${k.column}) VALUES ($1, $2, $3)`, [a.workspace, a.person, a[k.kind]])
      }
      // A change record cannot name another workspace's person either.
      const record = yield* Effect.flip(sql.unsafe(
        `INSERT INTO person_changes (workspace_id, person_id, from_version, to_version, actor_key_id, occurred_at)
         VALUES ($1, $2, 1, 2, $3, now())`,
        [a.workspace, b.person, uuid()]
      ))
      expect((record.cause as { code?: string }).code).toBe("23503")
    }), { timeout: 60_000 })
})
