/**
 * The `peoplekit` command line (built with `@effect/cli`): `serve`, `migrate`, `keys create |
 * revoke | list` and `seed --file`. Every command takes the database from `DATABASE_URL`, else
 * the embedded Postgres in `PEOPLEKIT_DATA_DIR`, and has `--help`. Failures print one clear
 * message on stderr and exit with status 1; nothing here holds a business rule (core does).
 */
import { Args, Command, Options, ValidationError } from "@effect/cli"
import { Fixtures, Ids, KeyAdmin } from "@peoplekit/core"
import { Database, LATEST_MIGRATION, layer as PostgresAdapters, PgApiKeyAdmin } from "@peoplekit/postgres"
import { Console, Data, Effect, Layer, Option, ParseResult, Redacted, Schema } from "effect"
import { readFileSync } from "node:fs"
import { DatabaseLive, ServiceLive } from "./Layers.js"
import { LoggingLive } from "./Observability.js"

/** A failure meant for the operator: its message is all they need to read. */
export class CliFailure extends Data.TaggedError("CliFailure")<{ readonly message: string }> {}

const fail = (message: string) => Effect.fail(new CliFailure({ message }))

/** Refuses to touch a database whose schema is not the one this build expects. */
const requireMigrated = Effect.gen(function*() {
  const applied = yield* Database.appliedMigration.pipe(Effect.mapError((e) => new CliFailure({ message: `The database cannot be reached: ${e.message}` })))
  const id = Option.getOrElse(applied, () => 0)
  if (id < LATEST_MIGRATION) {
    return yield* fail(`The database is at migration ${id}, this build needs ${LATEST_MIGRATION}: run \`peoplekit migrate\` first`)
  }
})

/** Core's ports, key administration and the SqlClient on the configured database. */
const AdminLive = Layer.mergeAll(PostgresAdapters, PgApiKeyAdmin.layer).pipe(Layer.provideMerge(DatabaseLive))

const withDatabase = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(
    Effect.provide(AdminLive),
    Effect.catchAll((e: unknown) =>
      e instanceof CliFailure
        ? Effect.fail(e)
        : fail(`The database is not available: ${(e as { message?: string }).message ?? String(e)}`))
  )

// ---------------------------------------------------------------------------------------------

const serve = Command.make("serve", {}, () => Layer.launch(ServiceLive)).pipe(
  Command.withDescription(
    "Serve the API on HOST:PORT (migrating first; demo data on the embedded database). Stops on SIGINT/SIGTERM."
  )
)

const migrate = Command.make("migrate", {}, () =>
  withDatabase(Effect.gen(function*() {
    const applied = yield* Database.migrate.pipe(Effect.mapError((e) => new CliFailure({ message: `Migration failed: ${e.message}` })))
    yield* Console.log(
      applied.length === 0
        ? `Migrations up to date (latest ${LATEST_MIGRATION})`
        : `Applied ${applied.map(([id, name]) => `${String(id).padStart(4, "0")}_${name}`).join(", ")}`
    )
  }))).pipe(Command.withDescription("Apply pending schema migrations (safe to run concurrently and repeatedly)."))

const decodeWorkspace = (value: string, option: string) =>
  Schema.decodeUnknown(Ids.WorkspaceId)(value).pipe(Effect.mapError(() => new CliFailure({ message: `${option}: "${value}" is not a UUID` })))

const keysCreate = Command.make(
  "create",
  {
    workspaces: Options.text("workspace").pipe(
      Options.repeated,
      Options.withDescription("A workspace the key may act in (repeat for several; at least one).")
    ),
    scopes: Options.choice("scope", ["people:read", "people:write"]).pipe(
      Options.repeated,
      Options.withDescription("people:read or people:write (write implies read); repeatable.")
    ),
    defaultWorkspace: Options.text("default-workspace").pipe(
      Options.optional,
      Options.withDescription("The workspace used when a request names none (default: the first --workspace).")
    ),
    expiresAt: Options.date("expires-at").pipe(Options.optional, Options.withDescription("When the key stops working (ISO-8601)."))
  },
  (options) =>
    withDatabase(Effect.gen(function*() {
      yield* requireMigrated
      const workspaces = yield* Effect.forEach(options.workspaces, (w) => decodeWorkspace(w, "--workspace"))
      const defaultWorkspace = yield* Option.match(options.defaultWorkspace, {
        onNone: () => Effect.succeed(undefined),
        onSome: (w) => decodeWorkspace(w, "--default-workspace")
      })
      const created = yield* KeyAdmin.createKey({
        scopes: options.scopes,
        workspaces,
        ...(defaultWorkspace === undefined ? {} : { defaultWorkspace }),
        ...Option.match(options.expiresAt, { onNone: () => ({}), onSome: (expiresAt) => ({ expiresAt }) })
      }).pipe(
        Effect.catchTags({
          InvalidKeyRequest: (e) => fail(e.message),
          UnknownWorkspace: (e) => fail(e.message)
        })
      )
      yield* Console.log(`Created API key ${created.id}`)
      yield* Console.log(`Secret (shown once; only its SHA-256 is stored): ${Redacted.value(created.secret)}`)
    }))
).pipe(Command.withDescription("Create an API key and print its secret once (pk_<key id>_<random>)."))

