/**
 * In-process test harness: the whole API over `HttpApiBuilder.toWebHandler` against core's
 * in-memory adapters, with a fixed clock, driven by real `Request`/`Response` objects.
 */
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { ApiKeyRepository, Fixtures, PersonRepository, Transactor } from "@peoplekit/core"
import { InMemory } from "@peoplekit/core/testing"
import { Clock, Context, type Duration, Effect, HashMap, Layer, Logger, Schema } from "effect"
import * as Http from "../src/index.js"

/** The fixed "now" of every test (after the fixtures' timestamps and the expired key's expiry). */
export const NOW = "2026-03-01T12:00:00.000Z"
const nowMillis = Date.parse(NOW)

const fixedClock: Clock.Clock = {
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => nowMillis,
  unsafeCurrentTimeNanos: () => BigInt(nowMillis) * 1_000_000n,
  currentTimeMillis: Effect.sync(() => nowMillis),
  currentTimeNanos: Effect.sync(() => BigInt(nowMillis) * 1_000_000n),
  sleep: (duration: Duration.Duration) => Effect.sleep(duration).pipe(Effect.withClock(Clock.make()))
}

export const W1 = "7d3b2a10-5c4e-4f6a-8b9c-0d1e2f3a4b5c"
export const W2 = "9e8d7c6b-5a49-4382-9170-a6b5c4d3e2f1"
/** A workspace no key has a membership on. */
export const W3 = "3a3a3a3a-3a3a-43a3-83a3-3a3a3a3a3a3a"
export const REMY = "c4d5e6f7-8a9b-40c1-92d3-e4f5a6b7c8d9"
export const OKAFOR_ROBOTICS = "b2c3d4e5-6f70-4812-93a4-b5c6d7e8f9a0"
export const OTHER_PERSON = "f1e2d3c4-b5a6-4978-8a1b-2c3d4e5f6a7b"
export const ids = {
  northwind: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
  workEmail: "e1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8",
  personalEmail: "e2b3c4d5-e6f7-4081-9203-b4c5d6e7f8a9",
  phone: "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9",
  webLink: "1b2c3d4e-5f60-4172-8384-a5b6c7d8e9f0",
  otherCompany: "2c3d4e5f-6071-4283-9495-b6c7d8e9f0a1",
  missing: "00000000-0000-4000-8000-000000000001"
}

export const keys = {
  write: "pk_write_secret",
  read: "pk_read_secret",
  revoked: "pk_revoked_secret",
  expired: "pk_expired_secret",
  multi: "pk_multi_secret",
  other: "pk_other_secret"
}

export const fixtures: Fixtures.FixturesInput = {
  workspaces: [{ id: W1, name: "Demo" }, { id: W2, name: "Other" }, { id: W3, name: "Nobody's" }],
  people: [
    { id: REMY, workspace_id: W1, first_name: "Remy", last_name: "Okafor", job_title: "Founder", created_at: "2026-01-12T09:31:00.000Z" },
    { id: OTHER_PERSON, workspace_id: W2, first_name: "Imani", last_name: "Rossi", job_title: "CTO", created_at: "2026-02-03T14:05:00.000Z" }
  ],
  companies: [
    { id: OKAFOR_ROBOTICS, workspace_id: W1, name: "Okafor Robotics", domain: "okafor-robotics.example", description: "Warehouse robots", created_at: "2026-01-10T08:00:00.000Z" },
    { id: ids.northwind, workspace_id: W1, name: "Northwind Traders", domain: "northwind.example", created_at: "2026-01-11T08:00:00.000Z" },
    { id: ids.otherCompany, workspace_id: W2, name: "Initech", created_at: "2026-02-01T08:00:00.000Z" }
  ],
  emails: [
    { id: ids.workEmail, workspace_id: W1, value: "remy@okafor-robotics.example", label: "work", created_at: "2026-01-12T09:31:00.000Z" },
    { id: ids.personalEmail, workspace_id: W1, value: "remy.okafor@mail.example", label: "personal", created_at: "2026-01-12T09:31:00.000Z" }
  ],
  phones: [{ id: ids.phone, workspace_id: W1, e164_number: "+14155550123", label: "mobile", created_at: "2026-01-12T09:31:00.000Z" }],
  web_links: [{ id: ids.webLink, workspace_id: W1, url: "https://www.linkedin.com/in/remy-okafor-demo", platform: "linkedin", created_at: "2026-01-12T09:31:00.000Z" }],
  links: [
    { workspace_id: W1, person_id: REMY, kind: "companies", id: OKAFOR_ROBOTICS, relationship_type: "owner" },
    { workspace_id: W1, person_id: REMY, kind: "emails", id: ids.workEmail, is_primary: true },
    { workspace_id: W1, person_id: REMY, kind: "phones", id: ids.phone, is_primary: true },
    { workspace_id: W1, person_id: REMY, kind: "web_links", id: ids.webLink },
    { workspace_id: W2, person_id: OTHER_PERSON, kind: "companies", id: ids.otherCompany, relationship_type: "employee" }
  ],
  api_keys: [
    { id: "0b000000-0000-4000-8000-000000000001", secret: keys.write, scopes: ["people:write"], workspaces: [W1] },
    { id: "0b000000-0000-4000-8000-000000000002", secret: keys.read, scopes: ["people:read"], workspaces: [W1] },
    { id: "0b000000-0000-4000-8000-000000000003", secret: keys.revoked, scopes: ["people:write"], workspaces: [W1], revoked_at: "2026-02-01T00:00:00.000Z" },
    { id: "0b000000-0000-4000-8000-000000000004", secret: keys.expired, scopes: ["people:write"], workspaces: [W1], expires_at: "2026-02-01T00:00:00.000Z" },
    { id: "0b000000-0000-4000-8000-000000000005", secret: keys.multi, scopes: ["people:write"], workspaces: [W1, W2], default_workspace: W1 },
    { id: "0b000000-0000-4000-8000-000000000006", secret: keys.other, scopes: ["people:write"], workspaces: [W2] }
  ]
}

