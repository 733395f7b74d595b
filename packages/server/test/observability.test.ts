// Logs and traces of the composed service over real HTTP: every stdout log line is JSON, one per
// request (route template, status, duration, trace id, key id, never the secret or body); spans
// for the HTTP request, core's program and each SQL statement reach an OTLP/HTTP collector (a
// tiny one on loopback, in the test) under the incoming traceparent's trace id; /healthz and
// /readyz answer from the real database.
import { describe, expect, it } from "@effect/vitest"
import * as Testing from "@peoplekit/postgres/Testing"
import { ConfigProvider, Effect, Exit, FiberRef, HashSet, Layer, Logger, Redacted, Scope } from "effect"
import { createServer as createHttpServer } from "node:http"
import { DEMO_PERSON, keyIdOf } from "../src/Demo.js"
import { ServiceLive } from "../src/Layers.js"
import { LoggingLive } from "../src/Observability.js"
import { exchange, freePort } from "./support.js"


/** An OTLP/HTTP collector that keeps every JSON body POSTed to /v1/traces. */
const collector = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly bodies: Array<any>; readonly close: () => void }>((resume) => {
    const bodies: Array<any> = []
    const server = createHttpServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (c: Buffer) => chunks.push(c))
      request.on("end", () => {
        if (request.url === "/v1/traces") bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")))
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, bodies, close: () => server.close() }))
    })
  }),
  (c) => Effect.sync(c.close)
)

const KEY = "observability-test-demo-key"

