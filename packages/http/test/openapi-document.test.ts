// The OpenAPI 3.1 document served at /openapi.json: generated from the same HttpApi value, valid
// per a real OpenAPI validator, equal to the committed snapshot (docs/openapi.json) so contract
// changes are deliberate, with the error envelope (never the framework's decode error) for every
// error status. Refresh the snapshot with `UPDATE_SNAPSHOT=1 npx vitest run --project http openapi`.
import { Validator } from "@seriousme/openapi-schema-validator"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Api, OpenApiSpec, Operations } from "../src/index.js"
import { appLayer, expectEnvelope, makeApp, makeAppOver } from "./support.js"

const snapshotPath = fileURLToPath(new URL("../../../docs/openapi.json", import.meta.url))
const spec = OpenApiSpec.make(Api)
const text = `${JSON.stringify(spec, null, 2)}\n`

describe("the OpenAPI document", () => {
  it("matches the committed snapshot (UPDATE_SNAPSHOT=1 refreshes it)", () => {
    if (process.env.UPDATE_SNAPSHOT === "1" || process.env.UPDATE_SNAPSHOT === "true") writeFileSync(snapshotPath, text)
    expect(existsSync(snapshotPath), `${snapshotPath} is missing; run with UPDATE_SNAPSHOT=1`).toBe(true)
    expect(text, "the API contract changed: review the diff, then refresh with UPDATE_SNAPSHOT=1").toBe(readFileSync(snapshotPath, "utf8"))
  })

  it("is valid OpenAPI 3.1", async () => {
    const result = await new Validator().validate(structuredClone(spec))
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(spec.openapi).toBe("3.1.0")
  })

  it("documents the envelope for every error status of every operation, never HttpApiDecodeError", () => {
    expect(JSON.stringify(spec)).not.toContain("HttpApiDecodeError")
    const operations = Object.entries(spec.paths as Record<string, Record<string, any>>)
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => [`${method} ${path}`, op] as const))
    expect(operations.map(([name]) => name).sort()).toEqual([
      "get /v1/people/{person_id}", "get /v1/people/{person_id}/changes", "patch /v1/people/{person_id}"
    ])
    for (const [name, op] of operations) {
      const statuses = Object.keys(op.responses)
      expect(statuses, name).toEqual(expect.arrayContaining(["200", "400", "401", "403", "404", "405", "408", "414", "431", "500", "503"]))
      for (const status of statuses.filter((s) => s !== "200")) {
        const schema = op.responses[status].content["application/json"].schema
        const resolved = schema.$ref !== undefined ? spec.components.schemas[schema.$ref.split("/").pop()] : schema
        expect(resolved.required, `${name} ${status}`).toEqual(["code", "status", "title", "message", "meta"])
        expect(resolved.properties.status.enum, `${name} ${status}`).toEqual([Number(status)])
      }
    }
    const patch = spec.paths["/v1/people/{person_id}"].patch
    expect(Object.keys(patch.requestBody.content)).toEqual(["application/json", "application/vnd.api+json"])
  })

  it.scoped("is served at /openapi.json, rendered offline at /docs, with health and readiness", () =>
    Effect.gen(function*() {
      const app = yield* makeApp
      const served = yield* app.fetch("/openapi.json", { key: null })
      expect(served.status).toBe(200)
      expect(served.json).toEqual(spec)

      const docs = yield* app.fetch("/docs", { key: null })
      expect(docs.status).toBe(200)
      expect(docs.headers.get("content-type")).toBe("text/html; charset=utf-8")
      expect(docs.headers.get("content-security-policy")).toContain("default-src 'none'")
      // Nothing is loaded from anywhere: no external script, style, image or font.
      expect(docs.text).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i)
      expect(docs.text).not.toMatch(/https?:\/\/(?!www\.w3\.org)/)
      expect(docs.text).toContain("/v1/people/{person_id}/changes")

      expect(yield* app.fetch("/healthz", { key: null })).toMatchObject({ status: 200, json: { status: "ok" } })
      expect(yield* app.fetch("/readyz", { key: null })).toMatchObject({ status: 200, json: { status: "ready" } })
      const wrongMethod = yield* app.fetch("/healthz", { method: "POST", key: null })
      expect(expectEnvelope(wrongMethod, 405, "METHOD_NOT_ALLOWED").ok).toBe(true)
      expect(wrongMethod.headers.get("allow")).toBe("GET")
    }))

  it.scoped("/readyz answers a 503 envelope naming the failing checks when the provided readiness says so", () =>
    Effect.gen(function*() {
      const notReady = Layer.succeed(Operations.Readiness, {
        check: Effect.succeed({ ready: false, checks: { database: "ok" as const, migrations: { error: "applied 0, expected 1" } } })
      })
      const app = yield* makeAppOver(Layer.provide(appLayer, notReady))
      const reply = yield* app.fetch("/readyz", { key: null })
      const checked = expectEnvelope(reply, 503, "SERVICE_UNAVAILABLE")
      expect(checked.ok, reply.text).toBe(true)
      expect(checked.body.details).toEqual({ checks: { database: "ok", migrations: { error: "applied 0, expected 1" } } })
      expect(reply.headers.get("retry-after")).toBe("1")
      expect((yield* app.fetch("/healthz", { key: null })).status).toBe(200)
    }))
})
