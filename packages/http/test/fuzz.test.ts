// Fuzzed input (issue 4 item 4): property tests that send over 10,000 generated requests through
// the in-process HTTP handler — arbitrary JSON, near-valid documents with one field mutated,
// odd methods, headers and path ids (upper case, whitespace, 10 kB, not a uuid, NUL, lone
// surrogates), huge and deeply nested bodies, invalid UTF-8 — and check for every one: never a
// 5xx, every error in the envelope, and the store unchanged unless the answer is 200.
import { HttpApiBuilder } from "@effect/platform"
import { ApiKeyRepository, PersonRepository, Transactor } from "@peoplekit/core"
import { InMemory } from "@peoplekit/core/testing"
import { Context, Effect, Exit, FastCheck as fc, Layer, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { appLayerWith, decoded, ids, keys, OKAFOR_ROBOTICS, OTHER_PERSON, REMY, W1, W2 } from "./support.js"

type Store = Effect.Effect.Success<typeof InMemory.makePorts>["store"]

let handler: (request: Request) => Promise<Response>
let dispose: () => Promise<void>
let store: Store
let scope: Scope.CloseableScope
let sent = 0
const statuses: Record<number, number> = {}

beforeAll(async () => {
  scope = Effect.runSync(Scope.make())
  const ports = await Effect.runPromise(Effect.gen(function*() {
    const ports = yield* InMemory.makePorts
    yield* ports.fixtures.load(decoded)
    return ports
  }).pipe(Scope.extend(scope)))
  store = ports.store
  const layer = appLayerWith(Layer.succeedContext(
    Context.make(PersonRepository, ports.people).pipe(
      Context.add(ApiKeyRepository, ports.apiKeys),
      Context.add(Transactor, ports.transactor)
    )
  ))
  const web = HttpApiBuilder.toWebHandler(layer)
  handler = web.handler
  dispose = web.dispose
})

afterAll(async () => {
  console.log(`fuzz: ${sent} requests, statuses ${JSON.stringify(statuses)}`)
  await dispose?.()
  await Effect.runPromise(Scope.close(scope, Exit.void))
})

interface Generated {
  readonly method: string
  readonly path: string
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body?: string | Uint8Array | undefined
}

const ENVELOPE_KEYS = new Set(["code", "status", "title", "message", "details", "meta"])

/** Sends one request and checks the invariants; returns a description of a violation, if any. */
const check = async (g: Generated): Promise<void> => {
  const headers = new Headers()
  for (const [name, value] of g.headers) {
    try {
      headers.append(name, value)
    } catch {
      // A header the Fetch API itself refuses to send (e.g. a NUL in the value) cannot reach us.
    }
  }
  const before = Effect.runSync(store.get)
  const hasBody = g.body !== undefined && g.method !== "GET" && g.method !== "HEAD"
  const response = await handler(
    new Request(`http://localhost${g.path}`, { method: g.method, headers, ...(hasBody ? { body: g.body as BodyInit } : {}) })
  )
  const text = await response.text()
  sent++
  statuses[response.status] = (statuses[response.status] ?? 0) + 1
  const what = `${g.method} ${g.path.slice(0, 120)} → ${response.status} ${text.slice(0, 300)}`
  expect(response.status, what).toBeLessThan(500)
  expect(response.status === 200 || response.status >= 400, what).toBe(true)
  const after = Effect.runSync(store.get)
  if (response.status !== 200) {
    // The very same maps: nothing written (or written and rolled back).
    expect(after.people === before.people && after.changes === before.changes, `${what}: store changed`).toBe(true)
  }
  if (response.status >= 400 && g.method !== "HEAD") {
    const body = JSON.parse(text)
    expect(Object.keys(body).every((k) => ENVELOPE_KEYS.has(k)), what).toBe(true)
    expect(body.status, what).toBe(response.status)
    expect(body.code, what).toMatch(/^[A-Z][A-Z0-9_]*$/)
    expect(typeof body.title === "string" && typeof body.message === "string", what).toBe(true)
    expect(body.meta.trace_id, what).toMatch(/^[0-9a-f]{32}$/)
    expect(typeof body.meta.log_id, what).toBe("string")
    expect(response.headers.get("content-type"), what).toBe("application/json")
    expect(response.headers.get("x-trace-id"), what).toBe(body.meta.trace_id)
  }
}

// ---------------------------------------------------------------------------------------------
// Generators

/** Strings with the characters that break things: NUL, controls, lone surrogates, NBSP, emoji. */
const nasty = fc.oneof(
  fc.string(),
  fc.string16bits({ maxLength: 20 }),
  fc.constantFrom("\u0000", "a\u0000b", "\ud800", "x\udfffy", "\u00a0", "  ", "", "\u007f", "😀", "e\u0301", "\n\t"),
  fc.string({ unit: "binary", maxLength: 30 })
)

const scalar = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null))
const anyJson = fc.oneof({ weight: 3, arbitrary: fc.jsonValue() }, { weight: 1, arbitrary: scalar })

