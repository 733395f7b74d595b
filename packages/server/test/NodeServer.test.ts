// Limits Node enforces before routing still answer in the error envelope (SPEC §4).
import { describe, expect, it } from "@effect/vitest"
import type { Server } from "node:http"
import { connect } from "node:net"
import { makeServer, MAX_HEADER_BYTES } from "../src/NodeServer.js"

const listen = (server: Server) =>
  new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)))

/** Sends raw bytes (optionally leaving the request unfinished) and returns everything answered. */
const exchange = (port: number, request: string) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect(port, "127.0.0.1")
    let answer = ""
    socket.on("data", (chunk) => (answer += chunk.toString("utf8")))
    socket.on("end", () => resolve(answer))
    socket.on("error", reject)
    socket.write(request)
  })

const parse = (answer: string) => {
  const [head, body] = answer.split("\r\n\r\n")
  return { statusLine: head!.split("\r\n")[0], head: head!.toLowerCase(), body: JSON.parse(body!) }
}

describe("the Node server's own limits", () => {
  it("answers an over-long request line with 414, oversized headers with 431 and a slow request with 408", async () => {
    const server = makeServer({ headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 100 })
    server.on("request", (_req, res) => res.end("ok"))
    const port = await listen(server)
    try {
      const long = parse(await exchange(port, `GET /${"a".repeat(MAX_HEADER_BYTES + 10)} HTTP/1.1\r\nHost: x\r\n\r\n`))
      expect(long.statusLine).toBe("HTTP/1.1 414 URI Too Long")
      expect(long.body).toMatchObject({ code: "URI_TOO_LONG", status: 414, meta: { trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) } })

      const headers = parse(await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(MAX_HEADER_BYTES + 10)}\r\n\r\n`))
      expect(headers.statusLine).toBe("HTTP/1.1 431 Request Header Fields Too Large")
      expect(headers.body).toMatchObject({ code: "HEADERS_TOO_LARGE", status: 431 })
      expect(headers.head).toContain("content-type: application/json")

      const slow = parse(await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\n`))
      expect(slow.statusLine).toBe("HTTP/1.1 408 Request Timeout")
      expect(slow.body).toMatchObject({ code: "REQUEST_TIMEOUT", status: 408, title: "Request Timeout" })
    } finally {
      server.close()
    }
  }, 10_000)
})
