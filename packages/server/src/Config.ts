/** Every setting of the service, read once through Effect's `Config` (environment variables). */
import { Config, Duration, LogLevel, Option } from "effect"
import { fileURLToPath } from "node:url"

/**
 * Where `.data/` goes by default: in a checkout the repository root, three levels up from this
 * module both as `src/Config.ts` (tsx) and as the built `dist/Config.js`, so the embedded
 * database's data directory does not depend on the cwd; when installed from npm (inside
 * `node_modules`) the working directory.
 */
const moduleDir = fileURLToPath(new URL(".", import.meta.url))
const repoRoot = moduleDir.split(/[\\/]/).includes("node_modules")
  ? `${process.cwd()}/`
  : fileURLToPath(new URL("../../../", import.meta.url))

export const AppConfig = Config.all({
  /** Port the HTTP server listens on. */
  port: Config.port("PORT").pipe(Config.withDefault(3000)),
  /** Interface to listen on; loopback unless told otherwise. */
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1")),
  /** An external Postgres; without it the embedded one is started. */
  databaseUrl: Config.option(Config.redacted("DATABASE_URL")),
  /** Where the embedded Postgres keeps its data (git-ignored). */
  dataDir: Config.string("PEOPLEKIT_DATA_DIR").pipe(Config.withDefault(`${repoRoot}.data/pg`)),
  /** Load the demo workspace; defaults to on for the embedded database, off for DATABASE_URL. */
  demo: Config.option(Config.boolean("PEOPLEKIT_DEMO")),
  /** A fixed secret for the demo key (scripts); otherwise a fresh key is made on every start. */
  demoKey: Config.option(Config.redacted(Config.nonEmptyString("PEOPLEKIT_DEMO_KEY"))),
  /** Connections in the database pool. */
  dbPoolSize: Config.integer("PEOPLEKIT_DB_POOL_SIZE").pipe(Config.withDefault(10)),
  /**
   * How long a found API key is reused without a database lookup; a revocation takes effect
   * within this time (expiry is always exact). `0 seconds` turns the cache off.
   */
  keyCacheTtl: Config.duration("PEOPLEKIT_KEY_CACHE_TTL").pipe(Config.withDefault(Duration.seconds(5))),
  /** Minimum level of log lines. */
  logLevel: Config.logLevel("LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info)),
  /** `json` (one JSON object per line, the default) or `pretty` (for a terminal). */
  logFormat: Config.literal("json", "pretty")("LOG_FORMAT").pipe(Config.withDefault("json" as const)),
  /** Where to export traces (OTLP over HTTP, `<endpoint>/v1/traces`); tracing is off without it. */
  otlpEndpoint: Config.option(Config.string("OTEL_EXPORTER_OTLP_ENDPOINT")),
  /** The `service.name` of exported spans. */
  serviceName: Config.string("OTEL_SERVICE_NAME").pipe(Config.withDefault("peoplekit"))
})
export type AppConfig = Config.Config.Success<typeof AppConfig>

/** Demo data is loaded on the embedded database unless PEOPLEKIT_DEMO says otherwise. */
export const wantsDemo = (config: AppConfig): boolean =>
  Option.getOrElse(config.demo, () => Option.isNone(config.databaseUrl))