const keysRevoke = Command.make(
  "revoke",
  { keyId: Args.text({ name: "key-id" }).pipe(Args.withDescription("The id of the key to revoke.")) },
  ({ keyId }) =>
    withDatabase(Effect.gen(function*() {
      yield* requireMigrated
      const id = yield* Schema.decodeUnknown(Ids.ApiKeyId)(keyId).pipe(
        Effect.mapError(() => new CliFailure({ message: `"${keyId}" is not a key id (a UUID)` }))
      )
      yield* KeyAdmin.revokeKey(id).pipe(Effect.catchTag("KeyNotFound", (e) => fail(e.message)))
      yield* Console.log(`Revoked API key ${id}`)
    }))
).pipe(Command.withDescription("Revoke an API key now (requests with it get 401)."))

const date = (d: Option.Option<Date>) => Option.match(d, { onNone: () => "-", onSome: (v) => v.toISOString() })

const keysList = Command.make(
  "list",
  { json: Options.boolean("json").pipe(Options.withDescription("One JSON object per key instead of a table.")) },
  ({ json }) =>
    withDatabase(Effect.gen(function*() {
      yield* requireMigrated
      const keys = yield* KeyAdmin.listKeys
      if (json) {
        for (const k of keys) {
          yield* Console.log(JSON.stringify({
            id: k.id, scopes: k.scopes, workspaces: k.workspaces, default_workspace: k.defaultWorkspace,
            created_at: k.createdAt.toISOString(), expires_at: Option.getOrNull(Option.map(k.expiresAt, (d) => d.toISOString())),
            revoked_at: Option.getOrNull(Option.map(k.revokedAt, (d) => d.toISOString())),
            last_used_at: Option.getOrNull(Option.map(k.lastUsedAt, (d) => d.toISOString()))
          }))
        }
        return
      }
      const rows = [
        ["id", "scopes", "workspaces", "created", "expires", "revoked", "last used"],
        ...keys.map((k) => [k.id, k.scopes.join(","), k.workspaces.join(","), k.createdAt.toISOString(), date(k.expiresAt), date(k.revokedAt), date(k.lastUsedAt)])
      ]
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
      for (const row of rows) yield* Console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd())
    }))
).pipe(Command.withDescription("List API keys (never their secrets)."))

const keys = Command.make("keys").pipe(
  Command.withDescription("Administer API keys."),
  Command.withSubcommands([keysCreate, keysRevoke, keysList])
)

/** Every problem with a fixtures file, one per line, each naming its path (`people.1.first_name`). */
export const describeParseError = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message
  }))
  // An optional list with a default reports its failure twice: at the offending entry, and as
  // "Expected undefined" at the list itself. Keep the precise one.
  const precise = issues.filter((issue) =>
    !issues.some((other) => other !== issue && other.path.startsWith(`${issue.path}.`)))
  return precise.map((issue) => `  ${issue.path === "" ? "(root)" : issue.path}: ${issue.message}`).join("\n")
}

/** Reads and decodes a fixtures file; fails with every offending path. */
export const readFixtures = (file: string) =>
  Effect.gen(function*() {
    const text = yield* Effect.try({ try: () => readFileSync(file, "utf8"), catch: (e) => new CliFailure({ message: `${file}: ${(e as Error).message}` }) })
    const json = yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: (e) => new CliFailure({ message: `${file} is not valid JSON: ${(e as Error).message}` }) })
    return yield* Fixtures.decode(json, { errors: "all", onExcessProperty: "error" }).pipe(
      Effect.mapError((e) => new CliFailure({ message: `${file} is not a valid fixtures file; nothing was loaded:\n${describeParseError(e)}` }))
    )
  })

const seed = Command.make(
  "seed",
  { file: Options.file("file", { exists: "yes" }).pipe(Options.withDescription("The fixtures JSON file (see docs/fixtures.md).")) },
  ({ file }) =>
    withDatabase(Effect.gen(function*() {
      const fixtures = yield* readFixtures(file)
      yield* requireMigrated
      const loader = yield* Fixtures.FixtureLoader
      // One transaction: a row the database refuses (e.g. a link to a person that exists nowhere)
      // rolls everything back.
      yield* loader.load(fixtures).pipe(
        Effect.catchAllDefect((defect) => {
          const cause = (defect as { cause?: { detail?: string; message?: string } }).cause
          const detail = cause?.detail ?? cause?.message ?? String(defect)
          return fail(`The database refused ${file}; nothing was loaded: ${detail}`)
        })
      )
      const counts = (["workspaces", "people", "companies", "emails", "phones", "web_links", "links", "api_keys"] as const)
        .map((k) => `${fixtures[k].length} ${k}`)
      yield* Console.log(`Loaded ${file} (rows that already existed were kept): ${counts.join(", ")}`)
    }))
).pipe(Command.withDescription("Load a fixtures file in one transaction (idempotent; validated first, nothing loaded on error)."))

/** The `peoplekit` command. */
export const command = Command.make("peoplekit").pipe(
  Command.withDescription("peoplekit: the Update Person API as a service, and its chores."),
  Command.withSubcommands([serve, migrate, keys, seed])
)

/**
 * Runs the CLI on `argv` (`process.argv`) and returns the exit status: operator-facing failures
 * print their message only; invalid usage has already been explained by the CLI library.
 */
export const run = (argv: ReadonlyArray<string>) =>
  Command.run(command, { name: "peoplekit", version: "0.1.0" })(argv).pipe(
    Effect.as(0),
    Effect.catchTag("CliFailure", (e) => Effect.as(Console.error(`peoplekit: ${e.message}`), 1)),
    Effect.catchIf(ValidationError.isValidationError, () => Effect.succeed(2)),
    Effect.provide(LoggingLive)
  )
