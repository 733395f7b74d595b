/**
 * The connection pool and the schema migrations. Session settings (timeouts) travel in the
 * connection's startup packet, never as `SET`, so a transaction-pooling proxy stays safe.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as PgMigrator from "@effect/sql-pg/PgMigrator"
import { Duration, Effect, type Layer, Option, Redacted } from "effect"
import migration0001 from "./migrations/0001_initial.js"

/** Every migration, keyed `<id>_<name>` for `Migrator.fromRecord`; ids are contiguous from 1. */
export const migrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>> = {
  "0001_initial": migration0001
}

/** The id of the newest migration; readiness compares it with the database's. */
export const LATEST_MIGRATION = 1

/** How to reach the database and how long to wait for it. */
export interface Options {
  readonly url: Redacted.Redacted<string>
  /** Pool size (default 10). */
  readonly maxConnections?: number
  /** How long to wait for a connection (default 5 s). */
  readonly connectTimeout?: Duration.DurationInput
  /** Server-side limit of any one statement (default 30 s). */
  readonly statementTimeout?: Duration.DurationInput
  /** Server-side limit of waiting for a lock (default 10 s). */
  readonly lockTimeout?: Duration.DurationInput
  /** A transaction left idle this long is ended by the server (default 60 s). */
  readonly idleInTransactionTimeout?: Duration.DurationInput
  readonly applicationName?: string
}

const millis = (d: Duration.DurationInput) => String(Math.round(Duration.toMillis(Duration.decode(d))))

/**
 * `url` with the session's timeouts as connection parameters, which pg sends in the startup
 * packet. Parameters already present in the URL win.
 */
export const withSessionParameters = (url: string, options: Omit<Options, "url">): string => {
  const parsed = new URL(url)
  const defaults: Record<string, string> = {
    statement_timeout: millis(options.statementTimeout ?? "30 seconds"),
    lock_timeout: millis(options.lockTimeout ?? "10 seconds"),
    idle_in_transaction_session_timeout: millis(options.idleInTransactionTimeout ?? "60 seconds")
  }
  for (const [key, value] of Object.entries(defaults)) {
    if (!parsed.searchParams.has(key)) parsed.searchParams.set(key, value)
  }
  return parsed.toString()
}

/** A `PgClient` (and `SqlClient`) pool for `url`; fails when the database cannot be reached. */
export const layer = (options: Options): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError> =>
  PgClient.layer({
    url: Redacted.make(withSessionParameters(Redacted.value(options.url), options)),
    maxConnections: options.maxConnections ?? 10,
    connectTimeout: options.connectTimeout ?? "5 seconds",
    idleTimeout: "30 seconds",
    applicationName: options.applicationName ?? "peoplekit"
  })

/**
 * Applies the pending migrations in one transaction (concurrent runners wait on the migrator's
 * table lock); returns the ones it ran, `[]` when up to date.
 */
export const migrate: Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  PgMigrator.MigrationError | SqlError,
  SqlClient.SqlClient | PgClient.PgClient
> = PgMigrator.run({ loader: PgMigrator.fromRecord(migrations) }).pipe(
  // The migrator wants FileSystem/Path/CommandExecutor for its optional pg_dump support.
  Effect.provide(NodeContext.layer),
  Effect.withSpan("Database.migrate")
)

/** The newest applied migration id, `None` on a database never migrated (for readiness). */
export const appliedMigration: Effect.Effect<Option.Option<number>, SqlError, SqlClient.SqlClient> = Effect.gen(
  function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly id: number | null }>`SELECT max(migration_id) AS id FROM effect_sql_migrations`
      .pipe(
        // 42P01: the migrations table does not exist yet.
        Effect.catchIf((error) => pgCode(error) === "42P01", () => Effect.succeed([]))
      )
    return Option.fromNullable(rows[0]?.id)
  }
).pipe(Effect.withSpan("Database.appliedMigration"))

/** The Postgres error code (SQLSTATE) behind a `SqlError`, if any. */
export const pgCode = (error: SqlError): string | undefined => {
  const code = (error.cause as { readonly code?: unknown } | undefined)?.code
  return typeof code === "string" ? code : undefined
}
