// Limits Node enforces before routing still answer in the error envelope (SPEC §4).
import { describe, expect, it } from "@effect/vitest"
import type { Server } from "node:http"
import { makeServer, MAX_HEADER_BYTES, type RawErrorLog } from "../src/NodeServer.js"
import { exchange } from "./support.js"

const listen = (server: Server) =>
  new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)))

const parse = (answer: string) => {
  const [head, body] = answer.split("\r\n\r\n")
  return { statusLine: head!.split("\r\n")[0], head: head!.toLowerCase(), body: JSON.parse(body!) }
}

describe("the Node server's own limits", () => {
  it("answers an over-long request line with 414, oversized headers with 431, a slow request with 408 and refused framing with 400, each logged once", async () => {
    const logged: Array<RawErrorLog> = []
    const server = makeServer({ headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 100, log: (line) => logged.push(line) })
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

      // Framing Node's parser refuses is a 400 envelope, and the connection is closed.
      const framings = [
        "PATCH / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "PATCH / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
        "PATCH / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}"
      ]
      for (const request of framings) {
        const refused = parse(await exchange(port, request))
        expect(refused.statusLine, request).toBe("HTTP/1.1 400 Bad Request")
        expect(refused.head).toContain("connection: close")
        expect(refused.body).toMatchObject({ code: "BAD_REQUEST", status: 400, meta: { log_id: expect.any(String) } })
      }

      // Every envelope answered here was logged once, under its own log_id.
      expect(logged.map((line) => line.status)).toEqual([414, 431, 408, 400, 400, 400])
      expect(new Set(logged.map((line) => line.log_id)).size).toBe(logged.length)
      expect(logged[0]).toMatchObject({ code: "URI_TOO_LONG", trace_id: long.body.meta.trace_id, log_id: long.body.meta.log_id })
      expect(logged[3]!.reason).toMatch(/^HPE_/)
    } finally {
      server.close()
    }
  }, 10_000)
})
