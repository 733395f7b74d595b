// Atomicity under real Postgres failures (SPEC §2.5, issue 4 item 2): test-only triggers make the
// database fail at each write step of a PATCH — the person update, every junction's delete,
// re-tag and insert, the change-record insert, and the COMMIT itself (a deferred constraint
// trigger) — either by raising an error (500 INTERNAL_ERROR) or by killing the connection in
// the middle of the transaction (`pg_terminate_backend`, 503 SERVICE_UNAVAILABLE). Each time:
// nothing is persisted, the answer is the envelope without SQL, and the next request works.
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect } from "effect"
import { patchDoc, request, serve, uuid } from "./support.js"

const FAULTS = [
  `CREATE TABLE test_faults (tbl text NOT NULL, op text NOT NULL, action text NOT NULL)`,
  `CREATE FUNCTION test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE chosen text;
   BEGIN
     SELECT action INTO chosen FROM test_faults WHERE tbl = TG_TABLE_NAME AND op = TG_OP;
     IF chosen = 'raise' THEN RAISE EXCEPTION 'injected fault on % of %', TG_OP, TG_TABLE_NAME; END IF;
     IF chosen = 'terminate' THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
     RETURN NULL;
   END $$`,
  `CREATE FUNCTION test_fault_commit() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF EXISTS (SELECT FROM test_faults WHERE op = 'COMMIT') THEN RAISE EXCEPTION 'injected fault at COMMIT'; END IF;
     RETURN NULL;
   END $$`,
  ...["people", "person_companies", "person_emails", "person_phones", "person_web_links", "person_changes"].map((table) =>
    `CREATE TRIGGER test_fault AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION test_fault()`),
  // Runs when the transaction commits, after every statement succeeded.
  `CREATE CONSTRAINT TRIGGER test_fault_commit AFTER INSERT ON person_changes DEFERRABLE INITIALLY DEFERRED
   FOR EACH ROW EXECUTE FUNCTION test_fault_commit()`
]

/** Every write step of the PATCH below. */
const STEPS: ReadonlyArray<readonly [table: string, op: string]> = [
  ["people", "UPDATE"],
  ["person_companies", "DELETE"], ["person_companies", "UPDATE"], ["person_companies", "INSERT"],
  ["person_emails", "DELETE"], ["person_emails", "UPDATE"], ["person_emails", "INSERT"],
  ["person_phones", "DELETE"], ["person_phones", "INSERT"],
  ["person_web_links", "DELETE"], ["person_web_links", "INSERT"],
  ["person_changes", "INSERT"],
  ["person_changes", "COMMIT"]
]

const world = () => {
  const [workspace, person] = [uuid(), uuid()]
  const [c1, c2, c3, e1, e2, e3, p1, p2, l1, l2] = Array.from({ length: 10 }, uuid) as [string, ...Array<string>]
  const keyId = uuid()
  const key = `pk_${keyId}_faults`
  return {
    workspace, person, key,
    ids: { c1, c2, c3, e1, e2, e3, p1, p2, l1, l2 },
    fixtures: {
      workspaces: [{ id: workspace, name: "Faults" }],
      people: [{ id: person, workspace_id: workspace, first_name: "Ada", last_name: "Lovelace", job_title: "Countess" }],
      companies: [c1, c2, c3].map((id, i) => ({ id: id!, workspace_id: workspace, name: `C${i}` })),
      emails: [e1, e2, e3].map((id, i) => ({ id: id!, workspace_id: workspace, value: `e${i}@example.com` })),
      phones: [p1, p2].map((id, i) => ({ id: id!, workspace_id: workspace, e164_number: `+4420000000${i}` })),
      web_links: [l1, l2].map((id, i) => ({ id: id!, workspace_id: workspace, url: `https://example.com/${i}` })),
      links: [
        { workspace_id: workspace, person_id: person, kind: "companies" as const, id: c1, relationship_type: "employee" as const },
        { workspace_id: workspace, person_id: person, kind: "companies" as const, id: c2! },
        { workspace_id: workspace, person_id: person, kind: "emails" as const, id: e1!, is_primary: true },
        { workspace_id: workspace, person_id: person, kind: "emails" as const, id: e2! },
        { workspace_id: workspace, person_id: person, kind: "phones" as const, id: p1! },
        { workspace_id: workspace, person_id: person, kind: "web_links" as const, id: l1! }
      ],
      api_keys: [{ id: keyId, secret: key, scopes: ["people:write" as const], workspaces: [workspace] as [string] }]
    }
  }
}

