/**
 * The composed layers of the service: the database (external or embedded), migrations and demo
 * data, then the HTTP server. Everything slow is built before the server listens, so an early
 * client gets "connection refused" instead of a request that hangs.
 */
import { HttpApiBuilder, HttpMiddleware } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import * as Http from "@peoplekit/http"
import { Database, Embedded, layerWith as postgresAdapters } from "@peoplekit/postgres"
import { Console, Effect, Layer, Option, Redacted, Runtime } from "effect"
import { AppConfig, wantsDemo } from "./Config.js"
import { exampleCurl, loadDemo, newDemoSecret } from "./Demo.js"
import { ReadinessLive } from "./Health.js"
import { LoggingLive, TracingLive } from "./Observability.js"
import { makeServer, type RawErrorLog } from "./NodeServer.js"

/** A `SqlClient` on `DATABASE_URL`, or on the embedded Postgres when it is not set. */
export const DatabaseLive = Layer.unwrapScoped(
  Effect.gen(function*() {
    const config = yield* AppConfig
    if (Option.isSome(config.databaseUrl)) return Database.layer({ url: config.databaseUrl.value, maxConnections: config.dbPoolSize })
    yield* Effect.logInfo(`Starting the embedded Postgres in ${config.dataDir}`)
    const running = yield* Embedded.start({ dataDir: config.dataDir })
    return Database.layer({ url: running.url, maxConnections: config.dbPoolSize })
  })
)

/** The demo key's secret of this run (set once the demo data is loaded). */
export class DemoKey extends Effect.Service<DemoKey>()("@peoplekit/server/DemoKey", {
  succeed: { secret: Option.none<Redacted.Redacted<string>>() }
}) {}

/** Core's ports on a migrated database, with the demo data loaded when configured. */
export const PortsLive = Layer.unwrapEffect(
  Effect.gen(function*() {
    const config = yield* AppConfig
    const demo = wantsDemo(config)
    const secret = Option.getOrElse(config.demoKey, () => Redacted.make(newDemoSecret()))
    const prepare = Effect.gen(function*() {
      const applied = yield* Database.migrate
      yield* Effect.logInfo(applied.length === 0 ? "Migrations up to date" : `Applied migrations ${applied.map(([id, name]) => `${id}_${name}`).join(", ")}`)
      if (demo) yield* loadDemo(secret)
    })
    const ports = Layer.tap(postgresAdapters({ keyCacheTtl: config.keyCacheTtl }), (context) => Effect.provide(prepare, context))
    return Layer.merge(ports, Layer.succeed(DemoKey, DemoKey.make({ secret: demo ? Option.some(secret) : Option.none() })))
  })
).pipe(Layer.provideMerge(DatabaseLive))

/**
 * Prints where the service listens and, with demo data, a request to paste — on stderr, so that
 * stdout carries nothing but JSON log lines.
 */
const Banner = Layer.effectDiscard(
  Effect.gen(function*() {
    const config = yield* AppConfig
    const { secret } = yield* DemoKey
    const base = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${config.port}`
    yield* Console.error(`peoplekit listening on ${base}`)
    if (Option.isSome(secret)) {
      const key = Redacted.value(secret.value)
      yield* Console.error(`\nTry the demo (API key ${key}):\n\n${exampleCurl(base, key)}\n`)
    }
  })
)

/**
 * The platform's own request span is turned off: the API's middleware (`ErrorEnvelope`) makes
 * the request span, joining `traceparent` and naming the trace id every response carries; a
 * second server span per request would only double the cost and the traces.
 */
const PlatformRequestSpanOff = Layer.locallyScoped(HttpMiddleware.currentTracerDisabledWhen, () => true)

/** The HTTP server on HOST:PORT: one log line per request, `/readyz` asking the database. */
export const HttpServerLive = Layer.unwrapEffect(
  Effect.map(AppConfig, (config) =>
    HttpApiBuilder.serve(Http.RequestLog.middleware(Http.Api, Http.Operations.routes)).pipe(
      Layer.provide(Http.layer.pipe(Layer.provide(ReadinessLive))),
      HttpServerLayer(config.host, config.port),
      Layer.provide(PlatformRequestSpanOff)
    ))
)

/**
 * Node's server, whose own envelopes (408/414/431/400 before routing, 503 while shutting down)
 * are logged through the service's logger, like every other envelope's `log_id` line.
 */
const HttpServerLayer = (host: string, port: number) =>
  Layer.provide(Layer.unwrapEffect(Effect.map(Effect.runtime<never>(), (runtime) => {
    const log = (line: RawErrorLog) => {
      const write = line.status >= 500 ? Effect.logError : Effect.logWarning
      Runtime.runFork(runtime)(write(`${line.status} ${line.code}: ${line.message}`).pipe(Effect.annotateLogs({ ...line })))
    }
    return NodeHttpServer.layer(() => makeServer({ log }), { host, port })
  })))

/** The whole service: database first, then the server, then the banner; JSON logs, OTLP traces. */
export const ServiceLive = Banner.pipe(
  Layer.provide(HttpServerLive),
  Layer.provideMerge(PortsLive),
  Layer.provide(TracingLive),
  Layer.provide(LoggingLive)
)
