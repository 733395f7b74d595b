/**
 * The routes for operators and tooling next to the API: `GET /healthz` (the process is up),
 * `GET /readyz` (its dependencies are ready, else a 503 envelope), `GET /openapi.json` and
 * `GET /docs` (a self-contained page rendering the document: no CDN, works offline).
 * They are plain routes, not part of the `/v1` contract, and need no API key.
 */
import { type HttpApi, HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Context, Effect, Layer } from "effect"
import { renderDocsPage } from "./DocsPage.js"
import * as ErrorEnvelope from "./ErrorEnvelope.js"
import * as OpenApiSpec from "./OpenApiSpec.js"

/** The outcome of one readiness check: `"ok"` or why it is not. */
export type CheckResult = "ok" | { readonly error: string }

/** The readiness of the service, and which checks fail. */
export interface ReadinessReport {
  readonly ready: boolean
  readonly checks: Readonly<Record<string, CheckResult>>
}

/**
 * What `/readyz` asks. The composition root provides the real checks (database reachable, latest
 * migration applied); without one, a process that serves is ready.
 */
export class Readiness extends Context.Reference<Readiness>()("@peoplekit/http/Readiness", {
  defaultValue: () => ({ check: Effect.succeed<ReadinessReport>({ ready: true, checks: {} }) })
}) {}

/** Method and path of every operations route (for 405 answers). */
export const routes: ReadonlyArray<{ readonly method: string; readonly path: string }> = [
  { method: "GET", path: "/healthz" },
  { method: "GET", path: "/readyz" },
  { method: "GET", path: "/openapi.json" },
  { method: "GET", path: "/docs" }
]

const noStore = { "cache-control": "no-store" }

/** The operations routes for `api` (its OpenAPI document is built once, on first use). */
export const layer = (api: HttpApi.HttpApi.Any): Layer.Layer<never> =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function*() {
      // Read when the layer is built, so `Layer.provide(Http.layer, readinessLayer)` is enough.
      const readiness = yield* Readiness
      let spec: Record<string, unknown> | undefined
      let page: string | undefined
      const specOf = () => (spec ??= OpenApiSpec.make(api))

      yield* router.get("/healthz", Effect.succeed(HttpServerResponse.unsafeJson({ status: "ok" }, { headers: noStore })))
      yield* router.get(
        "/readyz",
        Effect.gen(function*() {
          const report = yield* readiness.check.pipe(
            Effect.catchAllCause(() => Effect.succeed<ReadinessReport>({ ready: false, checks: { readiness: { error: "the check failed" } } }))
          )
          if (report.ready) return HttpServerResponse.unsafeJson({ status: "ready", checks: report.checks }, { headers: noStore })
          const error = yield* ErrorEnvelope.envelope({
            status: 503,
            code: "SERVICE_UNAVAILABLE",
            message: "The service is not ready",
            details: { checks: report.checks }
          })
          return ErrorEnvelope.toResponse(error, noStore)
        })
      )
      yield* router.get("/openapi.json", Effect.sync(() => HttpServerResponse.unsafeJson(specOf())))
      yield* router.get(
        "/docs",
        Effect.sync(() =>
          HttpServerResponse.text((page ??= renderDocsPage(specOf())), {
            contentType: "text/html; charset=utf-8",
            // The page loads nothing: its script and styles are inline, the document is embedded.
            headers: { "content-security-policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'" }
          }))
      )
    })
  )
