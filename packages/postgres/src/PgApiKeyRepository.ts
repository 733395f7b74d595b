/**
 * `ApiKeyRepository` on Postgres: a key is found by the SHA-256 of its whole secret (the secret
 * itself is never stored), with its memberships, in one statement that also records the use.
 */
import { createHash } from "node:crypto"
import * as SqlClient from "@effect/sql/SqlClient"
import { Access, ApiKeyRepository, Ids } from "@peoplekit/core"
import { Effect, Layer, Option, Redacted, Schema } from "effect"
import * as Unavailable from "./Unavailable.js"

/** The stored form of a secret: its SHA-256 digest. */
export const hashSecret = (secret: string): Buffer => createHash("sha256").update(secret, "utf8").digest()

/**
 * `last_used_at` is written at most about once a minute per key, and a request that finds the
 * key row locked by another one skips the write (SKIP LOCKED) instead of waiting, so a hot key
 * does not serialise its requests. Revoked and expired keys are returned too: core decides.
 */
const FIND = `
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

/** Builds the repository on the ambient `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  const findBySecret = Effect.fn("PgApiKeyRepository.findBySecret")(function*(secret: Redacted.Redacted<string>) {
    const rows = yield* sql.unsafe(FIND, [hashSecret(Redacted.value(secret))])
    if (rows[0] === undefined) return Option.none()
    const row = yield* Schema.decodeUnknown(KeyRow)(rows[0])
    return Option.some(
      Access.ApiKey.make({
        id: row.id,
        scopes: row.scopes,
        workspaces: row.workspaces,
        defaultWorkspace: row.default_workspace_id,
        expiresAt: row.expires_at,
        revokedAt: row.revoked_at
      })
    )
  }, Unavailable.orDie)

  return ApiKeyRepository.of({ findBySecret })
})

/** `ApiKeyRepository` over the ambient `SqlClient`. */
export const layer: Layer.Layer<ApiKeyRepository, never, SqlClient.SqlClient> = Layer.effect(ApiKeyRepository, make)
