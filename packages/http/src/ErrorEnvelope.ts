/**
 * Every failure as the SPEC §4 envelope `{ code, status, title, message, details?, meta }`.
 *
 * One place maps what can go wrong to a `Problem` (domain errors, the request document's errors,
 * the framework's own failures, defects); one place turns a `Problem` into an envelope (trace id,
 * one structured log line whose id is `log_id`) and one renders it as an `application/json`
 * response. The envelope classes are part of the API definition so clients decode them by status.
 */
import {
  HttpApiError,
  type HttpApi,
  HttpApiBuilder,
  type HttpApiGroup,
  type HttpApp,
  HttpApiSchema,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import { Errors, Relationship } from "@peoplekit/core"
import { Cause, Effect, Layer, Option, Schema, Tracer } from "effect"
import { DocumentError } from "./Document.js"

// ---------------------------------------------------------------------------------------------
// The envelope on the wire
// ---------------------------------------------------------------------------------------------

const Meta = Schema.Struct({ trace_id: Schema.String, log_id: Schema.String })
const Details = Schema.Record({ key: Schema.String, value: Schema.Unknown })

// Each class carries its own status literal: `Schema.Class` encoding is structural, so with
// identical fields every error would be encoded by the first class of the union (STACK §4).
const fields = <S extends number>(status: S) => ({
  code: Schema.String,
  status: Schema.Literal(status),
  title: Schema.String,
  message: Schema.String,
  details: Schema.optionalWith(Details, { exact: true }),
  meta: Meta
})

/** 400 envelope (a malformed or invalid request). */
export class BadRequest extends Schema.Class<BadRequest>("BadRequest")(fields(400), HttpApiSchema.annotations({ status: 400 })) {}
/** 401 envelope (`UNAUTHORIZED`). */
export class Unauthorized extends Schema.Class<Unauthorized>("Unauthorized")(fields(401), HttpApiSchema.annotations({ status: 401 })) {}
/** 403 envelope (`FORBIDDEN`). */
export class Forbidden extends Schema.Class<Forbidden>("Forbidden")(fields(403), HttpApiSchema.annotations({ status: 403 })) {}
/** 404 envelope (a person, related resource or route not found). */
export class NotFound extends Schema.Class<NotFound>("NotFound")(fields(404), HttpApiSchema.annotations({ status: 404 })) {}
/** 405 envelope (`METHOD_NOT_ALLOWED`). */
export class MethodNotAllowed extends Schema.Class<MethodNotAllowed>("MethodNotAllowed")(fields(405), HttpApiSchema.annotations({ status: 405 })) {}
/** 412 envelope (`If-Match` did not match). */
export class PreconditionFailed extends Schema.Class<PreconditionFailed>("PreconditionFailed")(fields(412), HttpApiSchema.annotations({ status: 412 })) {}
/** 413 envelope (body over the limit). */
export class PayloadTooLarge extends Schema.Class<PayloadTooLarge>("PayloadTooLarge")(fields(413), HttpApiSchema.annotations({ status: 413 })) {}
/** 415 envelope (not a JSON media type). */
export class UnsupportedMediaType extends Schema.Class<UnsupportedMediaType>("UnsupportedMediaType")(fields(415), HttpApiSchema.annotations({ status: 415 })) {}
/** 500 envelope (`INTERNAL_ERROR`; the cause goes to the log only). */
export class InternalError extends Schema.Class<InternalError>("InternalError")(fields(500), HttpApiSchema.annotations({ status: 500 })) {}
/** 503 envelope (database unavailable or a transient conflict; with `Retry-After`). */
export class ServiceUnavailable extends Schema.Class<ServiceUnavailable>("ServiceUnavailable")(fields(503), HttpApiSchema.annotations({ status: 503 })) {}

const classes = {
  400: BadRequest,
  401: Unauthorized,
  403: Forbidden,
  404: NotFound,
  405: MethodNotAllowed,
  412: PreconditionFailed,
  413: PayloadTooLarge,
  415: UnsupportedMediaType,
  500: InternalError,
  503: ServiceUnavailable
} as const

/** Statuses an envelope class exists for (408/414/431 are answered before Effect, see `toRaw`). */
export type Status = keyof typeof classes
/** Any envelope. */
export type ApiError = InstanceType<(typeof classes)[Status]>
/** The envelope class of `S`. */
export type ApiErrorOf<S extends Status> = InstanceType<(typeof classes)[S]>

/** Every envelope class, for declaring an API's errors (`HttpApi.addError`). */
export const all = Object.values(classes)

/**
 * `api` declaring every envelope as an error it may answer with — for the `/v1` API and for a
 * host API that mounts the people group.
 */
export const addAll = <Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, E, R>(
  api: HttpApi.HttpApi<Id, Groups, E, R>
) =>
  api
    .addError(BadRequest)
    .addError(Unauthorized)
    .addError(Forbidden)
    .addError(NotFound)
    .addError(MethodNotAllowed)
    .addError(PreconditionFailed)
    .addError(PayloadTooLarge)
    .addError(UnsupportedMediaType)
    .addError(InternalError)
    .addError(ServiceUnavailable)

const isApiError = (u: unknown): u is ApiError => all.some((cls) => u instanceof cls)

const titles: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  412: "Precondition Failed",
  413: "Payload Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable"
}

