// Graceful shutdown (issue 4 item 7) of the real process as `npm start` runs it, on its embedded
// Postgres: on SIGTERM (and SIGINT) the server stops accepting connections, finishes the PATCH
// that is in flight (its body still arriving when the signal comes), closes the pool, stops the
// embedded database and exits 0, leaving no postgres process behind.
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import { connect, createServer, type Socket } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
const PERSON = "c4d5e6f7-8a9b-40c1-92d3-e4f5a6b7c8d9"

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })

/** PIDs of processes whose command line mentions `needle` (Linux /proc). */
const processesWith = (needle: string): Array<number> =>
  fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(needle) ? [Number(pid)] : []
    } catch {
      return []
    }
  })

const startService = async (port: number, dataDir: string, key: string) => {
  const env: Record<string, string | undefined> = { ...process.env, PORT: String(port), PEOPLEKIT_DATA_DIR: dataDir, PEOPLEKIT_DEMO_KEY: key, LOG_LEVEL: "WARN" }
  delete env.DATABASE_URL
  const child = spawn(process.execPath, ["--conditions=@peoplekit/source", "--import", "tsx", "packages/server/src/main.ts"], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout!.on("data", (chunk) => (output += chunk))
  child.stderr!.on("data", (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  const deadline = Date.now() + 60_000
  while (!output.includes("peoplekit listening on")) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the service did not start:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { child, exited, output: () => output }
}

/** Starts a PATCH over a raw socket and sends only the first half of its body. */
const startSlowPatch = (port: number, key: string, title: string) => {
  const body = JSON.stringify({ data: { type: "people", id: PERSON, attributes: { job_title: title } } })
  const socket: Socket = connect(port, "127.0.0.1")
  let answer = ""
  socket.on("data", (chunk) => (answer += chunk.toString("utf8")))
  const ended = new Promise<string>((resolve) => {
    socket.on("close", () => resolve(answer))
    socket.on("error", () => resolve(answer))
  })
  const half = Math.floor(body.length / 2)
  socket.write(
    `PATCH /v1/people/${PERSON} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`
  )
  return {
    finish: () => socket.write(body.slice(half)),
    /** Resolves with the full answer once the server closes the connection (or after the response). */
    response: async () => {
      const deadline = Date.now() + 20_000
      while (!/\r\n\r\n[\s\S]*\}$/.test(answer) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      socket.destroy()
      await ended
      return answer
    }
  }
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1")
    socket.on("connect", () => {
      socket.destroy()
      resolve(false)
    })
    socket.on("error", () => resolve(true))
  })

/** One service process, one signal: the whole scenario; returns what to report. */
const scenario = async (signal: "SIGTERM" | "SIGINT") => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "peoplekit-shutdown-"))
  fs.chmodSync(dataDir, 0o755)
  const port = await freePort()
  const key = `shutdown-test-key-${signal}`
  let child: ChildProcess | undefined
  try {
    const service = await startService(port, dataDir, key)
    child = service.child
    const postgres = processesWith(dataDir)
    expect(postgres.length).toBeGreaterThan(0)

    const slow = startSlowPatch(port, key, `finished during ${signal}`)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const signalledAt = Date.now()
    child.kill(signal)
    await new Promise((resolve) => setTimeout(resolve, 500))
    // No new connections once shutting down; the one in flight still completes.
    expect(await refused(port), signal).toBe(true)
    expect(child.exitCode, signal).toBe(null)
    slow.finish()
    const answer = await slow.response()
    expect(answer, service.output()).toMatch(/^HTTP\/1\.1 200 OK/)
    expect(answer).toContain(`"job_title":"finished during ${signal}"`)

    const code = await Promise.race([service.exited, new Promise((resolve) => setTimeout(() => resolve("timeout"), 20_000))])
    const shutdownMillis = Date.now() - signalledAt
    expect(code, service.output()).toBe(0)
    // The embedded database was stopped, not orphaned.
    expect(processesWith(dataDir), signal).toEqual([])
    expect(fs.existsSync(path.join(dataDir, "postmaster.pid")), signal).toBe(false)
    return `${signal}: in-flight PATCH answered 200, process exited ${code} ${shutdownMillis} ms after the signal`
  } finally {
    if (child !== undefined && child.exitCode === null) child.kill("SIGKILL")
    for (const pid of processesWith(dataDir)) {
      try {
        process.kill(pid, "SIGQUIT")
      } catch {
        // already gone
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

describe("graceful shutdown of the service process", () => {
  // Two processes side by side (they start in parallel): one stopped by SIGTERM, one by SIGINT.
  it("on SIGTERM and on SIGINT: stops accepting, finishes the in-flight PATCH, stops the embedded Postgres, exits 0", async () => {
    const reports = await Promise.all([scenario("SIGTERM"), scenario("SIGINT")])
    for (const report of reports) console.log(report)
  }, 120_000)
})
