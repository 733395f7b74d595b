/**
 * Logs and traces of the service. Logs are one JSON object per line on stdout (`LOG_FORMAT=pretty`
 * for a terminal) at `LOG_LEVEL`; the HTTP layer writes one line per request and one per error.
 * Traces (the HTTP request span, core's `Effect.fn` spans, one `sql.execute` span per statement)
 * are exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; the request span joins
 * an incoming W3C `traceparent`.
 */
import { Effect, FiberRef, HashSet, Layer, Logger, Option } from "effect"
import { AppConfig } from "./Config.js"

/**
 * Exactly one logger: JSON (or pretty) lines at LOG_LEVEL, for every layer and fiber of the
 * service. It replaces the whole logger set, not only the default logger, so a runtime that
 * installed its own (NodeRuntime.runMain adds a pretty one) does not print every line twice.
 */
export const LoggingLive = Layer.unwrapEffect(
  Effect.map(AppConfig, (config) =>
    Layer.mergeAll(
      Layer.locallyScoped(
        FiberRef.currentLoggers,
        HashSet.make<Array<Logger.Logger<unknown, unknown>>>(
          config.logFormat === "json" ? Logger.withConsoleLog(Logger.jsonLogger) : Logger.prettyLoggerDefault
        )
      ),
      Logger.minimumLogLevel(config.logLevel)
    ))
)

/** `<endpoint>/v1/traces`, as the OTLP exporter specification builds it from the base endpoint. */
export const tracesUrl = (endpoint: string): string => `${endpoint.replace(/\/+$/, "")}/v1/traces`

/**
 * OTLP trace export when OTEL_EXPORTER_OTLP_ENDPOINT is set; nothing otherwise. The OpenTelemetry
 * SDK is loaded only then: a service that does not export traces does not carry it in memory.
 */
export const TracingLive = Layer.unwrapEffect(
  Effect.flatMap(AppConfig, (config) =>
    Option.match(config.otlpEndpoint, {
      onNone: () => Effect.succeed(Layer.empty),
      onSome: (endpoint) =>
        Effect.promise(async () => {
          const [{ NodeSdk }, { OTLPTraceExporter }, { BatchSpanProcessor }] = await Promise.all([
            import("@effect/opentelemetry"),
            import("@opentelemetry/exporter-trace-otlp-http"),
            import("@opentelemetry/sdk-trace-base")
          ])
          return NodeSdk.layer(() => ({
            resource: { serviceName: config.serviceName },
            spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(endpoint) }), {
              scheduledDelayMillis: 1000
            }),
            shutdownTimeout: "5 seconds"
          }))
        })
    }))
)