/** Seconds a client should wait after a 503 (a transient conflict clears quickly). */
export const RETRY_AFTER_SECONDS = 1

// ---------------------------------------------------------------------------------------------
// Problems: what went wrong, before it gets a trace id and a log line
// ---------------------------------------------------------------------------------------------

/** An error to answer with, before the trace and log ids are added. */
export interface Problem<S extends number = Status> {
  readonly status: S
  readonly code: string
  readonly message: string
  readonly details?: Readonly<Record<string, unknown>>
  /** Extra response headers (`Allow` on a 405). */
  readonly headers?: Readonly<Record<string, string>>
  /** Annotations for the log line only, never for the client (why a key was refused, a cause). */
  readonly log?: Readonly<Record<string, unknown>>
}

/** Core's failures, mapped below in one place. */
export type DomainError = Errors.DomainError
/** True for any of core's domain errors. */
export const isDomainError = Errors.isDomainError

const pathOf = (path: ReadonlyArray<PropertyKey>): string => path.map(String).join(".")

/** The ONE mapping of core's domain errors (SPEC §4 table). */
export const fromDomain = (error: DomainError): Problem => {
  switch (error._tag) {
    case "InvalidPatch": {
      const details = { path: pathOf(["data", ...error.path]), issue: error.issue }
      return error.issue === "read_only"
        ? { status: 400, code: "SCHEMA_VALIDATION_ERROR", message: error.message, details }
        : { status: 400, code: "BAD_REQUEST", message: error.message, details }
    }
    case "PersonNotFound":
      return { status: 404, code: "NOT_FOUND", message: "No person with this id exists" }
    case "RelatedNotFound": {
      const resource = Relationship.kinds[error.kind].resource
      return {
        status: 404,
        code: `${resource.toUpperCase()}_NOT_FOUND`,
        message: `No ${resource.replace("_", " ")} with ${error.ids.length === 1 ? "this id" : "these ids"} exists`,
        details: { path: `data.relationships.${error.kind}`, ids: error.ids }
      }
    }
    case "Unauthenticated":
      // Never say why: a client must not learn whether a key exists, expired or was revoked.
      return {
        status: 401,
        code: "UNAUTHORIZED",
        message: "A valid bearer API key is required",
        log: { reason: error.reason }
      }
    case "Forbidden":
      return { status: 403, code: "FORBIDDEN", message: error.message, log: { reason: error.reason } }
    case "PreconditionFailed":
      return { status: 412, code: "PRECONDITION_FAILED", message: "If-Match does not match the current version" }
    case "TransientConflict":
      return {
        status: 503,
        code: "SERVICE_UNAVAILABLE",
        message: "The person is being changed concurrently; retry shortly"
      }
  }
}

/** The problem of a request document (or query) error. */
export const fromDocument = (error: DocumentError): Problem => ({
  status: 400,
  code: error.code,
  message: error.message,
  ...(error.details === undefined ? {} : { details: error.details })
})