const companyIds = [OKAFOR_ROBOTICS, ids.northwind, ids.otherCompany, ids.missing]
const linkage = (type: string, pool: ReadonlyArray<string>, meta: fc.Arbitrary<Record<string, unknown>>) =>
  fc.record({ type: fc.constant(type), id: fc.constantFrom(...pool), meta }, { requiredKeys: ["type", "id"] })

/** A document that is valid (or nearly: unknown ids, other workspace's ids). */
const validDoc = fc.record({
  data: fc.record({
    type: fc.constant("people"),
    id: fc.constant(REMY),
    attributes: fc.record({
      first_name: fc.constantFrom("Remy", "Ada", " Grace "),
      last_name: fc.constantFrom("Okafor", "Lovelace"),
      job_title: fc.constantFrom("Founder", "CEO", null)
    }, { requiredKeys: [] }),
    relationships: fc.record({
      companies: fc.record({
        data: fc.array(linkage("companies", companyIds, fc.record({ relationship_type: fc.constantFrom("owner", "employee", "contact", "other") })), { maxLength: 3 })
      }),
      emails: fc.record({
        data: fc.array(linkage("emails", [ids.workEmail, ids.personalEmail], fc.record({ is_primary: fc.boolean() })), { maxLength: 2 })
      }),
      phones: fc.record({ data: fc.array(linkage("phones", [ids.phone], fc.constant({})), { maxLength: 1 }) }),
      web_links: fc.record({ data: fc.array(linkage("web_links", [ids.webLink], fc.constant({})), { maxLength: 1 }) })
    }, { requiredKeys: [] })
  }, { requiredKeys: ["type", "id"] })
})

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/** Every path (as keys) in a JSON value. */
const pathsOf = (value: Json, prefix: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> => {
  const here = [prefix]
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => pathsOf(v, [...prefix, i]))]
  if (value !== null && typeof value === "object") {
    return [...here, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v as Json, [...prefix, k]))]
  }
  return here
}

const mutateAt = (value: Json, path: ReadonlyArray<string | number>, mutation: { kind: "set" | "delete" | "add"; key: string; value: unknown }): unknown => {
  if (path.length === 0) {
    if (mutation.kind === "add" && value !== null && typeof value === "object" && !Array.isArray(value)) {
      return { ...value, [mutation.key]: mutation.value }
    }
    return mutation.kind === "delete" ? undefined : mutation.value
  }
  const [head, ...rest] = path
  if (Array.isArray(value)) {
    const copy: Array<unknown> = [...value]
    const next = mutateAt(value[head as number] as Json, rest, mutation)
    if (next === undefined) copy.splice(head as number, 1)
    else copy[head as number] = next
    return copy
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, Json>) }
  const next = mutateAt((value as Record<string, Json>)[head as string] as Json, rest, mutation)
  if (next === undefined) delete copy[head as string]
  else copy[head as string] = next
  return copy
}

