/**
 * The handlers of the `people` group: each decodes what the request says, makes ONE core call
 * and renders the result (document, `ETag`, the request's media type). Every failure leaves as
 * an envelope (`ErrorEnvelope.failWith`).
 */
import { HttpApiBuilder, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { GetPerson, type Ids, ListChanges, Relationship, UpdatePerson } from "@peoplekit/core"
import { Effect, Option } from "effect"
import { Api } from "./Api.js"
import * as Authentication from "./Authentication.js"
import * as Changes from "./Changes.js"
import * as Document from "./Document.js"
import * as ErrorEnvelope from "./ErrorEnvelope.js"
import * as Render from "./Render.js"
import { RequestBody } from "./RequestBody.js"

/** The strong ETag of a person version: `"<version>"`. */
export const etagOf = (version: number): string => `"${version}"`

// Only our own tags can match: `"<non-negative integer>"` in canonical form. Weak tags never match
// (If-Match compares strongly) and neither does anything unparseable.
const TAG = /^"(0|[1-9][0-9]{0,14})"$/

/** `If-Match` as core's `ifMatch`: `*`, or the versions its tags name (possibly none). */
export const parseIfMatch = (header: string | undefined): UpdatePerson.IfMatch | undefined => {
  if (header === undefined) return undefined
  if (header.trim() === "*") return "*"
  const versions: Array<number> = []
  for (const part of header.split(",")) {
    const match = TAG.exec(part.trim())
    if (match !== null) versions.push(Number(match[1]))
  }
  return versions
}

const queryOf = (request: HttpServerRequest.HttpServerRequest) => {
  const params: Record<string, string | Array<string>> = {}
  for (const [key, value] of new URL(request.url, "http://localhost").searchParams) {
    const previous = params[key]
    params[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value]
  }
  return params
}

const respond = (state: UpdatePerson.PersonState, query: Render.Query, contentType: string) =>
  HttpServerResponse.unsafeJson(Render.render(state, query), {
    status: 200,
    contentType,
    headers: { etag: etagOf(state.person.version) }
  })

interface Input {
  readonly request: HttpServerRequest.HttpServerRequest
  readonly path: { readonly person_id: Ids.PersonId }
  readonly urlParams: { readonly workspaceId?: Ids.WorkspaceId; readonly workspace_id?: Ids.WorkspaceId }
}

/** GET: all kinds included unless `?include=` says otherwise. */
export const getPerson = Effect.fnUntraced(function*({ path, request, urlParams }: Input) {
  const query = yield* Render.parseQuery(queryOf(request), Relationship.kindNames)
  const workspace = yield* Authentication.requestedWorkspace(urlParams)
  const principal = yield* Authentication.principal(workspace)
  const state = yield* GetPerson.getPerson({ principal, personId: path.person_id, include: query.include })
  return respond(state, query, "application/json")
})

/** PATCH: the body is decoded before the workspace is resolved, so a 400 answers before a 403. */
export const patchPerson = Effect.fnUntraced(function*({ path, request, urlParams }: Input) {
  const query = yield* Render.parseQuery(queryOf(request), [])
  const body = yield* RequestBody
  const text = yield* Option.match(body.text, {
    onNone: () => Effect.fail(new Document.DocumentError({ code: "INVALID_JSON", message: "The request body is not UTF-8 JSON" })),
    onSome: Effect.succeed
  })
  const patch = yield* Document.decodePatch(text, path.person_id)
  const workspace = yield* Authentication.requestedWorkspace(urlParams)
  const principal = yield* Authentication.principal(workspace)
  const ifMatch = parseIfMatch(request.headers["if-match"])
  const result = yield* UpdatePerson.updatePerson({
    principal,
    personId: path.person_id,
    patch,
    include: query.include,
    ...(ifMatch === undefined ? {} : { ifMatch })
  })
  return respond(result, query, body.mediaType)
})

interface ChangesInput {
  readonly request: HttpServerRequest.HttpServerRequest
  readonly path: { readonly person_id: Ids.PersonId }
  readonly urlParams: {
    readonly workspaceId?: Ids.WorkspaceId
    readonly workspace_id?: Ids.WorkspaceId
    readonly limit?: string
    readonly cursor?: string
  }
}

/** GET …/changes: one page of the person's change records, newest first. */
export const listChanges = Effect.fnUntraced(function*({ path, request, urlParams }: ChangesInput) {
  const page = yield* Changes.parsePageQuery(urlParams)
  const workspace = yield* Authentication.requestedWorkspace(urlParams)
  const principal = yield* Authentication.principal(workspace)
  const result = yield* ListChanges.listChanges({ principal, personId: path.person_id, limit: page.limit, before: page.before })
  const keep: Array<readonly [string, string]> = []
  if (urlParams.workspaceId !== undefined) keep.push(["workspaceId", urlParams.workspaceId])
  else if (urlParams.workspace_id !== undefined) keep.push(["workspace_id", urlParams.workspace_id])
  const document = Changes.render(result, {
    path: new URL(request.url, "http://localhost").pathname,
    limit: page.limit,
    cursor: urlParams.cursor,
    keep
  })
  return HttpServerResponse.unsafeJson(document, { status: 200 })
})

/**
 * The handlers of `Api`; need core's `PersonRepository` and `Transactor`. A host API that adds
 * `PeopleApi.group` (and declares `ErrorEnvelope.all`) implements it the same way:
 * `handleRaw("getPerson", (i) => getPerson(i).pipe(Effect.catchAll(ErrorEnvelope.failWith)))`.
 */
export const layer = HttpApiBuilder.group(Api, "people", (handlers) =>
  handlers
    .handleRaw("getPerson", (input) => getPerson(input).pipe(Effect.catchAll(ErrorEnvelope.failWith)))
    .handleRaw("patchPerson", (input) => patchPerson(input).pipe(Effect.catchAll(ErrorEnvelope.failWith)))
    .handleRaw("listChanges", (input) => listChanges(input).pipe(Effect.catchAll(ErrorEnvelope.failWith))))