describe("real Postgres failures at each write step of a PATCH", () => {
  it.live("persist nothing, answer 500/503 in the envelope, and the next request works", () =>
    Effect.gen(function*() {
      const w = world()
      const served = yield* serve({ fixtures: w.fixtures, maxConnections: 4 })
      const sql = Context.get(served.context, SqlClient.SqlClient)
      for (const statement of FAULTS) yield* sql.unsafe(statement)
      const { ids } = w
      // Every kind: an attribute, a detach, a re-tag and an attach (phones and web links have no
      // meta to re-tag), so each step above has a row to fail on.
      const doc = (title: string) =>
        patchDoc(w.person, { job_title: title }, {
          companies: { data: [{ type: "companies", id: ids.c1, meta: { relationship_type: "owner" } }, { type: "companies", id: ids.c3 }] },
          emails: { data: [{ type: "emails", id: ids.e1, meta: { is_primary: false } }, { type: "emails", id: ids.e3, meta: { is_primary: true } }] },
          phones: { data: [{ type: "phones", id: ids.p2 }] },
          web_links: { data: [{ type: "web_links", id: ids.l2 }] }
        })
      const state = sql<{ state: string }>`
        SELECT json_build_object(
          'person', (SELECT row_to_json(p) FROM people p WHERE p.id = ${w.person}),
          'companies', (SELECT json_agg(l ORDER BY l.link_seq) FROM person_companies l WHERE l.person_id = ${w.person}),
          'emails', (SELECT json_agg(l ORDER BY l.link_seq) FROM person_emails l WHERE l.person_id = ${w.person}),
          'phones', (SELECT json_agg(l ORDER BY l.link_seq) FROM person_phones l WHERE l.person_id = ${w.person}),
          'web_links', (SELECT json_agg(l ORDER BY l.link_seq) FROM person_web_links l WHERE l.person_id = ${w.person}),
          'changes', (SELECT json_agg(c ORDER BY c.to_version) FROM person_changes c WHERE c.person_id = ${w.person})
        )::text AS state`.pipe(Effect.map((rows) => rows[0]!.state))
      const patch = (title: string) =>
        Effect.promise(() => request(served.base, `/v1/people/${w.person}`, { method: "PATCH", key: w.key, body: doc(title) }))
      const reset = (title: string) =>
        Effect.gen(function*() {
          // Back to the starting links (the title differs each time, so every PATCH writes).
          yield* sql`DELETE FROM test_faults`
          const back = yield* Effect.promise(() =>
            request(served.base, `/v1/people/${w.person}`, {
              method: "PATCH",
              key: w.key,
              body: patchDoc(w.person, { job_title: title }, {
                companies: { data: [{ type: "companies", id: ids.c1, meta: { relationship_type: "employee" } }, { type: "companies", id: ids.c2 }] },
                emails: { data: [{ type: "emails", id: ids.e1, meta: { is_primary: true } }, { type: "emails", id: ids.e2, meta: { is_primary: false } }] },
                phones: { data: [{ type: "phones", id: ids.p1 }] },
                web_links: { data: [{ type: "web_links", id: ids.l1 }] }
              })
            })
          )
          expect(back.status).toBe(200)
        })

      let n = 0
      for (const [table, op] of STEPS) {
        for (const action of op === "COMMIT" ? ["raise"] : ["raise", "terminate"]) {
          n++
          yield* reset(`reset ${n}`)
          const before = yield* state
          yield* sql`INSERT INTO test_faults (tbl, op, action) VALUES (${table}, ${op}, ${action})`
          const reply = yield* patch(`fault ${n}`)
          const [status, code] = action === "raise" ? [500, "INTERNAL_ERROR"] : [503, "SERVICE_UNAVAILABLE"]
          expect([reply.status, reply.json?.code], `${action} at ${op} of ${table}`).toEqual([status, code])
          expect(Object.keys(reply.json).sort()).toEqual(["code", "message", "meta", "status", "title"])
          expect(reply.text).not.toMatch(/injected|SQL|statement|person_/i)
          expect(yield* state, `${action} at ${op} of ${table}: nothing persisted`).toBe(before)

          // The next request works (a killed connection is replaced by the pool).
          yield* sql`DELETE FROM test_faults`
          const next = yield* patch(`after ${n}`)
          expect(next.status, `after ${action} at ${op} of ${table}`).toBe(200)
          expect(next.json.data.attributes.job_title).toBe(`after ${n}`)
        }
      }
      // Every successful PATCH wrote exactly one record; no failed one left any.
      const [count] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM person_changes WHERE person_id = ${w.person}`
      expect(count!.n).toBe(2 * n)
    }).pipe(Effect.scoped), { timeout: 120_000 })
})
