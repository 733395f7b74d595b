import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import { expect, layer } from "@effect/vitest"
import { Errors, Transactor } from "@peoplekit/core"
import { Cause, Deferred, Effect, Exit, Ref } from "effect"
import * as Testing from "../src/Testing.js"
import { uuid } from "./support.js"

/** A real Postgres error with the given SQLSTATE. */
const raise = (code: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe(`DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '${code}'; END $$`))

layer(Testing.testLayer, { timeout: "60 seconds" })("PgTransactor", (it) => {
  it.effect("commits on success and rolls back on failure and on defects", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const transactor = yield* Transactor
      const [ok, failed, died] = [uuid(), uuid(), uuid()]
      const insert = (id: string) => sql`INSERT INTO workspaces (id, name) VALUES (${id}, 'w')`.pipe(Effect.orDie)
      yield* transactor.withTransaction(insert(ok))
      const failure = yield* Effect.flip(transactor.withTransaction(
        Effect.zipRight(insert(failed), Effect.fail("nope" as const))
      ))
      expect(failure).toBe("nope")
      const exit = yield* Effect.exit(transactor.withTransaction(Effect.zipRight(insert(died), Effect.die("boom"))))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      const rows = yield* sql<{ id: string }>`SELECT id FROM workspaces WHERE id IN (${ok}, ${failed}, ${died})`
      expect(rows.map((r) => r.id)).toEqual([ok])
    }))

  it.effect("retries serialisation failures, seen as failures or as defects, then succeeds", () =>
    Effect.gen(function*() {
      const transactor = yield* Transactor
      const attempts = yield* Ref.make(0)
      const flaky = (code: string, asDefect: boolean) =>
        Effect.gen(function*() {
          const n = yield* Ref.updateAndGet(attempts, (x) => x + 1)
          if (n < 3) yield* (asDefect ? Effect.orDie(raise(code)) : raise(code))
          return n
        })
      expect(yield* transactor.withTransaction(flaky("40001", true))).toBe(3)
      yield* Ref.set(attempts, 0)
      expect(yield* transactor.withTransaction(flaky("40P01", false))).toBe(3)
    }))

  it.effect("gives up after the bounded retries with TransientConflict", () =>
    Effect.gen(function*() {
      const transactor = yield* Transactor
      const attempts = yield* Ref.make(0)
      const error = yield* Effect.flip(transactor.withTransaction(
        Effect.zipRight(Ref.update(attempts, (n) => n + 1), Effect.orDie(raise("40001")))
      ))
      expect(error).toBeInstanceOf(Errors.TransientConflict)
      expect(yield* Ref.get(attempts)).toBe(4)
      // A lock timeout is transient too, but not retried.
      yield* Ref.set(attempts, 0)
      const timeout = yield* Effect.flip(transactor.withTransaction(
        Effect.zipRight(Ref.update(attempts, (n) => n + 1), Effect.orDie(raise("55P03")))
      ))
      expect(timeout).toBeInstanceOf(Errors.TransientConflict)
      expect(yield* Ref.get(attempts)).toBe(1)
    }))

  it.effect("other database errors are defects and are not retried", () =>
    Effect.gen(function*() {
      const transactor = yield* Transactor
      const attempts = yield* Ref.make(0)
      const exit = yield* Effect.exit(transactor.withTransaction(
        Effect.zipRight(Ref.update(attempts, (n) => n + 1), raise("23505"))
      ))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      expect(defect).toBeInstanceOf(SqlError)
      expect(yield* Ref.get(attempts)).toBe(1)
    }))

  it.effect("a nested unit of work joins the outer one and leaves retrying to it", () =>
    Effect.gen(function*() {
      const transactor = yield* Transactor
      const inner = yield* Ref.make(0)
      const outer = yield* Ref.make(0)
      const result = yield* transactor.withTransaction(Effect.gen(function*() {
        const n = yield* Ref.updateAndGet(outer, (x) => x + 1)
        return yield* transactor.withTransaction(Effect.gen(function*() {
          yield* Ref.update(inner, (x) => x + 1)
          if (n < 2) yield* Effect.orDie(raise("40001"))
          return n
        }))
      }))
      expect(result).toBe(2)
      expect(yield* Ref.get(inner)).toBe(2)
    }))

  it.effect("a real deadlock between two units of work is retried and both complete", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const transactor = yield* Transactor
      const [a, b] = [uuid(), uuid()]
      yield* sql`INSERT INTO workspaces (id, name) VALUES (${a}, 'a'), (${b}, 'b')`
      const bothLocked = yield* Deferred.make<void>()
      const ready = yield* Ref.make(0)
      const attempts = yield* Ref.make(0)
      const lock = (id: string) => sql`UPDATE workspaces SET name = name || '.' WHERE id = ${id}`.pipe(Effect.orDie)
      const unit = (first: string, second: string) =>
        transactor.withTransaction(Effect.gen(function*() {
          yield* Ref.update(attempts, (n) => n + 1)
          yield* lock(first)
          if ((yield* Ref.updateAndGet(ready, (n) => n + 1)) === 2) yield* Deferred.succeed(bothLocked, undefined)
          yield* Deferred.await(bothLocked)
          yield* lock(second)
        }))
      yield* Effect.all([unit(a, b), unit(b, a)], { concurrency: 2 })
      expect(yield* Ref.get(attempts)).toBe(3)
      const rows = yield* sql<{ name: string }>`SELECT name FROM workspaces WHERE id IN (${a}, ${b})`
      expect(rows.map((r) => r.name).sort()).toEqual(["a..", "b.."])
    }), { timeout: 15_000 })
})
