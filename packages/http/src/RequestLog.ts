/**
 * One structured log line per request: method, route (the matched template, never the raw path
 * with ids), status, duration, trace id and the id of the API key that authenticated — never the
 * secret, the query or the body. Errors additionally get their own line from `ErrorEnvelope`
 * (with the `log_id` the envelope carries). Use as the server middleware:
 * `HttpApiBuilder.serve(RequestLog.middleware(Api, Operations.routes))`.
 */
import { type HttpApi, HttpMiddleware, HttpServerRequest } from "@effect/platform"
import { Context, Effect, Exit, FiberRef, LogLevel, Option } from "effect"

/** What the app learns about a request that the log line needs (filled in while it runs). */
export interface Facts {
  keyId: string | undefined
}

/** The current request's `Facts`, filled in while it runs, for its log line. */
export class RequestFacts extends Context.Tag("@peoplekit/http/RequestFacts")<RequestFacts, Facts>() {}

/** Records the authenticated key's id for the request's log line (a no-op outside the middleware). */
export const recordKey = (keyId: string): Effect.Effect<void> =>
  Effect.map(Effect.serviceOption(RequestFacts), Option.map((facts) => {
    facts.keyId = keyId
  }))

const escape = (segment: string) => segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Maps a request path to the route template it matches (`/v1/people/:person_id`), if any. */
export const routeMatcher = (api: HttpApi.HttpApi.Any, extra: ReadonlyArray<{ readonly path: string }> = []) => {
  const templates: Array<string> = []
  for (const group of Object.values((api as unknown as HttpApi.HttpApi.AnyWithProps).groups)) {
    for (const endpoint of Object.values(group.endpoints)) templates.push(endpoint.path)
  }
  for (const route of extra) templates.push(route.path)
  const patterns = [...new Set(templates)].map((template) => ({
    template,
    pattern: new RegExp(`^${template.split("/").map((s) => (s.startsWith(":") ? "[^/]+" : escape(s))).join("/")}$`)
  }))
  return (path: string): string | undefined => {
    const normalized = path.replace(/\/+/g, "/").replace(/(.)\/$/, "$1")
    return patterns.find((p) => p.pattern.test(normalized))?.template
  }
}

/** The request-log middleware for `api` (and the extra routes served next to it). */
export const middleware = (api: HttpApi.HttpApi.Any, extra: ReadonlyArray<{ readonly path: string }> = []) => {
  const routeOf = routeMatcher(api, extra)
  return HttpMiddleware.make((app) =>
    Effect.gen(function*() {
      // Below the minimum level the line would be dropped anyway: skip its bookkeeping.
      if (LogLevel.lessThan(LogLevel.Info, yield* FiberRef.get(FiberRef.currentMinimumLogLevel))) return yield* app
      const request = yield* HttpServerRequest.HttpServerRequest
      const facts: Facts = { keyId: undefined }
      const started = performance.now()
      const exit = yield* app.pipe(Effect.provideService(RequestFacts, facts), Effect.exit)
      const duration_ms = Math.round((performance.now() - started) * 1000) / 1000
      const path = request.url.split("?")[0] ?? ""
      const response = Exit.isSuccess(exit) ? exit.value : undefined
      yield* Effect.logInfo("request").pipe(
        Effect.annotateLogs({
          method: request.method,
          route: routeOf(path) ?? "(no route)",
          // An interrupted request (the client went away) has no status.
          status: response?.status ?? (Exit.isInterrupted(exit) ? 499 : 500),
          duration_ms,
          trace_id: response?.headers["x-trace-id"] ?? null,
          key_id: facts.keyId ?? null
        })
      )
      return yield* exit
    })
  )
}
