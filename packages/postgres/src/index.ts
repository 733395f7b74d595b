/**
 * @peoplekit/postgres — core's ports on Postgres (`@effect/sql-pg`), the schema migrations and the
 * embedded database. Test support lives in `@peoplekit/postgres/Testing`.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { ApiKeyRepository, Fixtures, PersonRepository, Transactor } from "@peoplekit/core"
import { Duration, Layer } from "effect"
import * as PgApiKeyRepository from "./PgApiKeyRepository.js"
import * as PgFixtureLoader from "./PgFixtureLoader.js"
import * as PgPersonRepository from "./PgPersonRepository.js"
import * as PgTransactor from "./PgTransactor.js"

/** Every core port (person and key repositories, transactor, fixture loader) over a `SqlClient`. */
export const layer: Layer.Layer<
  PersonRepository | ApiKeyRepository | Transactor | Fixtures.FixtureLoader,
  never,
  SqlClient.SqlClient
> = Layer.mergeAll(PgPersonRepository.layer, PgApiKeyRepository.layer, PgTransactor.layer, PgFixtureLoader.layer)

/**
 * `layer`, with API keys cached for `keyCacheTtl` (see `PgApiKeyRepository.makeCached`: a
 * revocation takes effect within that time). No cache when it is absent or zero.
 */
export const layerWith = (options: { readonly keyCacheTtl?: Duration.DurationInput | undefined }): Layer.Layer<
  PersonRepository | ApiKeyRepository | Transactor | Fixtures.FixtureLoader,
  never,
  SqlClient.SqlClient
> =>
  options.keyCacheTtl === undefined || Duration.toMillis(Duration.decode(options.keyCacheTtl)) <= 0
    ? layer
    : Layer.mergeAll(
      PgPersonRepository.layer,
      PgApiKeyRepository.layerCached({ timeToLive: options.keyCacheTtl }),
      PgTransactor.layer,
      PgFixtureLoader.layer
    )

/** The connection pool (`Database.layer`), `migrate`, `LATEST_MIGRATION` and readiness. */
export * as Database from "./Database.js"
/** The embedded Postgres as a scoped layer yielding a connection URL. */
export * as Embedded from "./Embedded.js"
/** The migrations, keyed `<id>_<name>` (also `Database.migrations`). */
export { LATEST_MIGRATION, migrations } from "./Database.js"
/** `PersonRepository` alone (one-statement load and save). */
export * as PgPersonRepository from "./PgPersonRepository.js"
/** `ApiKeyRepository` alone (lookup by SHA-256 of the secret). */
export * as PgApiKeyRepository from "./PgApiKeyRepository.js"
/** `Transactor` alone (retries serialisation failures and deadlocks). */
export * as PgTransactor from "./PgTransactor.js"
/** Connection failures as core's `StoreUnavailable` defect (`Unavailable.orDie`). */
export * as Unavailable from "./Unavailable.js"
/** Core's `ApiKeyAdmin` port (create, revoke, list keys) for the CLI. */
export * as PgApiKeyAdmin from "./PgApiKeyAdmin.js"
/** `FixtureLoader` alone (idempotent fixture loading). */
export * as PgFixtureLoader from "./PgFixtureLoader.js"
