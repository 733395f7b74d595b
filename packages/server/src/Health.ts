/**
 * Readiness for `/readyz`: the database answers and its newest applied migration is the one this
 * build expects (`LATEST_MIGRATION`). A database behind it is not ready (run `peoplekit migrate`);
 * one ahead of it (a newer build migrated it) is ready, since migrations only add.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Operations } from "@peoplekit/http"
import { Database, LATEST_MIGRATION } from "@peoplekit/postgres"
import { Effect, Layer, Option } from "effect"

/** The checks, with at most `timeout` for the database to answer. */
export const check = (timeout = "2 seconds" as const) =>
  Effect.gen(function*() {
    const applied = yield* Database.appliedMigration.pipe(Effect.timeout(timeout), Effect.either)
    if (applied._tag === "Left") {
      return {
        ready: false,
        checks: { database: { error: applied.left._tag === "TimeoutException" ? "no answer in time" : "unreachable" }, migrations: { error: "unknown" } }
      } satisfies Operations.ReadinessReport
    }
    const id = Option.getOrElse(applied.right, () => 0)
    const migrations: Operations.CheckResult = id >= LATEST_MIGRATION ? "ok" : { error: `applied ${id}, expected ${LATEST_MIGRATION}` }
    return { ready: migrations === "ok", checks: { database: "ok", migrations } } satisfies Operations.ReadinessReport
  }).pipe(Effect.withSpan("Health.check"))

/** `Operations.Readiness` on the ambient `SqlClient`. */
export const ReadinessLive: Layer.Layer<Operations.Readiness, never, SqlClient.SqlClient> = Layer.effect(
  Operations.Readiness,
  Effect.map(Effect.context<SqlClient.SqlClient>(), (context) => ({ check: Effect.provide(check(), context) }))
)
