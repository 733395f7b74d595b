// Database outage over real HTTP (issue 4 item 3): with the database unreachable — refused, or
// silently dropping packets — requests get 503 SERVICE_UNAVAILABLE with Retry-After within the
// bounded connect timeout, the server keeps serving, and it recovers by itself when the database
// returns. The outage is a cut TCP proxy between the pool and Postgres; the shared server stays up.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Proxy from "../../postgres/test/proxy.js"
import * as Testing from "@peoplekit/postgres/Testing"
import { patchDoc, request, type Reply, serve, world } from "./support.js"

const CONNECT_TIMEOUT_MS = 1_000

describe("database outage over HTTP", () => {
  it.live("503 quickly while the database is unreachable, then recovery without a restart", () =>
    Effect.gen(function*() {
      const direct = yield* Testing.freshDatabase
      const proxy = yield* Proxy.make(direct)
      const w = world({ people: 1, companies: 2 })
      const served = yield* serve({ url: proxy.url, fixtures: w.fixtures, maxConnections: 5, connectTimeout: `${CONNECT_TIMEOUT_MS} millis` })
      const person = w.people[0]!
      let n = 0
      const patch = () =>
        request(served.base, `/v1/people/${person}`, {
          method: "PATCH",
          key: w.key,
          body: patchDoc(person, { job_title: `t${++n}` }, { companies: { data: [{ type: "companies", id: w.companies[n % 2]! }] } })
        })
      const get = () => request(served.base, `/v1/people/${person}`, { key: w.key })
      const timed = (send: () => Promise<Reply>) =>
        Effect.promise(async () => {
          const start = Date.now()
          const reply = await send()
          return { reply, millis: Date.now() - start }
        })

      expect((yield* timed(patch)).reply.status).toBe(200)
      const latencies: Record<string, Array<number>> = {}
      for (const mode of ["refuse", "blackhole"] as const) {
        yield* proxy.setMode(mode)
        latencies[mode] = []
        // Several requests, some concurrent: every one is a 503 in the envelope, none hangs.
        const replies = [
          yield* timed(patch),
          yield* timed(get),
          ...(yield* Effect.all([timed(patch), timed(patch), timed(get)], { concurrency: "unbounded" }))
        ]
        for (const { millis, reply } of replies) {
          latencies[mode]!.push(millis)
          expect([reply.status, reply.json?.code], reply.text).toEqual([503, "SERVICE_UNAVAILABLE"])
          expect(reply.headers.get("retry-after")).toBe("1")
          expect(reply.json.meta.trace_id).toMatch(/^[0-9a-f]{32}$/)
          expect(millis).toBeLessThan(CONNECT_TIMEOUT_MS + 1_500)
        }
        // The process is up and answers what needs no database at once.
        const route = yield* timed(() => request(served.base, "/v1/nope"))
        expect(route.reply.status).toBe(404)

        yield* proxy.setMode("open")
        // Recovers by itself: the next request is served again.
        const start = Date.now()
        let recovered: Reply | undefined
        while (Date.now() - start < 10_000) {
          recovered = yield* Effect.promise(patch)
          if (recovered.status === 200) break
          yield* Effect.sleep("100 millis")
        }
        expect(recovered?.status).toBe(200)
        latencies[`${mode} recovery`] = [Date.now() - start]
      }
      console.log(`outage latencies (ms): ${JSON.stringify(latencies)}`)
      const final = yield* Effect.promise(get)
      expect(final.json.data.attributes.job_title).toBe(`t${n}`)
    }).pipe(Effect.scoped), { timeout: 60_000 })
})
