// API keys (SPEC §5, issue 4 item 6) on the composed service over real HTTP: only hashes are
// stored (no secret anywhere in a dump of every table, nor in any log line of any level);
// revoked and expired keys and every malformed Authorization get 401 with one and the same body;
// a read-only key gets 403 on PATCH; the Bearer scheme is case-insensitive.
import { createHash } from "node:crypto"
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Fixtures } from "@peoplekit/core"
import { Database, layer as PostgresAdapters } from "@peoplekit/postgres"
import * as Testing from "@peoplekit/postgres/Testing"
import { ConfigProvider, Context, Effect, HashMap, Layer, Logger, Redacted } from "effect"
import { ServiceLive } from "../src/Layers.js"
import { freePort, patchDoc, type Reply, request, uuid } from "./support.js"


const normalised = (reply: Reply) => {
  const body = JSON.parse(reply.text)
  body.meta = { trace_id: "<trace>", log_id: "<log>" }
  const headers: Array<[string, string]> = []
  reply.headers.forEach((value, name) => {
    if (!["date", "x-trace-id", "content-length"].includes(name)) headers.push([name, value])
  })
  return JSON.stringify({ status: reply.status, headers, body })
}

describe("API keys on the composed service", () => {
  it.live("only hashes stored, nothing secret logged; 401 for revoked/expired/malformed alike; 403 for read-only; Bearer in any case", () =>
    Effect.gen(function*() {
      const url = yield* Testing.freshDatabase
      const port = yield* freePort
      const lines: Array<string> = []
      // Capture the service's log lines whichever way it writes them: through the logger set of
      // the layer (replaced here) and on the console (the service installs its own JSON logger).
      const methods = ["log", "info", "warn", "error", "debug", "trace"] as const
      const originals = methods.map((m) => console[m])
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          for (const m of methods) console[m] = (...args: Array<unknown>) => void lines.push(args.map(String).join(" "))
        }),
        () => Effect.sync(() => methods.forEach((m, i) => (console[m] = originals[i]!)))
      )
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ annotations, message }) => {
          lines.push(JSON.stringify({ message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) }))
        })
      )
      const config = ConfigProvider.fromMap(new Map([
        ["DATABASE_URL", Redacted.value(url)],
        ["PORT", String(port)],
        ["PEOPLEKIT_DEMO", "false"],
        ["LOG_LEVEL", "ALL"],
        ["LOG_FORMAT", "json"]
      ]))
      yield* Layer.build(ServiceLive.pipe(Layer.provide(capture))).pipe(Effect.withConfigProvider(config))

      // Keys, loaded through the adapters (which store the SHA-256 only).
      const workspace = uuid()
      const person = uuid()
      const key = (name: string) => {
        const id = uuid()
        return { id, secret: `pk_${id}_${name}${uuid().replace(/-/g, "")}` }
      }
      const write = key("write")
      const read = key("read")
      const revoked = key("revoked")
      const expired = key("expired")
      const all = [write, read, revoked, expired]
      const fixtures: Fixtures.FixturesInput = {
        workspaces: [{ id: workspace, name: "Keys" }],
        people: [{ id: person, workspace_id: workspace, first_name: "Key", last_name: "Holder" }],
        api_keys: [
          { ...write, scopes: ["people:write"], workspaces: [workspace] },
          { ...read, scopes: ["people:read"], workspaces: [workspace] },
          { ...revoked, scopes: ["people:write"], workspaces: [workspace], revoked_at: "2026-01-01T00:00:00.000Z" },
          { ...expired, scopes: ["people:write"], workspaces: [workspace], expires_at: "2000-01-01T00:00:00.000Z" }
        ]
      }
      const admin = yield* Layer.build(PostgresAdapters.pipe(Layer.provideMerge(Database.layer({ url, maxConnections: 2 }))))
      yield* Context.get(admin, Fixtures.FixtureLoader).load(yield* Fixtures.decode(fixtures).pipe(Effect.orDie))
      const sql = Context.get(admin, SqlClient.SqlClient)

      const base = `http://127.0.0.1:${port}`
      const path = `/v1/people/${person}`
      const send = (authorization: string | undefined, method: "GET" | "PATCH" = "PATCH", title = "t") =>
        Effect.promise(() =>
          request(base, path, {
            method,
            headers: authorization === undefined ? {} : { authorization },
            ...(method === "PATCH" ? { body: patchDoc(person, { job_title: title }) } : {})
          })
        )

      // Bearer in any case, any surrounding white space.
      let n = 0
      for (const scheme of ["Bearer", "bearer", "BEARER", "bEaReR"]) {
        const reply = yield* send(`${scheme} ${write.secret}`, "PATCH", `title ${++n}`)
        expect(reply.status, scheme).toBe(200)
      }
      expect((yield* send(`Bearer   ${write.secret}  `, "PATCH", "spaced")).status).toBe(200)

      // A read-only key reads but may not write.
      expect((yield* send(`Bearer ${read.secret}`, "GET")).status).toBe(200)
      const forbidden = yield* send(`Bearer ${read.secret}`)
      expect([forbidden.status, forbidden.json.code]).toEqual([403, "FORBIDDEN"])

      // Every reason for a 401 gives the same answer (apart from trace and log ids).
      const refused: Record<string, string | undefined> = {
        revoked: `Bearer ${revoked.secret}`,
        expired: `Bearer ${expired.secret}`,
        unknown: `Bearer pk_${uuid()}_unknown`,
        "known key id, wrong secret": `Bearer pk_${write.id}_wrong`,
        missing: undefined,
        basic: `Basic ${Buffer.from(`user:${write.secret}`).toString("base64")}`,
        "empty token": "Bearer ",
        "scheme only": "Bearer",
        "other scheme": `Token ${write.secret}`,
        "no space": `Bearer${write.secret}`,
        empty: ""
      }
      const bodies = new Set<string>()
      for (const [reason, authorization] of Object.entries(refused)) {
        for (const method of ["GET", "PATCH"] as const) {
          const reply = yield* send(authorization, method)
          expect([reply.status, reply.json?.code], `${reason} ${method}`).toEqual([401, "UNAUTHORIZED"])
          expect(reply.headers.get("www-authenticate")).toBe("Bearer")
          bodies.add(normalised(reply))
        }
      }
      // One body for GET and one for PATCH at most (they differ in nothing today).
      expect(bodies.size).toBe(1)

      // Only the SHA-256 of each secret is stored …
      const stored = yield* sql<{ id: string; hash: string }>`SELECT id, encode(secret_sha256, 'hex') AS hash FROM api_keys`
      for (const k of all) {
        expect(stored.find((s) => s.id === k.id)?.hash).toBe(createHash("sha256").update(k.secret).digest("hex"))
      }
      // … and no secret (nor its random part) appears in any row of any table …
      const tables = yield* sql<{ name: string }>`
        SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`
      expect(tables.length).toBeGreaterThan(5)
      let dump = ""
      for (const { name } of tables) {
        const rows = yield* sql.unsafe<{ row: string }>(`SELECT t::text AS row FROM "${name}" t`)
        dump += rows.map((r) => r.row).join("\n")
      }
      expect(dump).toContain(write.id)
      // … nor in any log line the service wrote (all levels, annotations included).
      const logs = lines.join("\n")
      expect(logs).toContain("UNAUTHORIZED")
      for (const k of all) {
        const random = k.secret.slice(k.secret.lastIndexOf("_") + 1)
        for (const secret of [k.secret, random]) {
          expect(dump.includes(secret), `secret of ${k.id} in the database`).toBe(false)
          expect(logs.includes(secret), `secret of ${k.id} in the logs`).toBe(false)
        }
      }
      // The log says why (for operators), the client never does.
      expect(logs).toMatch(/\\?"reason\\?":\\?"revoked/)
      expect(logs).toMatch(/\\?"reason\\?":\\?"expired/)
    }).pipe(Effect.scoped), { timeout: 60_000 })
})
