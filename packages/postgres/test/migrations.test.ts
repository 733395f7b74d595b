import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Database from "../src/Database.js"
import * as Testing from "../src/Testing.js"

describe("migrations", () => {
  it("ids are contiguous from 1 and LATEST_MIGRATION is the last", () => {
    const ids = Object.keys(Database.migrations).map((key) => Number(/^(\d+)_/.exec(key)![1]))
    expect(ids).toEqual(ids.map((_, i) => i + 1))
    expect(Database.LATEST_MIGRATION).toBe(ids.length)
  })

  it("session parameters are added to the URL unless present", () => {
    const url = Database.withSessionParameters("postgres://u@h:1/db?lock_timeout=5", { statementTimeout: "2 seconds" })
    const params = new URL(url).searchParams
    expect(params.get("statement_timeout")).toBe("2000")
    expect(params.get("lock_timeout")).toBe("5")
    expect(params.get("idle_in_transaction_session_timeout")).toBe("60000")
  })
})

layer(Testing.sqlLayer, { timeout: "60 seconds" })("migrated database", (it) => {
  it.effect("migrating again runs nothing and the latest id is applied", () =>
    Effect.gen(function*() {
      expect(yield* Database.migrate).toEqual([])
      expect(yield* Database.appliedMigration).toEqual(Option.some(Database.LATEST_MIGRATION))
    }))

  it.effect("statement and lock timeouts are set for the session", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ statement_timeout: string; lock_timeout: string }>`
        SELECT current_setting('statement_timeout') AS statement_timeout, current_setting('lock_timeout') AS lock_timeout`
      expect(row).toEqual({ statement_timeout: "30s", lock_timeout: "10s" })
    }))

  it.effect("a database never migrated has no applied migration", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`ALTER TABLE effect_sql_migrations RENAME TO effect_sql_migrations_x`
      const none = yield* Database.appliedMigration
      yield* sql`ALTER TABLE effect_sql_migrations_x RENAME TO effect_sql_migrations`
      expect(none).toEqual(Option.none())
    }))
})
