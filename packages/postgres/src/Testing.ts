/**
 * Test support: a fresh, migrated, uniquely named database per layer build, dropped afterwards.
 * With `TEST_DATABASE_URL` set, the database is created on that server; otherwise a throwaway
 * embedded cluster is started in a temporary directory. Build it once per test file
 * (`layer(testLayer)(...)`) and keep tests apart with distinct random ids.
 */
import { randomBytes } from "node:crypto"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type * as PgClient from "@effect/sql-pg/PgClient"
import type { ApiKeyRepository, Fixtures, PersonRepository, Transactor } from "@peoplekit/core"
import { Effect, Layer, Redacted, type Scope } from "effect"
import * as Database from "./Database.js"
import * as Embedded from "./Embedded.js"
import { layer as adapters } from "./index.js"

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`

/** Creates a uniquely named database on the server of `adminUrl`; drops it when the scope closes. */
const databaseOn = (adminUrl: string, name: string) =>
  Effect.gen(function*() {
    const admin = (statement: string) =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql.unsafe(statement)
      }).pipe(Effect.provide(Database.layer({ url: Redacted.make(adminUrl), maxConnections: 1 })))
    yield* Effect.acquireRelease(admin(`CREATE DATABASE ${quoteIdent(name)}`), () =>
      admin(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).pipe(Effect.orDie))
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    return Redacted.make(url.toString())
  })

type Url = Redacted.Redacted<string>

/** The URL of a fresh, empty database for the scope (see the module comment). */
export const freshDatabase: Effect.Effect<Url, SqlError | Embedded.EmbeddedError, Scope.Scope> = Effect.suspend(
  (): Effect.Effect<Url, SqlError | Embedded.EmbeddedError, Scope.Scope> => {
    const name = `peoplekit_test_${randomBytes(6).toString("hex")}`
    const external = process.env.TEST_DATABASE_URL
    if (external !== undefined && external !== "") return databaseOn(external, name)
    return Effect.map(Embedded.startThrowaway(name), (running) => running.url)
  }
)

/** A `PgClient`/`SqlClient` on a fresh database with every migration applied. */
export const sqlLayer: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError | Embedded.EmbeddedError> = Layer
  .unwrapScoped(Effect.map(freshDatabase, (url) => Database.layer({ url, maxConnections: 8 })))
  .pipe(Layer.tap((context) => Effect.orDie(Effect.provide(Database.migrate, context))))

/** Every core port plus the `SqlClient`, on a fresh migrated database. */
export const testLayer: Layer.Layer<
  PersonRepository | ApiKeyRepository | Transactor | Fixtures.FixtureLoader | PgClient.PgClient | SqlClient.SqlClient,
  SqlError | Embedded.EmbeddedError
> = adapters.pipe(Layer.provideMerge(sqlLayer))
