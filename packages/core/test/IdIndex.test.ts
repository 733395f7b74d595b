import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { IdIndex } from "../src/IdIndex.js"

/** What `IdIndex` must answer: a Map numbering ids in first-seen order. */
const model = (ids: ReadonlyArray<string>) => {
  const map = new Map<string, number>()
  const added = ids.map((id) => {
    if (!map.has(id)) map.set(id, map.size)
    return map.get(id)!
  })
  return { added, map }
}

// Ids that differ only where the hash does not look (between the first 8 and the last 12
// characters) all land on one probe chain, which forces the switch to a Map.
const colliding = fc.integer({ min: 0, max: 9999 }).map((n) => `00000000-${String(n).padStart(4, "0")}-4000-8000-000000000000`)
const uuid = fc.uuid()
const anyString = fc.string({ maxLength: 14 })

describe("IdIndex", () => {
  it.prop("numbers ids as a Map in first-seen order would, whatever the ids and the expected size", [
    fc.array(fc.oneof(uuid, colliding, anyString), { maxLength: 300 }),
    fc.nat(400),
    fc.array(fc.oneof(uuid, colliding, anyString), { maxLength: 50 })
  ], ([ids, expected, probes]) => {
    const index = new IdIndex(expected)
    const { added, map } = model(ids)
    expect(ids.map((id) => index.add(id))).toEqual(added)
    expect(index.size).toBe(map.size)
    expect(index.ids).toEqual([...map.keys()])
    for (const id of [...ids, ...probes]) expect(index.indexOf(id)).toBe(map.get(id) ?? -1)
  })

  it("answers as a Map does when thousands of ids share the hashed characters (it switches to one)", () => {
    const ids = Array.from({ length: 10_000 }, (_, n) => `00000000-${String(n).padStart(4, "0")}-4000-8000-000000000000`)
    const index = new IdIndex(ids.length)
    ids.forEach((id, n) => expect(index.add(id)).toBe(n))
    ids.forEach((id, n) => expect(index.indexOf(id)).toBe(n))
    expect(index.indexOf("00000000-9999-4000-8000-000000000001")).toBe(-1)
  })
})