describe("logs and traces", () => {
  it.live("JSON lines per request and error; OTLP spans for request, program and SQL under the traceparent", () =>
    Effect.gen(function*() {
      const otlp = yield* collector
      const url = yield* Testing.freshDatabase
      const port = yield* freePort
      const lines: Array<string> = []
      const capture = { ...console, log: (...args: Array<unknown>) => void lines.push(args.map(String).join(" ")) }
      const config = ConfigProvider.fromMap(new Map([
        ["DATABASE_URL", Redacted.value(url)],
        ["PORT", String(port)],
        ["PEOPLEKIT_DEMO", "true"],
        ["PEOPLEKIT_DEMO_KEY", KEY],
        ["LOG_LEVEL", "INFO"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT", otlp.url],
        ["OTEL_SERVICE_NAME", "peoplekit-test"]
      ]))
      const scope = yield* Scope.make()
      const originalLog = console.log
      console.log = capture.log
      let unauthorized: any
      let refused: any
      try {
        yield* Layer.buildWithScope(ServiceLive, scope).pipe(Effect.withConfigProvider(config))
        const base = `http://127.0.0.1:${port}`
        const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
        const body = JSON.stringify({ data: { type: "people", id: DEMO_PERSON, attributes: { job_title: "Chief Observer" } } })
        const patched = yield* Effect.promise(() =>
          fetch(`${base}/v1/people/${DEMO_PERSON}`, {
            method: "PATCH",
            headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
            body
          }))
        expect(patched.status).toBe(200)
        expect(patched.headers.get("x-trace-id")).toBe(traceId)
        unauthorized = yield* Effect.promise(() => fetch(`${base}/v1/people/${DEMO_PERSON}/changes`).then((r) => r.json() as Promise<any>))
        expect(unauthorized.code).toBe("UNAUTHORIZED")
        const health = yield* Effect.promise(() => fetch(`${base}/healthz`).then(async (r) => [r.status, await r.json()] as const))
        expect(health).toEqual([200, { status: "ok" }])
        const ready = yield* Effect.promise(() => fetch(`${base}/readyz`).then(async (r) => [r.status, await r.json()] as const))
        expect(ready).toEqual([200, { status: "ready", checks: { database: "ok", migrations: "ok" } }])
        // Framing Node refuses is answered before routing; its envelope is logged too.
        const raw = yield* Effect.promise(() =>
          exchange(port, `PATCH /v1/people/${DEMO_PERSON} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}`)
        )
        refused = JSON.parse(raw.split("\r\n\r\n")[1]!)
        expect(refused.code).toBe("BAD_REQUEST")
      } finally {
        yield* Scope.close(scope, Exit.void)
        console.log = originalLog
      }

      // Every line is JSON; one per request, one more per error with its log_id.
      // (The banner with the demo key goes to stderr; stdout is only JSON log lines.)
      const parsed = lines.map((l) => JSON.parse(l))
      const requests = parsed.filter((l) => l.message === "request").map((l) => l.annotations)
      expect(requests).toEqual([
        { method: "PATCH", route: "/v1/people/:person_id", status: 200, duration_ms: expect.any(Number), trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", key_id: keyIdOf(KEY) },
        { method: "GET", route: "/v1/people/:person_id/changes", status: 401, duration_ms: expect.any(Number), trace_id: expect.stringMatching(/^[0-9a-f]{32}$/), key_id: null },
        { method: "GET", route: "/healthz", status: 200, duration_ms: expect.any(Number), trace_id: expect.any(String), key_id: null },
        { method: "GET", route: "/readyz", status: 200, duration_ms: expect.any(Number), trace_id: expect.any(String), key_id: null }
      ])
      expect(parsed.find((l) => l.annotations?.log_id === unauthorized.meta.log_id)?.annotations).toMatchObject({ status: 401, code: "UNAUTHORIZED" })
      expect(parsed.find((l) => l.annotations?.log_id === refused.meta.log_id)).toMatchObject({
        logLevel: "WARN",
        annotations: { status: 400, code: "BAD_REQUEST", reason: "HPE_UNEXPECTED_CONTENT_LENGTH", trace_id: refused.meta.trace_id }
      })
      expect(lines.join("\n")).not.toContain(KEY)
      expect(lines.join("\n")).not.toContain("Chief Observer")

      // The spans of the PATCH, exported on shutdown at the latest.
      const spans = otlp.bodies.flatMap((b) => b.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans)))
      const traced = spans.filter((s: any) => s.traceId === "4bf92f3577b34da6a3ce929d0e0e4736").map((s: any) => s.name)
      expect(traced).toEqual(expect.arrayContaining(["http PATCH", "UpdatePerson.updatePerson", "PgPersonRepository.load", "PgPersonRepository.save", "sql.execute"]))
      expect(traced.filter((n: string) => n === "sql.execute").length).toBeGreaterThanOrEqual(2)
      // One server span per request: the platform's own `http.server …` span is off.
      expect(traced.filter((n: string) => n === "http PATCH")).toHaveLength(1)
      expect(spans.filter((s: any) => s.name.startsWith("http.server"))).toEqual([])
      const service = otlp.bodies[0].resourceSpans[0].resource.attributes.find((a: any) => a.key === "service.name")
      expect(service.value.stringValue).toBe("peoplekit-test")
    }).pipe(Effect.scoped), { timeout: 60_000 })

  it.effect("LoggingLive replaces every logger, so runMain's pretty logger does not double the lines", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const original = console.log
      console.log = (...args: Array<unknown>) => void lines.push(args.map(String).join(" "))
      yield* Effect.logInfo("hello").pipe(
        Effect.annotateLogs({ key_id: "k" }),
        Effect.provide(LoggingLive),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["LOG_LEVEL", "INFO"]]))),
        // What NodeRuntime.runMain installs by default.
        Effect.locally(FiberRef.currentLoggers, HashSet.make<Array<Logger.Logger<unknown, unknown>>>(Logger.prettyLoggerDefault)),
        Effect.ensuring(Effect.sync(() => (console.log = original)))
      )
      expect(lines).toHaveLength(1)
      expect(JSON.parse(lines[0]!)).toMatchObject({ message: "hello", logLevel: "INFO", annotations: { key_id: "k" } })
    }))
})