/** A valid document with exactly one field replaced, removed, or one member added. */
const nearValid = validDoc.chain((doc) => {
  const paths = pathsOf(doc as unknown as Json)
  return fc.record({
    path: fc.constantFrom(...paths),
    kind: fc.constantFrom("set" as const, "delete" as const, "add" as const),
    key: fc.oneof(fc.constantFrom("included", "meta", "links", "jsonapi", "full_name", "created_at", "social_links", "id", "type", "data"), nasty),
    value: fc.oneof(anyJson, fc.constantFrom("2026-01-12T09:31:00.000Z", "Remy Okafor", REMY, REMY.toUpperCase(), ids.missing, "people", "companies", [], {}))
  }).map((m) => mutateAt(doc as unknown as Json, m.path, m))
})

const serialise = (value: unknown): string | undefined => {
  try {
    return JSON.stringify(value)
  } catch {
    return undefined
  }
}

const encodePathSegment = (s: string): string => {
  try {
    return encodeURIComponent(s)
  } catch {
    return "%ED%A0%80" // a lone surrogate cannot be percent-encoded as UTF-8: send its bytes
  }
}

const personPath = fc.oneof(
  { weight: 6, arbitrary: fc.constant(REMY) },
  { weight: 1, arbitrary: fc.constantFrom(REMY.toUpperCase(), OTHER_PERSON, ids.missing, ` ${REMY}`, `${REMY} `, "%20" + REMY, `${REMY}%00`, "%00", "%ED%A0%80", "%ff", "..", "%2F", "a".repeat(10 * 1024)) },
  { weight: 2, arbitrary: nasty.map(encodePathSegment) },
  { weight: 1, arbitrary: fc.uuid().map((u) => u.toUpperCase()) }
)

const query = fc.oneof(
  { weight: 4, arbitrary: fc.constant("") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "?include=companies,emails", "?include=", "?include=nope", "?include=companies&include=emails", `?workspaceId=${W1}`,
      `?workspaceId=${W2}`, `?workspace_id=${W1}&workspaceId=${W2}`, "?workspaceId=not-a-uuid", "?fields[people]=first_name",
      "?fields[nope]=x", "?fields[people]=", "?%00=%00", "?include=%ED%A0%80"
    )
  },
  { weight: 1, arbitrary: fc.array(fc.tuple(nasty, nasty), { maxLength: 3 }).map((pairs) => "?" + pairs.map(([k, v]) => `${encodePathSegment(k)}=${encodePathSegment(v)}`).join("&")) }
)

