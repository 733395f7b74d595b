/**
 * `npm run bench`: the benchmark on a fresh database — `peoplekit_bench` on the server of
 * DATABASE_URL (dropped and recreated), or a throwaway embedded Postgres without it. Prints the
 * summary table and writes `bench-results.json` at the repository root. Settings (environment):
 *
 * BENCH_DURATION (s, default 10) · BENCH_CONNECTIONS (32) · BENCH_ROUNDS (3) · BENCH_WARMUP (s, 4)
 * BENCH_PEOPLE (10000) · BENCH_COMPANIES (1000) · BENCH_POOL_SIZE (10) · BENCH_KEY_CACHE_MS (5000)
 * BENCH_DATABASE (peoplekit_bench) · BENCH_PLAN_SIZES (1000,10000,100000)
 * BENCH_ROUND_TRIP_SIZES (1,10,100,1000) · BENCH_OUTPUT (<repo>/bench-results.json)
 * BENCH_RUNTIME (bundle | tsx: how the server and the baseline run)
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Embedded } from "@peoplekit/postgres"
import { Effect, Redacted } from "effect"
import * as Dataset from "./Dataset.js"
import { repoRoot, run, summary } from "./Run.js"

const env = process.env
const int = (name: string, fallback: number) => {
  const value = env[name]
  if (value === undefined || value === "") return fallback
  const parsed = Number(value)
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative number, got ${value}`)
  return parsed
}
const list = (name: string, fallback: ReadonlyArray<number>) =>
  env[name] ? env[name]!.split(",").map((item) => Number(item.trim())) : fallback

const log = (line: string) => console.log(line)

const main = async (url: string, database: "external" | "embedded") => {
  log(`Migrating ${database === "external" ? new URL(url).pathname.slice(1) : "the embedded database"} ...`)
  await Dataset.migrate(url)
  const results = await run({
    url,
    database,
    sizes: { ...Dataset.defaultSizes, people: int("BENCH_PEOPLE", 10_000), companies: int("BENCH_COMPANIES", 1_000) },
    duration: int("BENCH_DURATION", 10),
    connections: int("BENCH_CONNECTIONS", 32),
    rounds: Math.max(1, int("BENCH_ROUNDS", 3)),
    warmup: int("BENCH_WARMUP", 4),
    poolSize: int("BENCH_POOL_SIZE", 10),
    keyCacheMs: int("BENCH_KEY_CACHE_MS", 5_000),
    runtime: env.BENCH_RUNTIME === "tsx" ? "tsx" : "bundle",
    roundTripSizes: list("BENCH_ROUND_TRIP_SIZES", [1, 10, 100, 1000]),
    planSizes: list("BENCH_PLAN_SIZES", [1_000, 10_000, 100_000]),
    log
  })
  const output = env.BENCH_OUTPUT ?? path.join(repoRoot, "bench-results.json")
  fs.writeFileSync(output, JSON.stringify(results, null, 2) + "\n")
  log(`\n${summary(results)}\n\nWritten to ${output}`)
}

const started = Date.now()
const adminUrl = env.DATABASE_URL
const program = adminUrl !== undefined && adminUrl !== ""
  ? Effect.promise(async () => main(await Dataset.recreateDatabase(adminUrl, env.BENCH_DATABASE ?? "peoplekit_bench"), "external"))
  : Effect.scoped(
    Effect.gen(function*() {
      log("No DATABASE_URL: starting a throwaway embedded Postgres ...")
      const dataDir = path.join(repoRoot, ".data", "bench-pg")
      fs.rmSync(dataDir, { recursive: true, force: true })
      const running = yield* Embedded.start({ dataDir, database: env.BENCH_DATABASE ?? "peoplekit_bench" })
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dataDir, { recursive: true, force: true })))
      yield* Effect.promise(() => main(Redacted.value(running.url), "embedded"))
    })
  )

Effect.runPromise(program).then(
  () => log(`Done in ${Math.round((Date.now() - started) / 1000)} s`),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
