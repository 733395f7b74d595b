/**
 * Who is calling and what they may do: API keys as the domain sees them, the `Principal` a
 * request acts as, and the pure policy behind 401 and 403 decisions (SPEC §5).
 */
import { Either, Option, Schema } from "effect"
import { ApiKeyId, WorkspaceId } from "./Ids.js"
import { Forbidden, Unauthenticated } from "./Errors.js"

/** The scopes a key can hold: `people:read`, `people:write` (which implies read). */
export const Scope = Schema.Literal("people:read", "people:write")
export type Scope = typeof Scope.Type

/** An API key as stored (its secret never leaves the key repository; only a hash is kept). */
export class ApiKey extends Schema.Class<ApiKey>("ApiKey")({
  id: ApiKeyId,
  scopes: Schema.Array(Scope),
  workspaces: Schema.Array(WorkspaceId),
  defaultWorkspace: WorkspaceId,
  expiresAt: Schema.Option(Schema.DateFromSelf),
  revokedAt: Schema.Option(Schema.DateFromSelf)
}) {}

/** The caller of one request: a key acting in one resolved workspace. */
export interface Principal {
  readonly keyId: ApiKeyId
  readonly workspaceId: WorkspaceId
  readonly scopes: ReadonlyArray<Scope>
}

/** A key is usable until it is revoked or its expiry has passed. */
export const checkActive = (key: ApiKey, now: Date): Either.Either<ApiKey, Unauthenticated> => {
  if (Option.isSome(key.revokedAt) && key.revokedAt.value.getTime() <= now.getTime()) {
    return Either.left(new Unauthenticated({ reason: "revoked" }))
  }
  if (Option.isSome(key.expiresAt) && key.expiresAt.value.getTime() <= now.getTime()) {
    return Either.left(new Unauthenticated({ reason: "expired" }))
  }
  return Either.right(key)
}

/** `people:write` implies `people:read`. */
export const hasScope = (scopes: ReadonlyArray<Scope>, needed: Scope): boolean =>
  scopes.includes(needed) || (needed === "people:read" && scopes.includes("people:write"))

/** The principal for `key` acting in `requested` (or its default workspace), if it may. */
export const principalFor = (
  key: ApiKey,
  requested: Option.Option<WorkspaceId>
): Either.Either<Principal, Forbidden> => {
  const workspaceId = Option.getOrElse(requested, () => key.defaultWorkspace)
  if (!key.workspaces.includes(workspaceId)) {
    return Either.left(
      new Forbidden({ reason: "workspace", message: "The API key has no membership on this workspace" })
    )
  }
  return Either.right({ keyId: key.id, workspaceId, scopes: key.scopes })
}

/** Fails unless the principal holds `needed`. */
export const requireScope = (principal: Principal, needed: Scope): Either.Either<Principal, Forbidden> =>
  hasScope(principal.scopes, needed)
    ? Either.right(principal)
    : Either.left(new Forbidden({ reason: "scope", message: `The API key lacks the ${needed} scope` }))
