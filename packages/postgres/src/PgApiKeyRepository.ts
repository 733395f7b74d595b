/**
 * `ApiKeyRepository` on Postgres: a key is found by the SHA-256 of its whole secret (the secret
 * itself is never stored), with its memberships, in one statement that also records the use.
 * `layerCached` keeps found keys for a short time, saving that round trip on most requests.
 */
import { createHash } from "node:crypto"
import * as SqlClient from "@effect/sql/SqlClient"
import { Access, ApiKeyRepository, Ids } from "@peoplekit/core"
import { Cache, Duration, Effect, Exit, Layer, Option, Redacted, Schema } from "effect"
import * as Unavailable from "./Unavailable.js"

/** The stored form of a secret: its SHA-256 digest. */
export const hashSecret = (secret: string): Buffer => createHash("sha256").update(secret, "utf8").digest()

/**
 * `last_used_at` is written at most about once a minute per key, and a request that finds the
 * key row locked by another one skips the write (SKIP LOCKED) instead of waiting, so a hot key
 * does not serialise its requests. Revoked and expired keys are returned too: core decides.
 */
export const FIND = `
WITH k AS (
  SELECT id, scopes, default_workspace_id, expires_at, revoked_at
  FROM api_keys
  WHERE secret_sha256 = $1::bytea
),
touched AS (
  UPDATE api_keys a SET last_used_at = now()
  WHERE a.id IN (
    SELECT s.id FROM api_keys s JOIN k ON s.id = k.id
    WHERE s.last_used_at IS NULL OR s.last_used_at < now() - interval '1 minute'
    FOR UPDATE OF s SKIP LOCKED
  )
  RETURNING a.id
)
SELECT k.id, k.scopes, k.default_workspace_id, k.expires_at, k.revoked_at,
  ARRAY(SELECT m.workspace_id FROM api_key_workspaces m WHERE m.api_key_id = k.id ORDER BY m.workspace_id) AS workspaces
FROM k`

const KeyRow = Schema.Struct({
  id: Ids.ApiKeyId,
  scopes: Schema.Array(Access.Scope),
  default_workspace_id: Ids.WorkspaceId,
  expires_at: Schema.OptionFromNullOr(Schema.DateFromSelf),
  revoked_at: Schema.OptionFromNullOr(Schema.DateFromSelf),
  workspaces: Schema.Array(Ids.WorkspaceId)
})

/** The key stored under a secret's digest, if any (revoked and expired keys included). */
const findByDigest = (sql: SqlClient.SqlClient, digest: Buffer) =>
  Effect.gen(function*() {
    const rows = yield* sql.unsafe(FIND, [digest])
    if (rows[0] === undefined) return Option.none()
    const row = yield* Schema.decodeUnknown(KeyRow)(rows[0])
    // Decoded just above: the constructor need not validate the same fields again.
    return Option.some(
      Access.ApiKey.make({
        id: row.id,
        scopes: row.scopes,
        workspaces: row.workspaces,
        defaultWorkspace: row.default_workspace_id,
        expiresAt: row.expires_at,
        revokedAt: row.revoked_at
      }, { disableValidation: true })
    )
  })

/** Builds the repository on the ambient `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  const findBySecret = Effect.fnUntraced(function*(secret: Redacted.Redacted<string>) {
    return yield* findByDigest(sql, hashSecret(Redacted.value(secret)))
  }, Unavailable.orDie)

  return ApiKeyRepository.of({ findBySecret })
})

/** How long and how many found keys `makeCached` keeps. */
export interface CacheOptions {
  /**
   * How long a found key is used without asking the database again. A revocation (or any other
   * change of the key row or its memberships) takes effect within this time; expiry is exact
   * regardless, because core compares `expires_at` with the clock on every request.
   */
  readonly timeToLive: Duration.DurationInput
  /** Most keys kept (least recently used go first; default 10,000). */
  readonly capacity?: number
}

/**
 * The repository with a short-lived cache of found keys, keyed by the secret's SHA-256 (the
 * secret itself is not kept). Unknown secrets are not cached, so a new key works at once and
 * random tokens cannot fill the cache. Concurrent requests with the same key share one lookup.
 * `last_used_at` is recorded when a key is looked up, so at most once per time-to-live.
 */
export const makeCached = (options: CacheOptions) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const timeToLive = Duration.decode(options.timeToLive)
    const cache = yield* Cache.makeWith({
      capacity: options.capacity ?? 10_000,
      lookup: (digest: string) => findByDigest(sql, Buffer.from(digest, "hex")),
      timeToLive: (exit) => Exit.isSuccess(exit) && Option.isSome(exit.value) ? timeToLive : Duration.zero
    })
    const findBySecret = Effect.fnUntraced(function*(secret: Redacted.Redacted<string>) {
      const digest = hashSecret(Redacted.value(secret)).toString("hex")
      // A miss or a failure is dropped at once (a zero time-to-live still serves it within the
      // same clock tick).
      return yield* cache.get(digest).pipe(
        Effect.onExit((exit) => Exit.isSuccess(exit) && Option.isSome(exit.value) ? Effect.void : cache.invalidate(digest))
      )
    }, Unavailable.orDie)
    return ApiKeyRepository.of({ findBySecret })
  })

/** `ApiKeyRepository` over the ambient `SqlClient`. */
export const layer: Layer.Layer<ApiKeyRepository, never, SqlClient.SqlClient> = Layer.effect(ApiKeyRepository, make)

/** `ApiKeyRepository` with the short-lived key cache (`makeCached`). */
export const layerCached = (options: CacheOptions): Layer.Layer<ApiKeyRepository, never, SqlClient.SqlClient> =>
  Layer.effect(ApiKeyRepository, makeCached(options))