/** The fixtures, decoded. */
export const decoded = Schema.decodeUnknownSync(Fixtures.Fixtures)(fixtures)

type Ports = PersonRepository | ApiKeyRepository | Transactor

/** Log lines written by every app built here (tests look up a `log_id`). */
export const logs: Array<{ readonly message: unknown; readonly annotations: Record<string, unknown> }> = []
const captureLogs = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ annotations, message }) => {
    const record: Record<string, unknown> = {}
    for (const [key, value] of HashMap.toEntries(annotations)) record[key] = value
    logs.push({ message, annotations: record })
  })
)

/** The API over `ports`, at the fixed clock, logging into `logs`. */
export const appLayerWith = (ports: Layer.Layer<Ports>) =>
  Layer.mergeAll(Http.layer, HttpServer.layerContext, Layer.setClock(fixedClock), captureLogs).pipe(Layer.provide(ports))

/** The API over fresh in-memory ports loaded with the fixtures. */
export const appLayer = appLayerWith(InMemory.layer(decoded))

/** In-memory ports loaded with the fixtures, with some services replaced (failure injection). */
export const portsWith = (
  override: (ports: Effect.Effect.Success<typeof InMemory.makePorts>) => {
    readonly people?: Context.Tag.Service<PersonRepository>
    readonly transactor?: Context.Tag.Service<Transactor>
  }
): Layer.Layer<Ports> =>
  Layer.scopedContext(
    Effect.gen(function*() {
      const ports = yield* InMemory.makePorts
      yield* ports.fixtures.load(decoded)
      const replaced = override(ports)
      return Context.make(PersonRepository, replaced.people ?? ports.people).pipe(
        Context.add(ApiKeyRepository, ports.apiKeys),
        Context.add(Transactor, replaced.transactor ?? ports.transactor)
      )
    })
  )

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

export interface RequestInit {
  readonly method?: string
  readonly headers?: Record<string, string>
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown
  /** Bearer key to send (default: the write key); `null` sends no Authorization header. */
  readonly key?: string | null
}

export interface App {
  readonly fetch: (path: string, init?: RequestInit) => Effect.Effect<Reply>
  readonly handler: (request: Request) => Promise<Response>
}

export const toReply = async (response: Response): Promise<Reply> => {
  const text = await response.text()
  let json: unknown = undefined
  try {
    json = text === "" ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

/** A fresh app over `layer` (default: fresh store) for one test, disposed with the test's scope. */
export const makeAppOver = (layer: typeof appLayer) => Effect.acquireRelease(
  Effect.sync(() => HttpApiBuilder.toWebHandler(layer)),
  (web) => Effect.promise(() => web.dispose())
).pipe(
  Effect.map((web): App => ({
    handler: (request) => web.handler(request),
    fetch: (path, init = {}) =>
      Effect.promise(() => {
        const headers: Record<string, string> = { ...init.headers }
        const key = init.key === undefined ? keys.write : init.key
        if (key !== null && headers["authorization"] === undefined) headers["authorization"] = `Bearer ${key}`
        const body = init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body)
        if (body !== undefined && headers["content-type"] === undefined) headers["content-type"] = "application/json"
        return web.handler(new Request(`http://localhost${path}`, { method: init.method ?? "GET", headers, ...(body === undefined ? {} : { body }) }))
          .then(toReply)
      })
  }))
)

/** A fresh app (fresh store) for one test. */
export const makeApp = makeAppOver(appLayer)

/** The example PATCH body of the SPEC and the issue. */
export const examplePatch = {
  data: {
    type: "people",
    id: REMY,
    attributes: { job_title: "Founder and CEO" },
    relationships: {
      companies: { data: [{ type: "companies", id: OKAFOR_ROBOTICS, meta: { relationship_type: "employee" } }] }
    }
  }
}


/** The envelope's exact member set (`details` only when present). */
export const expectEnvelope = (reply: Reply, status: number, code: string) => {
  const body = reply.json
  const keys = Object.keys(body ?? {}).sort()
  const expected = ["code", "message", "meta", "status", "title", ...(body?.details === undefined ? [] : ["details"])].sort()
  return {
    ok: reply.status === status && body?.code === code && body?.status === status &&
      JSON.stringify(keys) === JSON.stringify(expected) &&
      JSON.stringify(Object.keys(body.meta).sort()) === JSON.stringify(["log_id", "trace_id"]) &&
      /^[0-9a-f]{32}$/.test(body.meta.trace_id) && body.meta.log_id.length > 0 &&
      reply.headers.get("x-trace-id") === body.meta.trace_id &&
      reply.headers.get("content-type") === "application/json" &&
      typeof body.title === "string" && typeof body.message === "string",
    body
  }
}
