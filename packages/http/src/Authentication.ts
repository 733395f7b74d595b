/**
 * Who is calling: the bearer middleware resolves `Authorization: Bearer <key>` to an active API
 * key through core (`Authenticate.authenticate`), before any path or body is decoded, so a
 * request without a valid key gets 401 whatever else is wrong with it. The workspace is resolved
 * later, in the handler, after the body is decoded (a 400 answers before a 403).
 */
import { HttpApiMiddleware, HttpApiSecurity, HttpServerRequest } from "@effect/platform"
import { Access, ApiKeyRepository, Authenticate, Errors, type Ids } from "@peoplekit/core"
import { Context, Effect, Either, Layer, Option, Redacted } from "effect"
import { DocumentError } from "./Document.js"
import * as ErrorEnvelope from "./ErrorEnvelope.js"
import * as RequestLog from "./RequestLog.js"

/** The authenticated API key of the request (not yet bound to a workspace). */
export class CurrentKey extends Context.Tag("@peoplekit/http/CurrentKey")<CurrentKey, Access.ApiKey>() {}

/** Bearer-key authentication; provides `CurrentKey`, fails with a 401 envelope. */
export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("@peoplekit/http/Authentication", {
  failure: ErrorEnvelope.Unauthorized,
  provides: CurrentKey,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

// The scheme is case-insensitive (RFC 9110); the framework's bearer decoder only slices off
// seven characters, so the header is read here.
const BEARER = /^bearer[ \t]+(.*)$/i

/** The token of a `Bearer` authorization header, if there is a non-empty one. */
export const bearerToken = (header: string | undefined): Option.Option<Redacted.Redacted<string>> => {
  const match = header === undefined ? null : BEARER.exec(header.trim())
  const token = match?.[1]?.trim() ?? ""
  return token === "" ? Option.none() : Option.some(Redacted.make(token))
}

const unauthorized = (error: Errors.Unauthenticated) =>
  ErrorEnvelope.fail({ ...ErrorEnvelope.fromDomain(error), status: 401 })

/** The bearer-key middleware on core's `ApiKeyRepository` (401 envelope for any bad key). */
export const layer: Layer.Layer<Authentication, never, ApiKeyRepository> = Layer.effect(
  Authentication,
  Effect.gen(function*() {
    const keys = yield* ApiKeyRepository
    return {
      bearer: () =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const token = bearerToken(request.headers.authorization)
          if (Option.isNone(token)) return yield* unauthorized(new Errors.Unauthenticated({ reason: "missing" }))
          return yield* Authenticate.authenticate(token.value).pipe(
            Effect.provideService(ApiKeyRepository, keys),
            Effect.tap((key) => RequestLog.recordKey(key.id)),
            Effect.catchTag("Unauthenticated", unauthorized)
          )
        })
    }
  })
)

/** The workspace the query asks for (`workspaceId`, alias `workspace_id`; both must agree). */
export const requestedWorkspace = (params: {
  readonly workspaceId?: Ids.WorkspaceId | undefined
  readonly workspace_id?: Ids.WorkspaceId | undefined
}): Either.Either<Option.Option<Ids.WorkspaceId>, DocumentError> => {
  const { workspaceId, workspace_id } = params
  if (workspaceId !== undefined && workspace_id !== undefined && workspaceId !== workspace_id) {
    return Either.left(
      new DocumentError({
        code: "BAD_REQUEST",
        message: "workspace_id: workspaceId and its alias workspace_id differ",
        details: { path: "workspace_id", issue: "conflicting_workspace" }
      })
    )
  }
  return Either.right(Option.fromNullable(workspaceId ?? workspace_id))
}

/** The principal of the request: the current key acting in the requested (or default) workspace. */
export const principal = Effect.fnUntraced(function*(
  workspace: Option.Option<Ids.WorkspaceId>
) {
  const key = yield* CurrentKey
  return yield* Access.principalFor(key, workspace)
})
