/**
 * The Node HTTP server with the limits Node enforces before Effect sees a request, answered in
 * the error envelope too (SPEC §4): 408 for a request that takes too long to arrive, 414 for an
 * over-long request line, 431 for oversized headers. Node would otherwise answer them bare.
 */
import { ErrorEnvelope } from "@peoplekit/http"
import { createServer, STATUS_CODES } from "node:http"
import type { Duplex } from "node:stream"

/** Longest request line accepted: the URI limit plus room for the method and version. */
export const MAX_REQUEST_LINE = ErrorEnvelope.MAX_URI_LENGTH + 32
/** Total size of the request line and headers Node accepts. */
export const MAX_HEADER_BYTES = 16 * 1024

const problemFor = (error: Error & { code?: string; rawPacket?: Buffer }): ErrorEnvelope.Problem<number> | undefined => {
  switch (error.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
    case "ERR_HTTP_HEADERS_TIMEOUT":
      return { status: 408, code: "REQUEST_TIMEOUT", message: "The request did not arrive in time" }
    case "HPE_HEADER_OVERFLOW": {
      // Node counts the request line as header bytes; a line that has not ended by the limit is
      // the URI's fault.
      const packet = error.rawPacket?.toString("latin1") ?? ""
      const lineEnd = packet.indexOf("\r\n")
      return lineEnd === -1 || lineEnd > MAX_REQUEST_LINE
        ? { status: 414, code: "URI_TOO_LONG", message: `The request line is longer than ${MAX_REQUEST_LINE} bytes` }
        : { status: 431, code: "HEADERS_TOO_LARGE", message: `The request headers are larger than ${MAX_HEADER_BYTES} bytes` }
    }
    default:
      return undefined
  }
}

const writeRaw = (socket: Duplex, problem: ErrorEnvelope.Problem<number>) => {
  const raw = ErrorEnvelope.toRaw(problem)
  const headers = Object.entries({ ...raw.headers, "content-length": String(Buffer.byteLength(raw.body)), connection: "close" })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("")
  socket.end(`HTTP/1.1 ${raw.status} ${STATUS_CODES[raw.status] ?? "Error"}\r\n${headers}\r\n${raw.body}`)
}

export interface Timeouts {
  /** Whole request (headers and body) must arrive within this (default 30 s). */
  readonly requestTimeoutMs?: number
  /** Headers must arrive within this (default 10 s). */
  readonly headersTimeoutMs?: number
  /** How often Node checks those timeouts (default 1 s). */
  readonly checkIntervalMs?: number
  /**
   * On shutdown, how long requests in flight may still take before their connections are cut
   * (default 10 s). Idle keep-alive connections are closed at once.
   */
  readonly shutdownGraceMs?: number
}

/** Default bound of the drain on shutdown. */
export const SHUTDOWN_GRACE_MS = 10_000

/** A `node:http` server whose pre-routing failures are answered in the envelope. */
export const makeServer = (timeouts: Timeouts = {}) => {
  const server = createServer({
    maxHeaderSize: MAX_HEADER_BYTES,
    requestTimeout: timeouts.requestTimeoutMs ?? 30_000,
    headersTimeout: timeouts.headersTimeoutMs ?? 10_000,
    connectionsCheckingInterval: timeouts.checkIntervalMs ?? 1_000
  })
  server.on("clientError", (error: Error & { code?: string }, socket: Duplex) => {
    const problem = socket.writable ? problemFor(error) : undefined
    if (problem === undefined) {
      // Malformed HTTP or a reset connection: nothing sensible to answer.
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
      else socket.destroy()
      return
    }
    writeRaw(socket, problem)
  })
  // The platform's finalizer calls `close()`, which stops accepting and waits for every
  // connection to end: in-flight requests finish, but a stalled one would hold the process.
  // Bound that wait; whatever is still open after the grace period is cut. A keep-alive
  // connection is closed as soon as its response is sent, and a request that arrives on one
  // after the app was detached gets a 503 (and `connection: close`) instead of no answer.
  let closing = false
  server.on("request", (_request, response) => {
    if (server.listenerCount("request") === 1) {
      const raw = ErrorEnvelope.toRaw({ status: 503, code: "SERVICE_UNAVAILABLE", message: "The server is shutting down; retry" })
      response.writeHead(raw.status, { ...raw.headers, connection: "close" }).end(raw.body)
      return
    }
    response.on("finish", () => {
      if (closing) setImmediate(() => server.closeIdleConnections())
    })
  })
  const close = server.close.bind(server)
  server.close = (callback?: (error?: Error) => void) => {
    closing = true
    const timer = setTimeout(() => server.closeAllConnections(), timeouts.shutdownGraceMs ?? SHUTDOWN_GRACE_MS)
    timer.unref()
    return close((error?: Error) => {
      clearTimeout(timer)
      callback?.(error)
    })
  }
  return server
}
