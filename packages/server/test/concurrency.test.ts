// Concurrency over real HTTP on real Postgres with a pool of 20 connections (SPEC §2.9, issue 4
// item 1). Concurrent PATCHes of one person are serialised by the row lock taken by the load
// (`FOR UPDATE`), the save is guarded by the loaded version, and the junctions' primary keys
// forbid duplicate links; these tests fail if any of those is removed.
import * as SqlClient from "@effect/sql/SqlClient"
import { expect, layer } from "@effect/vitest"
import { Context, Effect } from "effect"
import { patchDoc, request, type Reply, servedLayer, servedWith, world } from "./support.js"

const RELATIONSHIP_TYPES = ["owner", "employee", "contact", "other"] as const

/** A small seeded PRNG, so a failing run can be repeated. */
const prng = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x7fffffff
}

const countBy = (replies: ReadonlyArray<Reply>) => {
  const counts: Record<number, number> = {}
  for (const r of replies) counts[r.status] = (counts[r.status] ?? 0) + 1
  return counts
}

const all = <A>(promises: ReadonlyArray<Promise<A>>) => Effect.promise(() => Promise.all(promises))

type LinkChange = { readonly id: string }
interface ChangeRow {
  readonly from_version: number
  readonly to_version: number
  readonly attributes: { readonly job_title?: { readonly from: string | null; readonly to: string | null } }
  readonly links: { readonly companies?: { readonly attached: ReadonlyArray<LinkChange>; readonly detached: ReadonlyArray<LinkChange> } }
}

const sqlOf = (context: Context.Context<SqlClient.SqlClient>) => Context.get(context, SqlClient.SqlClient)