const authorization = fc.oneof(
  { weight: 8, arbitrary: fc.constant(`Bearer ${keys.write}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      `bearer ${keys.write}`, `BEARER   ${keys.write}  `, `Bearer ${keys.read}`, `Bearer ${keys.revoked}`, `Bearer ${keys.expired}`,
      `Bearer ${keys.other}`, "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "", `Token ${keys.write}`, `Bearer ${keys.write}x`
    )
  },
  { weight: 1, arbitrary: fc.string().map((s) => `Bearer ${s}`) }
)

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "application/vnd.api+json", "application/json; charset=utf-8", "application/json; charset=latin1", "application/vnd.api+json; charset=utf-8",
      "application/vnd.api+json; ext=x", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "*/*",
      "application/merge-patch+json", "APPLICATION/JSON"
    )
  },
  { weight: 1, arbitrary: fc.string() }
)

const extraHeaders = fc.array(
  fc.oneof(
    fc.tuple(fc.constant("if-match"), fc.oneof(fc.constantFrom("*", '"1"', '"2"', 'W/"1"', '"1", "2"', "", '"x"', '"99999999999999999999"'), fc.string())),
    fc.tuple(fc.constant("traceparent"), fc.oneof(fc.constantFrom("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "ff-" + "0".repeat(32) + "-" + "0".repeat(16) + "-00"), fc.string())),
    fc.tuple(fc.constantFrom("accept", "content-length", "transfer-encoding", "x-forwarded-for", "cookie", "content-encoding"), fc.string()),
    fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.string())
  ),
  { maxLength: 3 }
)

const request = (body: fc.Arbitrary<string | Uint8Array | undefined>, method: fc.Arbitrary<string> = fc.constant("PATCH")) =>
  fc.record({ method, id: personPath, query, authorization, contentType, extra: extraHeaders, body }).map((r): Generated => ({
    method: r.method,
    path: `/v1/people/${r.id}${r.query}`,
    headers: [["authorization", r.authorization], ["content-type", r.contentType], ...r.extra],
    body: r.body
  }))

const validBody = validDoc.map((d) => JSON.stringify(d))

// ---------------------------------------------------------------------------------------------

const run = (arbitrary: fc.Arbitrary<Generated>, numRuns: number) =>
  fc.assert(fc.asyncProperty(arbitrary, check), { numRuns, endOnFailure: true })

describe("fuzzed requests through the in-process handler", () => {
  it("arbitrary JSON and arbitrary text as the body (3,000)", async () => {
    await run(request(fc.oneof(anyJson.map(serialise), fc.string(), fc.string16bits({ maxLength: 50 }), validBody.map((s) => s.slice(0, Math.max(1, s.length - 7))))), 3_000)
  }, 180_000)

  it("near-valid documents with one field mutated (4,000)", async () => {
    await run(request(nearValid.map(serialise)), 4_000)
  }, 180_000)

  it("valid documents with odd methods, headers, path ids and queries (2,000)", async () => {
    await run(request(fc.option(validBody, { nil: undefined, freq: 10 }), fc.constantFrom("PATCH", "PATCH", "PATCH", "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD")), 2_000)
  }, 180_000)

  it("huge, deeply nested, NUL / lone-surrogate and invalid UTF-8 bodies (1,000)", async () => {
    const deep = fc.integer({ min: 100, max: 200_000 }).chain((depth) =>
      fc.constantFrom(
        "[".repeat(depth) + "]".repeat(depth),
        '{"data":{"type":"people","id":"' + REMY + '","meta":' + '{"a":'.repeat(depth) + "1" + "}".repeat(depth) + "}}",
        '{"data":{"type":"people","id":"' + REMY + '","attributes":{"job_title":' + "[".repeat(depth) + "]".repeat(depth) + "}}}"
      ))
    const huge = fc.integer({ min: 1_000_000, max: 1_100_000 }).map((size) =>
      JSON.stringify({ data: { type: "people", id: REMY, attributes: { job_title: "x".repeat(size) } } }))
    const long = fc.integer({ min: 256, max: 5_000 }).map((size) =>
      JSON.stringify({ data: { type: "people", id: REMY, attributes: { first_name: "é".repeat(size) } } }))
    const manyLinks = fc.integer({ min: 990, max: 1_010 }).map((n) =>
      JSON.stringify({ data: { type: "people", id: REMY, relationships: { companies: { data: Array.from({ length: n }, () => ({ type: "companies", id: OKAFOR_ROBOTICS })) } } } }))
    const nasties = fc.constantFrom("\u0000", "\\u0000", "\\ud800", "\\udfff", "a\\u0000b", "\\u001f", "\\u007f", " \\u00a0 ").map((s) =>
      `{"data":{"type":"people","id":"${REMY}","attributes":{"first_name":"${s}","job_title":"${s}"}}}`)
    const invalidUtf8 = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => {
      const prefix = new TextEncoder().encode(`{"data":{"type":"people","id":"${REMY}","attributes":{"first_name":"`)
      const out = new Uint8Array(prefix.length + bytes.length + 4)
      out.set(prefix)
      out.set(bytes, prefix.length)
      out.set([0xed, 0xa0, 0x80, 0x22], prefix.length + bytes.length)
      return out
    })
    await run(request(fc.oneof(
      { weight: 3, arbitrary: deep },
      { weight: 1, arbitrary: huge },
      { weight: 2, arbitrary: long },
      { weight: 1, arbitrary: manyLinks },
      { weight: 3, arbitrary: nasties },
      { weight: 3, arbitrary: invalidUtf8 }
    )), 1_000)
  }, 180_000)

  it("sent at least 10,000 requests", () => {
    expect(sent).toBeGreaterThanOrEqual(10_000)
  })
})
