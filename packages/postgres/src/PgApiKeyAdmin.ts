/**
 * Core's `ApiKeyAdmin` port on Postgres: store a key (its secret as SHA-256 only) with its
 * memberships in one statement, revoke, list. The rules (secret format, defaults, checks) are
 * core's `KeyAdmin`; this only stores and reads.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Access, Ids, KeyAdmin } from "@peoplekit/core"
import { Effect, Layer, Option, Redacted, Schema } from "effect"
import { pgCode } from "./Database.js"
import { hashSecret } from "./PgApiKeyRepository.js"

const INSERT = `
WITH key AS (
  INSERT INTO api_keys (id, secret_sha256, scopes, default_workspace_id, expires_at)
  VALUES ($1::uuid, $2::bytea, $3::text[], $4::uuid, $5::timestamptz)
  RETURNING id
)
INSERT INTO api_key_workspaces (api_key_id, workspace_id)
SELECT key.id, w FROM key, unnest($6::uuid[]) AS w`

const MISSING_WORKSPACES = `SELECT w AS id FROM unnest($1::uuid[]) AS w WHERE NOT EXISTS (SELECT FROM workspaces WHERE id = w)`

const REVOKE = `
UPDATE api_keys SET revoked_at = LEAST(coalesce(revoked_at, $2::timestamptz), $2::timestamptz)
WHERE id = $1::uuid RETURNING id`

const LIST = `
SELECT k.id, k.scopes, k.default_workspace_id, k.created_at, k.expires_at, k.revoked_at, k.last_used_at,
  ARRAY(SELECT m.workspace_id FROM api_key_workspaces m WHERE m.api_key_id = k.id ORDER BY m.workspace_id) AS workspaces
FROM api_keys k ORDER BY k.created_at, k.id`

const optionalDate = Schema.OptionFromNullOr(Schema.DateFromSelf)
const ListRow = Schema.Struct({
  id: Ids.ApiKeyId,
  scopes: Schema.Array(Access.Scope),
  default_workspace_id: Ids.WorkspaceId,
  created_at: Schema.DateFromSelf,
  expires_at: optionalDate,
  revoked_at: optionalDate,
  last_used_at: optionalDate,
  workspaces: Schema.Array(Ids.WorkspaceId)
})

/** Builds the port on the ambient `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  const create = Effect.fn("PgApiKeyAdmin.create")(function*(key: KeyAdmin.NewKey) {
    const missing = yield* sql.unsafe<{ id: Ids.WorkspaceId }>(MISSING_WORKSPACES, [key.workspaces]).pipe(Effect.orDie)
    if (missing.length > 0) return yield* new KeyAdmin.UnknownWorkspace({ workspaceIds: missing.map((r) => r.id) })
    yield* sql.unsafe(INSERT, [
      key.id,
      hashSecret(Redacted.value(key.secret)),
      key.scopes,
      key.defaultWorkspace,
      Option.getOrNull(key.expiresAt),
      key.workspaces
    ]).pipe(
      // A workspace deleted between the check and the insert.
      Effect.catchIf((e) => pgCode(e) === "23503", () => Effect.fail(new KeyAdmin.UnknownWorkspace({ workspaceIds: key.workspaces }))),
      sql.withTransaction,
      Effect.catchTag("SqlError", Effect.die)
    )
  })

  const revoke = Effect.fn("PgApiKeyAdmin.revoke")(function*(keyId: Ids.ApiKeyId, at: Date) {
    const rows = yield* sql.unsafe(REVOKE, [keyId, at])
    return rows.length > 0
  }, Effect.orDie)

  const list = Effect.gen(function*() {
    const rows = yield* sql.unsafe(LIST)
    return yield* Effect.forEach(rows, (row) =>
      Effect.map(Schema.decodeUnknown(ListRow)(row), (r): KeyAdmin.KeyListing => ({
        id: r.id,
        scopes: r.scopes,
        workspaces: r.workspaces,
        defaultWorkspace: r.default_workspace_id,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
        revokedAt: r.revoked_at,
        lastUsedAt: r.last_used_at
      })))
  }).pipe(Effect.orDie, Effect.withSpan("PgApiKeyAdmin.list"))

  return KeyAdmin.ApiKeyAdmin.of({ create, revoke, list })
})

/** `ApiKeyAdmin` over the ambient `SqlClient`. */
export const layer: Layer.Layer<KeyAdmin.ApiKeyAdmin, never, SqlClient.SqlClient> = Layer.effect(KeyAdmin.ApiKeyAdmin, make)
