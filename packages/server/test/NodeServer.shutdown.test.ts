// The drain on shutdown is bounded: `close()` waits for requests in flight, but cuts what is
// still open after the grace period, so a stalled client cannot hold the process forever.
import { describe, expect, it } from "vitest"
import type { Server } from "node:http"
import { connect } from "node:net"
import { makeServer } from "../src/NodeServer.js"

const listen = (server: Server) =>
  new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)))

describe("the Node server's shutdown", () => {
  it("lets a request in flight finish within the grace period", async () => {
    const server = makeServer({ shutdownGraceMs: 2_000 })
    server.on("request", (req, res) => {
      req.resume()
      req.on("end", () => res.end("done"))
    })
    const port = await listen(server)
    const socket = connect(port, "127.0.0.1")
    let answer = ""
    socket.on("data", (chunk) => (answer += chunk))
    const socketClosed = new Promise<void>((resolve) => socket.on("close", () => resolve()))
    socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab")
    await new Promise((resolve) => setTimeout(resolve, 100))
    const closed = new Promise<number>((resolve) => {
      const start = Date.now()
      server.close(() => resolve(Date.now() - start))
    })
    await new Promise((resolve) => setTimeout(resolve, 200))
    socket.write("cd")
    const millis = await closed
    await socketClosed
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*done$/)
    // The keep-alive connection was closed once its response was sent, not at the grace limit.
    expect(millis).toBeLessThan(1_500)
  })

  it("answers 503 to a request arriving after the app was detached, and closes that connection", async () => {
    const server = makeServer()
    const port = await listen(server)
    const socket = connect(port, "127.0.0.1")
    let answer = ""
    socket.on("data", (chunk) => (answer += chunk))
    const socketClosed = new Promise<void>((resolve) => socket.on("close", () => resolve()))
    socket.write("GET /v1/people/x HTTP/1.1\r\nHost: x\r\n\r\n")
    await socketClosed
    expect(answer).toMatch(/^HTTP\/1\.1 503 /)
    expect(answer.toLowerCase()).toContain("connection: close")
    expect(answer).toContain('"code":"SERVICE_UNAVAILABLE"')
    server.close()
  })

  it("cuts a stalled request after the grace period", async () => {
    const server = makeServer({ shutdownGraceMs: 300, requestTimeoutMs: 60_000, headersTimeoutMs: 60_000 })
    server.on("request", (req, res) => {
      req.resume()
      req.on("end", () => res.end("done"))
    })
    const port = await listen(server)
    const socket = connect(port, "127.0.0.1")
    const socketClosed = new Promise<void>((resolve) => socket.on("close", () => resolve()))
    socket.on("error", () => {})
    // Headers and part of a body that never completes.
    socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab")
    await new Promise((resolve) => setTimeout(resolve, 100))
    const start = Date.now()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const millis = Date.now() - start
    await socketClosed
    expect(millis).toBeGreaterThanOrEqual(250)
    expect(millis).toBeLessThan(2_000)
  })
})