/** Problems of the framework, the request document and core; anything else is internal. */
export const fromFailure = (error: unknown): Option.Option<Problem> => {
  if (error instanceof DocumentError) return Option.some(fromDocument(error))
  if (isDomainError(error)) return Option.some(fromDomain(error))
  if (error instanceof HttpApiError.HttpApiDecodeError) {
    // Path, query and header parameters the framework decodes (e.g. a path `person_id`).
    const first = error.issues[0]
    const path = first === undefined ? "" : pathOf(first.path)
    return Option.some({
      status: 400,
      code: "SCHEMA_VALIDATION_ERROR",
      message: first === undefined ? "The request is not valid" : `${path}: ${first.message}`,
      details: { path, issue: "invalid" }
    })
  }
  if (error instanceof HttpServerError.RequestError && error.reason === "Decode") {
    return Option.some({ status: 400, code: "INVALID_JSON", message: "The request body is not valid JSON" })
  }
  return Option.none()
}

// Core's `StoreUnavailable` defect, which adapters die with; as a fallback for adapters that do
// not, network errors and Postgres' connection-exception (08) and shutdown (57P0x) classes.
// Such a defect is a 503, not a 500.
const UNREACHABLE_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EPIPE|EAI_AGAIN|08\w{3}|57P0[1-3])$/
const UNREACHABLE_MESSAGES = /connection terminated|timeout exceeded when trying to connect|connection refused/i

/** True when a defect (or what it wraps) says the database cannot be reached. */
export const isUnreachable = (defect: unknown): boolean => {
  if (defect instanceof Errors.StoreUnavailable) return true
  let current: unknown = defect
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const { cause, code, message } = current as { cause?: unknown; code?: unknown; message?: unknown }
    if (typeof code === "string" && UNREACHABLE_CODES.test(code)) return true
    if (typeof message === "string" && UNREACHABLE_MESSAGES.test(message)) return true
    current = cause
  }
  return false
}

const unavailable = (cause: Cause.Cause<unknown>): Problem => ({
  status: 503,
  code: "SERVICE_UNAVAILABLE",
  message: "The service cannot reach its database; retry shortly",
  log: { cause: Cause.pretty(cause) }
})

const internal = (cause: Cause.Cause<unknown>): Problem => ({
  status: 500,
  code: "INTERNAL_ERROR",
  message: "An unexpected error occurred",
  log: { cause: Cause.pretty(cause) }
})