// One database and server (pool of 20) for the file; every test has a workspace of its own.
layer(servedLayer({ maxConnections: 20 }), { excludeTestServices: true, timeout: "120 seconds" })("concurrent PATCHes over HTTP on Postgres", (it) => {
  it.effect("200 PATCHes of one person with different company sets: serialised, exact, no duplicates, one unbroken chain", () =>
    Effect.gen(function*() {
      const w = world({ people: 1, companies: 12 })
      const served = yield* servedWith(w.fixtures)
      const sql = sqlOf(served.context)
      const person = w.people[0]!
      const random = prng(4)
      const requests = Array.from({ length: 200 }, (_, i) => {
        const size = 1 + Math.floor(random() * 5)
        const shuffled = [...w.companies].sort(() => random() - 0.5).slice(0, size)
        const links = shuffled.map((id) => ({
          type: "companies",
          id,
          meta: { relationship_type: RELATIONSHIP_TYPES[Math.floor(random() * 4)]! }
        }))
        return { title: `request ${i}`, links, doc: patchDoc(person, { job_title: `request ${i}` }, { companies: { data: links } }) }
      })
      const started = Date.now()
      const replies = yield* all(requests.map((r) =>
        request(served.base, `/v1/people/${person}`, { method: "PATCH", key: w.key, body: r.doc })
      ))
      const millis = Date.now() - started
      const statuses = countBy(replies)
      const retries = served.logs.filter((l) => String(l.message).includes("retrying the unit of work")).length
      console.log(`200 concurrent PATCHes of one person: ${JSON.stringify(statuses)} in ${millis} ms, ${retries} transactor retries`)

      // Only 200, or the documented retryable 503; never a 500.
      expect(Object.keys(statuses).every((s) => s === "200" || s === "503")).toBe(true)
      for (const reply of replies.filter((r) => r.status === 503)) {
        expect(reply.json.code).toBe("SERVICE_UNAVAILABLE")
        expect(reply.headers.get("retry-after")).toBe("1")
      }
      // Each 200 answered with its own request's result.
      replies.forEach((reply, i) => {
        if (reply.status !== 200) return
        expect(reply.json.data.attributes.job_title).toBe(requests[i]!.title)
        expect(reply.json.data.relationships.companies.data.map((l: { id: string }) => l.id).sort())
          .toEqual(requests[i]!.links.map((l) => l.id).sort())
      })

      // The final state is exactly one request's: its attributes and its link set, with its meta.
      const [row] = yield* sql<{ job_title: string; version: number }>`
        SELECT job_title, version FROM people WHERE workspace_id = ${w.workspace} AND id = ${person}`
      const winner = requests.find((r) => r.title === row!.job_title)!
      expect(winner).toBeDefined()
      const links = yield* sql<{ company_id: string; relationship_type: string }>`
        SELECT company_id, relationship_type FROM person_companies
        WHERE workspace_id = ${w.workspace} AND person_id = ${person} ORDER BY company_id`
      expect(links.map((l) => [l.company_id, l.relationship_type]))
        .toEqual(winner.links.map((l) => [l.id, l.meta.relationship_type]).sort((a, b) => a[0]!.localeCompare(b[0]!)))
      // No duplicate link rows anywhere.
      const duplicates = yield* sql`
        SELECT person_id, company_id FROM person_companies GROUP BY workspace_id, person_id, company_id HAVING count(*) > 1`
      expect(duplicates).toEqual([])

      // One change record per 200 (every request changes the title), versions 1 → 2 → … → n
      // without gaps or forks, each record's `from` the previous record's `to`, and replaying the
      // link changes from the empty start gives exactly the stored set.
      const changes = yield* sql<ChangeRow>`
        SELECT from_version, to_version, attributes, links FROM person_changes
        WHERE workspace_id = ${w.workspace} AND person_id = ${person} ORDER BY to_version`
      expect(changes.length).toBe(statuses[200])
      expect(row!.version).toBe(1 + changes.length)
      let title: string | null = "start"
      const replayed = new Set<string>()
      changes.forEach((change, i) => {
        expect([change.from_version, change.to_version]).toEqual([i + 1, i + 2])
        expect(change.attributes.job_title?.from).toBe(title)
        title = change.attributes.job_title!.to
        for (const d of change.links.companies?.detached ?? []) expect(replayed.delete(d.id)).toBe(true)
        for (const a of change.links.companies?.attached ?? []) {
          expect(replayed.has(a.id)).toBe(false)
          replayed.add(a.id)
        }
      })
      expect(title).toBe(winner.title)
      expect([...replayed].sort()).toEqual(links.map((l) => l.company_id))
    }), { timeout: 120_000 })

  it.effect("50 identical concurrent PATCHes make one set of links and exactly one change record", () =>
    Effect.gen(function*() {
      const w = world({ people: 1, companies: 4 })
      const served = yield* servedWith(w.fixtures)
      const sql = sqlOf(served.context)
      const person = w.people[0]!
      const doc = patchDoc(person, { job_title: "same" }, {
        companies: { data: w.companies.map((id) => ({ type: "companies", id, meta: { relationship_type: "employee" } })) }
      })
      const replies = yield* all(Array.from({ length: 50 }, () =>
        request(served.base, `/v1/people/${person}`, { method: "PATCH", key: w.key, body: doc })
      ))
      console.log(`50 identical PATCHes: ${JSON.stringify(countBy(replies))}`)
      expect(replies.every((r) => r.status === 200)).toBe(true)
      // All answer the same state (version 2); only one of them wrote.
      expect(new Set(replies.map((r) => r.headers.get("etag")))).toEqual(new Set(['"2"']))
      const changes = yield* sql`SELECT to_version FROM person_changes WHERE workspace_id = ${w.workspace} AND person_id = ${person}`
      expect(changes).toHaveLength(1)
      const links = yield* sql<{ company_id: string }>`
        SELECT company_id FROM person_companies WHERE workspace_id = ${w.workspace} AND person_id = ${person}`
      expect(links.map((l) => l.company_id).sort()).toEqual([...w.companies].sort())
    }), { timeout: 60_000 })

  it.effect("PATCHes of different people linking overlapping companies in opposite orders: no deadlock reaches a client", () =>
    Effect.gen(function*() {
      const w = world({ people: 20, companies: 6 })
      const served = yield* servedWith(w.fixtures)
      const sql = sqlOf(served.context)
      const forward = w.companies.map((id) => ({ type: "companies", id }))
      const backward = [...forward].reverse()
      const replies: Array<Reply> = []
      // Three rounds; each round every person flips between the two orders and a half-set, so
      // every request attaches and detaches junction rows of the same companies concurrently.
      for (let round = 0; round < 3; round++) {
        replies.push(...yield* all(w.people.flatMap((person, i) => {
          const data = (i + round) % 2 === 0 ? forward : backward
          return [
            request(served.base, `/v1/people/${person}`, { method: "PATCH", key: w.key, body: patchDoc(person, {}, { companies: { data } }) }),
            request(served.base, `/v1/people/${person}`, {
              method: "PATCH",
              key: w.key,
              body: patchDoc(person, { job_title: `r${round}` }, { companies: { data: data.slice(0, 3 + (round % 2)) } })
            })
          ]
        })))
      }
      const statuses = countBy(replies)
      console.log(`opposite-order PATCHes of 20 people: ${JSON.stringify(statuses)}`)
      expect(Object.keys(statuses).every((s) => s === "200" || s === "503")).toBe(true)
      expect(replies.filter((r) => r.status !== 200).map((r) => r.text).join("\n")).not.toMatch(/deadlock|40P01/i)
      const duplicates = yield* sql`
        SELECT person_id, company_id FROM person_companies GROUP BY workspace_id, person_id, company_id HAVING count(*) > 1`
      expect(duplicates).toEqual([])
    }), { timeout: 60_000 })

  it.effect("If-Match races: of 30 PATCHes carrying the same ETag exactly one succeeds, the rest get 412", () =>
    Effect.gen(function*() {
      const w = world({ people: 1, companies: 1 })
      const served = yield* servedWith(w.fixtures)
      const sql = sqlOf(served.context)
      const person = w.people[0]!
      const current = yield* Effect.promise(() => request(served.base, `/v1/people/${person}`, { key: w.key }))
      const etag = current.headers.get("etag")!
      expect(etag).toBe('"1"')
      const replies = yield* all(Array.from({ length: 30 }, (_, i) =>
        request(served.base, `/v1/people/${person}`, {
          method: "PATCH",
          key: w.key,
          headers: { "if-match": etag },
          body: patchDoc(person, { job_title: `racer ${i}` })
        })
      ))
      const statuses = countBy(replies)
      console.log(`If-Match race of 30: ${JSON.stringify(statuses)}`)
      expect(statuses).toEqual({ 200: 1, 412: 29 })
      for (const reply of replies.filter((r) => r.status === 412)) expect(reply.json.code).toBe("PRECONDITION_FAILED")
      const winner = replies.findIndex((r) => r.status === 200)
      const [row] = yield* sql<{ job_title: string; version: number }>`
        SELECT job_title, version FROM people WHERE workspace_id = ${w.workspace} AND id = ${person}`
      expect(row).toEqual({ job_title: `racer ${winner}`, version: 2 })
      expect(yield* sql`SELECT 1 FROM person_changes WHERE workspace_id = ${w.workspace} AND person_id = ${person}`).toHaveLength(1)
    }), { timeout: 60_000 })
})
