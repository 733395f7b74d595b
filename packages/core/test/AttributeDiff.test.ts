import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Option, Schema } from "effect"
import * as AttributeDiff from "../src/AttributeDiff.js"
import { AttributeText, fullNameOf, type PersonPatch, patchedAttributes } from "../src/Person.js"

const name = fc.constantFrom("Remy", "Okafor", "Ada", "Lovelace", "Zoë")
const title = fc.option(fc.constantFrom("CEO", "CTO", "Founder and CEO"), { nil: undefined }).map(Option.fromNullable)
const person = fc.record({ first_name: name, last_name: name, job_title: title }).map((p) => ({
  ...p,
  full_name: fullNameOf(p.first_name, p.last_name)
}))
const patch: fc.Arbitrary<PersonPatch> = fc.record(
  { first_name: name, last_name: name, job_title: title },
  { requiredKeys: [] }
)

describe("AttributeDiff", () => {
  it.prop("lists exactly the fields whose value changes", [person, patch], ([current, p]) => {
    const diff = AttributeDiff.make(current, p)
    const next = patchedAttributes(current, p)
    expect("first_name" in diff).toBe(next.first_name !== current.first_name)
    expect("last_name" in diff).toBe(next.last_name !== current.last_name)
    expect("job_title" in diff).toBe(!Option.getEquivalence((a: string, b: string) => a === b)(next.job_title, current.job_title))
    expect("full_name" in diff).toBe(fullNameOf(next.first_name, next.last_name) !== current.full_name)
    for (const change of Object.values(diff)) expect(change.from).not.toEqual(change.to)
  })

  it.prop("applying the diff gives the patched attributes with the derived full name", [person, patch], ([current, p]) => {
    const next = patchedAttributes(current, p)
    expect(AttributeDiff.apply(current, AttributeDiff.make(current, p))).toEqual({
      ...next,
      full_name: fullNameOf(next.first_name, next.last_name)
    })
  })

  it.prop("a patch of the current values is empty", [person], ([current]) => {
    expect(AttributeDiff.isEmpty(AttributeDiff.make(current, current))).toBe(true)
  })

  it("encodes a cleared job title as null for change records", () => {
    const diff = AttributeDiff.make(
      { first_name: "A", last_name: "B", full_name: "A B", job_title: Option.some("CEO") },
      { job_title: Option.none() }
    )
    expect(Schema.encodeSync(AttributeDiff.AttributeDiffJson)(diff)).toEqual({ job_title: { from: "CEO", to: null } })
  })
})

describe("AttributeText", () => {
  const decode = Schema.decodeUnknownEither(AttributeText)
  it("trims Unicode white space and NFC-normalises", () => {
    expect(Schema.decodeUnknownSync(AttributeText)("\u00a0 Remy\t\n")).toBe("Remy")
    expect(Schema.decodeUnknownSync(AttributeText)("Zoe\u0308")).toBe("Zo\u00eb")
  })
  it("counts code points, not UTF-16 units", () => {
    expect(Schema.decodeUnknownSync(AttributeText)("😀".repeat(255))).toHaveLength(510)
    expect(decode("😀".repeat(256))._tag).toBe("Left")
  })
  it.each(["", "   ", "a\u0000b", "a\u001fb", "a\u007fb", "a\ud800b", "x".repeat(256)])("refuses %j", (bad) => {
    expect(decode(bad)._tag).toBe("Left")
  })
})
