/** The API value documents itself: OpenAPI generation works and names the bearer scheme. */
import { OpenApi } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Api } from "../src/index.js"

describe("OpenAPI", () => {
  it("describes both endpoints with bearer security and the envelopes", () => {
    const spec = OpenApi.fromApi(Api)
    const operations = spec.paths["/v1/people/{person_id}"]!
    expect(Object.keys(operations).sort()).toEqual(expect.arrayContaining(["get", "patch"]))
    expect(Object.keys(spec.components.securitySchemes ?? {})).toContain("bearer")
    expect(Object.keys(operations.patch!.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "404", "412", "413", "415"]))
  })
})