// ---------------------------------------------------------------------------------------------
// Trace ids
// ---------------------------------------------------------------------------------------------

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/** The W3C `traceparent` ids when the header is valid (version ≠ ff, ids not all zero). */
export const parseTraceparent = (
  header: string | undefined
): Option.Option<{ readonly traceId: string; readonly spanId: string; readonly sampled: boolean }> => {
  const match = header === undefined ? null : TRACEPARENT.exec(header.trim())
  if (match === null) return Option.none()
  const [, version, traceId, spanId, flags] = match as unknown as [string, string, string, string, string]
  if (version === "ff" || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return Option.none()
  return Option.some({ traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 })
}

// Random UUIDs come from a pooled buffer of entropy, far cheaper per call than asking for bytes.
const randomHex32 = (): string => crypto.randomUUID().replace(/-/g, "")

/** A new 32-hex trace id (122 random bits). */
export const newTraceId = (): string => randomHex32()

/** A new 16-hex span id (62 random bits: the UUID's tail after its variant). */
const newSpanId = (): string => randomHex32().slice(16)

/** The trace id of the current request: the one the request span was given. */
export const currentTraceId: Effect.Effect<string> = Effect.currentSpan.pipe(
  Effect.map((span) => span.traceId),
  Effect.orElseSucceed(newTraceId)
)

// ---------------------------------------------------------------------------------------------
// Envelopes
// ---------------------------------------------------------------------------------------------

/** The envelope for `problem`, after writing the one log line whose id it carries. */
export const envelope = Effect.fn("ErrorEnvelope.envelope")(function*<S extends Status>(problem: Problem<S>) {
  const trace_id = yield* currentTraceId
  const log_id = crypto.randomUUID()
  const log = problem.status >= 500 ? Effect.logError : Effect.logWarning
  yield* log(`${problem.status} ${problem.code}: ${problem.message}`).pipe(
    Effect.annotateLogs({
      log_id,
      trace_id,
      status: problem.status,
      code: problem.code,
      ...(problem.details === undefined ? {} : { details: problem.details }),
      ...problem.log
    })
  )
  const cls = classes[problem.status] as unknown as new(props: unknown) => ApiErrorOf<S>
  return new cls({
    code: problem.code,
    status: problem.status,
    title: titles[problem.status] ?? "Error",
    message: problem.message,
    ...(problem.details === undefined ? {} : { details: problem.details }),
    meta: { trace_id, log_id }
  })
})

/** Fails with the envelope for `problem` (handlers and middleware use this). */
export const fail = <S extends Status>(problem: Problem<S>): Effect.Effect<never, ApiErrorOf<S>> =>
  Effect.flatMap(envelope(problem), Effect.fail)

/** Fails with the envelope of whatever a handler failed with. */
export const failWith = (error: ApiError | DocumentError | DomainError): Effect.Effect<never, ApiError> =>
  isApiError(error) ? Effect.fail(error) : fail(error instanceof DocumentError ? fromDocument(error) : fromDomain(error))

const statusHeaders = (status: number): Record<string, string> =>
  status === 401
    ? { "www-authenticate": "Bearer" }
    : status === 503
    ? { "retry-after": String(RETRY_AFTER_SECONDS) }
    : {}

/** Renders an envelope as the `application/json` response (with its status's headers). */
export const toResponse = (error: ApiError, headers: Readonly<Record<string, string>> = {}) =>
  HttpServerResponse.unsafeJson(
    {
      code: error.code,
      status: error.status,
      title: error.title,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
      meta: { trace_id: error.meta.trace_id, log_id: error.meta.log_id }
    },
    { status: error.status, headers: { ...statusHeaders(error.status), ...headers } }
  )

/**
 * An envelope outside Effect, for failures a host answers before a request reaches the app
 * (Node's `clientError`: 408, 414, 431). Returns the status, headers and JSON body to write.
 */
export const toRaw = (problem: Problem<number>, traceId: string = newTraceId()) => {
  const log_id = crypto.randomUUID()
  const body = {
    code: problem.code,
    status: problem.status,
    title: titles[problem.status] ?? "Error",
    message: problem.message,
    ...(problem.details === undefined ? {} : { details: problem.details }),
    meta: { trace_id: traceId, log_id }
  }
  return {
    status: problem.status,
    logId: log_id,
    headers: { "content-type": "application/json", "x-trace-id": traceId, ...statusHeaders(problem.status), ...problem.headers },
    body: JSON.stringify(body)
  }
}

// ---------------------------------------------------------------------------------------------
// The middleware
// ---------------------------------------------------------------------------------------------

interface Route {
  readonly method: string
  readonly pattern: RegExp
}

const routesOf = (api: HttpApi.HttpApi.Any): ReadonlyArray<Route> => {
  const routes: Array<Route> = []
  const groups = (api as unknown as HttpApi.HttpApi.AnyWithProps).groups
  for (const group of Object.values(groups)) {
    for (const endpoint of Object.values(group.endpoints)) {
      const source = endpoint.path
        .split("/")
        .map((segment) => (segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
        .join("/")
      routes.push({ method: endpoint.method, pattern: new RegExp(`^${source}$`) })
    }
  }
  return routes
}

/** 404 for an unknown path, 405 with `Allow` for a known path and another method. */
const routeNotFound = (routes: ReadonlyArray<Route>, request: HttpServerRequest.HttpServerRequest): Problem => {
  const path = request.url.split("?")[0] ?? ""
  // The router ignores repeated and trailing slashes; so must the 405 check.
  const normalized = path.replace(/\/+/g, "/").replace(/(.)\/$/, "$1")
  const allowed = [...new Set(routes.filter((route) => route.pattern.test(normalized)).map((route) => route.method))].sort()
  if (allowed.length === 0) return { status: 404, code: "ROUTE_NOT_FOUND", message: `No route for ${path}` }
  return {
    status: 405,
    code: "METHOD_NOT_ALLOWED",
    message: `${request.method} is not allowed here; use ${allowed.join(" or ")}`,
    headers: { allow: allowed.join(", ") }
  }
}

const problemOf = (routes: ReadonlyArray<Route>, cause: Cause.Cause<unknown>): Problem | ApiError => {
  for (const error of Cause.failures(cause)) {
    if (isApiError(error)) return error
    if (error instanceof HttpServerError.RouteNotFound) return routeNotFound(routes, error.request)
    const problem = fromFailure(error)
    if (Option.isSome(problem)) return problem.value
  }
  // `request.json` of the framework dies with a RequestError on a malformed body.
  for (const defect of Cause.defects(cause)) {
    const problem = fromFailure(defect)
    if (Option.isSome(problem)) return problem.value
    if (isUnreachable(defect)) return unavailable(cause)
  }
  return internal(cause)
}

/**
 * The API-level middleware: runs every request in a span whose trace id is the valid
 * `traceparent`'s (else a new one), turns every failure into an envelope response, and sends
 * `x-trace-id` on every response. It wraps the router inside the framework's own error encoder,
 * so it sees the raw causes (decode errors, `RouteNotFound`, defects) rather than encoded responses.
 */
/** Longest URI (path and query) accepted; longer ones are a 414. */
export const MAX_URI_LENGTH = 8 * 1024

/** A route served next to the API (e.g. `/healthz`), known for 405 answers. */
export interface ExtraRoute {
  readonly method: string
  readonly path: string
}

const literalRoute = (route: ExtraRoute): Route => ({
  method: route.method,
  pattern: new RegExp(`^${route.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`)
})

/** The API-level middleware answering every framework failure (404/405/400/500) in the envelope. */
export const middleware = (api: HttpApi.HttpApi.Any, extra: ReadonlyArray<ExtraRoute> = []) => {
  const routes = [...routesOf(api), ...extra.map(literalRoute)]
  return (app: HttpApp.Default): HttpApp.Default =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const incoming = parseTraceparent(request.headers["traceparent"])
      const traceId = Option.match(incoming, { onNone: newTraceId, onSome: (t) => t.traceId })
      const parent = Tracer.externalSpan({
        traceId,
        spanId: Option.match(incoming, { onNone: newSpanId, onSome: (t) => t.spanId }),
        sampled: Option.match(incoming, { onNone: () => true, onSome: (t) => t.sampled })
      })
      if (request.url.length > MAX_URI_LENGTH) {
        // Under Node a longer request line is refused before routing (414 from the server's
        // clientError handler); this keeps the limit the same for URLs just under Node's.
        const raw = toRaw({ status: 414, code: "URI_TOO_LONG", message: `The URI is longer than ${MAX_URI_LENGTH} bytes` }, traceId)
        return HttpServerResponse.text(raw.body, { status: raw.status, headers: raw.headers, contentType: "application/json" })
      }
      const response = yield* app.pipe(
        Effect.catchAllCause((cause_) => {
          // Typed as `Cause<never>`, yet typed failures do flow through here (STACK §8).
          const cause = cause_ as Cause.Cause<unknown>
          // A client that went away gets no answer, and it is not an error of ours.
          if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause_)
          const found = problemOf(routes, cause)
          return isApiError(found)
            ? Effect.succeed(toResponse(found))
            : Effect.map(envelope(found), (error) => toResponse(error, found.headers))
        }),
        // No stack trace per request: the span's name and route say where it comes from.
        Effect.withSpan(`http ${request.method}`, { parent, kind: "server", captureStackTrace: false })
      )
      return HttpServerResponse.setHeader(response, "x-trace-id", traceId)
    })
}

/** The middleware as a layer, to provide next to an API layer (`HttpApiBuilder.api`). */
export const layer = (api: HttpApi.HttpApi.Any, extra: ReadonlyArray<ExtraRoute> = []): Layer.Layer<never> =>
  HttpApiBuilder.middleware(middleware(api, extra))
