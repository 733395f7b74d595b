/**
 * The Node HTTP server with the limits Node enforces before Effect sees a request, answered in
 * the error envelope too (SPEC §4): 408 for a request that takes too long to arrive, 414 for an
 * over-long request line, 431 for oversized headers, 400 for HTTP that Node's parser refuses
 * (conflicting or malformed `Content-Length`, bad chunking, …). Node would otherwise answer
 * them bare. Each such answer is logged once, under the envelope's `log_id`.
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
      // The parser's refusals (HPE_*): the bytes are not a request we can route.
      return error.code?.startsWith("HPE_")
        ? { status: 400, code: "BAD_REQUEST", message: "The request is not well-formed HTTP/1.1" }
        : undefined
  }
}

/** What is logged for an envelope the Node server answers itself (the `log_id` line of SPEC §4). */
export interface RawErrorLog {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly log_id: string
  readonly trace_id: string
  /** Node's error code (`HPE_…`, `ERR_HTTP_…`), when Node reported one. */
  readonly reason?: string
}

const logged = (problem: ErrorEnvelope.Problem<number>, log: Options["log"], reason?: string) => {
  const raw = ErrorEnvelope.toRaw(problem)
  log?.({
    status: raw.status,
    code: problem.code,
    message: problem.message,
    log_id: raw.logId,
    trace_id: raw.headers["x-trace-id"],
    ...(reason === undefined ? {} : { reason })
  })
  return raw
}

const writeRaw = (socket: Duplex, problem: ErrorEnvelope.Problem<number>, log: Options["log"], reason?: string) => {
  const raw = logged(problem, log, reason)
  const headers = Object.entries({ ...raw.headers, "content-length": String(Buffer.byteLength(raw.body)), connection: "close" })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("")
  socket.end(`HTTP/1.1 ${raw.status} ${STATUS_CODES[raw.status] ?? "Error"}\r\n${headers}\r\n${raw.body}`)
}

export interface Options {
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
  /** Called once for every envelope the server answers itself (none is logged without it). */
  readonly log?: (line: RawErrorLog) => void
}


/** Default bound of the drain on shutdown. */
export const SHUTDOWN_GRACE_MS = 10_000

/** A `node:http` server whose pre-routing failures are answered in the envelope. */
export const makeServer = (timeouts: Options = {}) => {
  const server = createServer({
    maxHeaderSize: MAX_HEADER_BYTES,
    requestTimeout: timeouts.requestTimeoutMs ?? 30_000,
    headersTimeout: timeouts.headersTimeoutMs ?? 10_000,
    connectionsCheckingInterval: timeouts.checkIntervalMs ?? 1_000
  })
  server.on("clientError", (error: Error & { code?: string }, socket: Duplex) => {
    const problem = socket.writable ? problemFor(error) : undefined
    if (problem === undefined) {
      // A reset connection, or a failure Node names no code for: nothing sensible to answer.
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
      else socket.destroy()
      return
    }
    writeRaw(socket, problem, timeouts.log, error.code)
  })
  // The platform's finalizer calls `close()`, which stops accepting and waits for every
  // connection to end: in-flight requests finish, but a stalled one would hold the process.
  // Bound that wait; whatever is still open after the grace period is cut. A keep-alive
  // connection is closed as soon as its response is sent, and a request that arrives on one
  // after the app was detached gets a 503 (and `connection: close`) instead of no answer.
  let closing = false
  server.on("request", (_request, response) => {
    if (server.listenerCount("request") === 1) {
      const raw = logged({ status: 503, code: "SERVICE_UNAVAILABLE", message: "The server is shutting down; retry" }, timeouts.log)
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
