/**
 * A small TCP proxy on 127.0.0.1 between the pool and a real Postgres, which a test can cut and
 * restore to simulate an outage without touching the shared database server:
 * - `refuse`: existing connections are dropped and new ones refused (a database that went down);
 * - `blackhole`: existing connections are dropped, new ones are accepted but never answered
 *   (a host that stopped responding; only timeouts end the wait).
 */
import * as net from "node:net"
import { Effect, Redacted, type Scope } from "effect"

export type Mode = "open" | "refuse" | "blackhole"

export interface Proxy {
  /** `url` with the proxy's host and port. */
  readonly url: Redacted.Redacted<string>
  readonly port: number
  readonly setMode: (mode: Mode) => Effect.Effect<void>
  /** Connections accepted so far (a pool that reconnects makes new ones). */
  readonly accepted: () => number
}

const listen = (server: net.Server, port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject)
      resolve((server.address() as net.AddressInfo).port)
    })
  })

/** A proxy to the database of `target` for the scope; the returned URL goes through it. */
export const make = (target: Redacted.Redacted<string>): Effect.Effect<Proxy, never, Scope.Scope> =>
  Effect.gen(function*() {
    const parsed = new URL(Redacted.value(target))
    const targetHost = parsed.hostname
    const targetPort = Number(parsed.port || 5432)
    let mode: Mode = "open"
    let accepted = 0
    const sockets = new Set<net.Socket>()
    const track = (socket: net.Socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
      socket.on("error", () => socket.destroy())
    }
    const server = net.createServer((client) => {
      accepted++
      track(client)
      if (mode === "blackhole") return // accepted, never answered
      const upstream = net.connect(targetPort, targetHost)
      track(upstream)
      client.pipe(upstream)
      upstream.pipe(client)
      client.on("close", () => upstream.destroy())
      upstream.on("close", () => client.destroy())
    })
    const port = yield* Effect.promise(() => listen(server, 0))
    const dropAll = () => {
      for (const socket of sockets) socket.destroy()
    }
    const setMode = (next: Mode) =>
      Effect.promise(async () => {
        if (next !== "open") dropAll()
        if (next === "refuse" && server.listening) await new Promise<void>((resolve) => server.close(() => resolve()))
        if (next !== "refuse" && !server.listening) await listen(server, port)
        mode = next
      })
    yield* Effect.addFinalizer(() =>
      Effect.promise(() => {
        dropAll()
        return server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve()
      })
    )
    parsed.hostname = "127.0.0.1"
    parsed.port = String(port)
    return { url: Redacted.make(parsed.toString()), port, setMode, accepted: () => accepted }
  })
