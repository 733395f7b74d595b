/**
 * Administering API keys (the CLI's `keys create | revoke | list`): the rules live here, the
 * storage behind the `ApiKeyAdmin` port. A new key's secret is `pk_<key id>_<random>` (SPEC §5),
 * shown once and stored only as a hash by the adapter.
 */
import { Clock, Context, Effect, Option, Redacted, Schema } from "effect"
import { Scope } from "./Access.js"
import { ApiKeyId, WorkspaceId } from "./Ids.js"

/** A key as listed: never its secret. */
export interface KeyListing {
  readonly id: ApiKeyId
  readonly scopes: ReadonlyArray<Scope>
  readonly workspaces: ReadonlyArray<WorkspaceId>
  readonly defaultWorkspace: WorkspaceId
  readonly createdAt: Date
  readonly expiresAt: Option.Option<Date>
  readonly revokedAt: Option.Option<Date>
  readonly lastUsedAt: Option.Option<Date>
}

/** A key to store; the adapter keeps only the SHA-256 of `secret`. */
export interface NewKey {
  readonly id: ApiKeyId
  readonly secret: Redacted.Redacted<string>
  readonly scopes: ReadonlyArray<Scope>
  readonly workspaces: ReadonlyArray<WorkspaceId>
  readonly defaultWorkspace: WorkspaceId
  readonly expiresAt: Option.Option<Date>
}

/** A workspace named for a key does not exist. */
export class UnknownWorkspace extends Schema.TaggedError<UnknownWorkspace>()("UnknownWorkspace", {
  workspaceIds: Schema.Array(WorkspaceId)
}) {
  override get message() {
    return `No workspace with id ${this.workspaceIds.join(", ")}`
  }
}

/** No key has this id. */
export class KeyNotFound extends Schema.TaggedError<KeyNotFound>()("KeyNotFound", { keyId: ApiKeyId }) {
  override get message() {
    return `No API key with id ${this.keyId}`
  }
}

/** The request for a key breaks a rule (no scope, no workspace, a default that is not a member). */
export class InvalidKeyRequest extends Schema.TaggedError<InvalidKeyRequest>()("InvalidKeyRequest", {
  message: Schema.String
}) {}

/** The key-administration port. */
export class ApiKeyAdmin extends Context.Tag("@peoplekit/core/ApiKeyAdmin")<
  ApiKeyAdmin,
  {
    readonly create: (key: NewKey) => Effect.Effect<void, UnknownWorkspace>
    /** Sets `revoked_at` unless already revoked earlier; false when no key has the id. */
    readonly revoke: (keyId: ApiKeyId, at: Date) => Effect.Effect<boolean>
    /** Every key, oldest first. */
    readonly list: Effect.Effect<ReadonlyArray<KeyListing>>
  }
>() {}

/** What creating a key takes: its scopes, workspaces and optional default workspace and expiry. */
export interface CreateKeyInput {
  readonly scopes: ReadonlyArray<Scope>
  readonly workspaces: ReadonlyArray<WorkspaceId>
  /** Defaults to the first of `workspaces`. */
  readonly defaultWorkspace?: WorkspaceId
  readonly expiresAt?: Date
}

const randomPart = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(24))
  // base64url without padding: 32 characters, 192 bits.
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
}

/** Creates a key; returns its id and its secret (shown once: only its hash is stored). */
export const createKey = Effect.fn("KeyAdmin.createKey")(function*(input: CreateKeyInput) {
  const workspaces = [...new Set(input.workspaces)]
  const scopes = [...new Set(input.scopes)]
  if (workspaces.length === 0) return yield* new InvalidKeyRequest({ message: "A key needs at least one workspace" })
  if (scopes.length === 0) return yield* new InvalidKeyRequest({ message: "A key needs at least one scope (people:read, people:write)" })
  const defaultWorkspace = input.defaultWorkspace ?? workspaces[0]!
  if (!workspaces.includes(defaultWorkspace)) {
    return yield* new InvalidKeyRequest({ message: "The default workspace must be one of the key's workspaces" })
  }
  const now = yield* Clock.currentTimeMillis
  if (input.expiresAt !== undefined && input.expiresAt.getTime() <= now) {
    return yield* new InvalidKeyRequest({ message: "The expiry must be in the future" })
  }
  const id = ApiKeyId.make(crypto.randomUUID())
  const secret = Redacted.make(`pk_${id}_${randomPart()}`)
  const admin = yield* ApiKeyAdmin
  yield* admin.create({ id, secret, scopes, workspaces, defaultWorkspace, expiresAt: Option.fromNullable(input.expiresAt) })
  return { id, secret }
})

/** Revokes a key now (a key revoked earlier keeps its revocation time). */
export const revokeKey = Effect.fn("KeyAdmin.revokeKey")(function*(keyId: ApiKeyId) {
  const admin = yield* ApiKeyAdmin
  const now = new Date(yield* Clock.currentTimeMillis)
  if (!(yield* admin.revoke(keyId, now))) return yield* new KeyNotFound({ keyId })
})

/** Every key, without secrets. */
export const listKeys = Effect.flatMap(ApiKeyAdmin, (admin) => admin.list).pipe(Effect.withSpan("KeyAdmin.listKeys"))
