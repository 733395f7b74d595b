// Bounded waits inside the database (issue 4 items 1 and 3): a PATCH that waits for a row lock
// longer than `lock_timeout`, or whose statement runs longer than `statement_timeout`, answers
// 503 SERVICE_UNAVAILABLE with Retry-After within that bound, persists nothing, and the next
// PATCH works once the database is responsive again.
import * as SqlClient from "@effect/sql/SqlClient"
import { expect, layer } from "@effect/vitest"
import { Context, Deferred, Effect, Fiber } from "effect"
import { patchDoc, request, servedLayer, servedWith, world } from "./support.js"

const LOCK_TIMEOUT_MS = 400
const STATEMENT_TIMEOUT_MS = 600

layer(
  servedLayer({ maxConnections: 4, lockTimeout: `${LOCK_TIMEOUT_MS} millis`, statementTimeout: `${STATEMENT_TIMEOUT_MS} millis` }),
  { excludeTestServices: true, timeout: "60 seconds" }
)("bounded waits in the database", (it) => {
  const timedPatch = (base: string, person: string, key: string, title: string) =>
    Effect.promise(async () => {
      const start = Date.now()
      const reply = await request(base, `/v1/people/${person}`, { method: "PATCH", key, body: patchDoc(person, { job_title: title }) })
      return { reply, millis: Date.now() - start }
    })

  it.effect("a row lock held elsewhere beyond lock_timeout → 503 in bounded time, then 200", () =>
    Effect.gen(function*() {
      const w = world({ people: 1, companies: 0 })
      const served = yield* servedWith(w.fixtures)
      const sql = Context.get(served.context, SqlClient.SqlClient)
      const person = w.people[0]!
      const locked = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      // Another transaction holds the person's row lock.
      const holder = yield* Effect.fork(sql.withTransaction(Effect.gen(function*() {
        yield* sql`SELECT 1 FROM people WHERE workspace_id = ${w.workspace} AND id = ${person} FOR UPDATE`
        yield* Deferred.succeed(locked, undefined)
        yield* Deferred.await(release)
      })))
      yield* Deferred.await(locked)
      const { millis, reply } = yield* timedPatch(served.base, person, w.key, "blocked")
      console.log(`lock wait: ${reply.status} after ${millis} ms (lock_timeout ${LOCK_TIMEOUT_MS} ms)`)
      expect([reply.status, reply.json.code]).toEqual([503, "SERVICE_UNAVAILABLE"])
      expect(reply.headers.get("retry-after")).toBe("1")
      expect(millis).toBeGreaterThanOrEqual(LOCK_TIMEOUT_MS - 50)
      // The lock is held until released below: only lock_timeout ends the wait (generous margin
      // for a loaded machine).
      expect(millis).toBeLessThan(LOCK_TIMEOUT_MS + 4_000)
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)

      const [row] = yield* sql<{ version: number }>`SELECT version FROM people WHERE workspace_id = ${w.workspace} AND id = ${person}`
      expect(row!.version).toBe(1)
      expect((yield* timedPatch(served.base, person, w.key, "free")).reply.status).toBe(200)
    }))

  it.effect("a statement slower than statement_timeout → 503 in bounded time, nothing persisted, then 200", () =>
    Effect.gen(function*() {
      const w = world({ people: 1, companies: 0 })
      const served = yield* servedWith(w.fixtures)
      const sql = Context.get(served.context, SqlClient.SqlClient)
      const person = w.people[0]!
      yield* sql.unsafe(`CREATE TABLE IF NOT EXISTS test_slow (person_id uuid PRIMARY KEY)`)
      yield* sql.unsafe(`CREATE OR REPLACE FUNCTION test_slow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT FROM test_slow WHERE person_id = NEW.id) THEN PERFORM pg_sleep(10); END IF;
          RETURN NEW;
        END $$`)
      yield* sql.unsafe(`DROP TRIGGER IF EXISTS test_slow ON people`)
      yield* sql.unsafe(`CREATE TRIGGER test_slow BEFORE UPDATE ON people FOR EACH ROW EXECUTE FUNCTION test_slow()`)
      yield* sql`INSERT INTO test_slow (person_id) VALUES (${person})`

      const { millis, reply } = yield* timedPatch(served.base, person, w.key, "slow")
      console.log(`slow statement: ${reply.status} after ${millis} ms (statement_timeout ${STATEMENT_TIMEOUT_MS} ms)`)
      expect([reply.status, reply.json.code]).toEqual([503, "SERVICE_UNAVAILABLE"])
      expect(reply.headers.get("retry-after")).toBe("1")
      expect(millis).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 50)
      // The trigger sleeps 10 s: only statement_timeout ends it sooner.
      expect(millis).toBeLessThan(STATEMENT_TIMEOUT_MS + 4_000)
      const changes = yield* sql`SELECT 1 FROM person_changes WHERE workspace_id = ${w.workspace} AND person_id = ${person}`
      expect(changes).toEqual([])

      yield* sql`DELETE FROM test_slow`
      const next = yield* timedPatch(served.base, person, w.key, "fast")
      expect(next.reply.status).toBe(200)
      yield* sql.unsafe(`DROP TRIGGER test_slow ON people`)
    }))
})
