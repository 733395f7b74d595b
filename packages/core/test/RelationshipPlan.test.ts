import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import type { RelatedId } from "../src/Ids.js"
import { type DesiredLink, kinds, type Link } from "../src/Relationship.js"
import * as RelationshipPlan from "../src/RelationshipPlan.js"

const companies = kinds.companies
const emails = kinds.emails

// A small id pool makes overlaps between current and desired sets likely.
const id = fc.constantFrom(
  ...Array.from({ length: 12 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}` as RelatedId)
)
const relationshipType = fc.constantFrom("owner", "employee", "contact", "other")
const currentCompanies = fc.uniqueArray(id, { maxLength: 10 }).chain((ids) =>
  fc.tuple(...ids.map((i) => relationshipType.map((t): Link => ({ id: i, meta: { relationship_type: t } }))))
)
const desiredCompanies = fc.uniqueArray(id, { maxLength: 10 }).chain((ids) =>
  fc.tuple(
    ...ids.map((i) =>
      fc.option(relationshipType, { nil: undefined }).map((t): DesiredLink => ({
        id: i,
        meta: t === undefined ? {} : { relationship_type: t }
      }))
    )
  )
)

const ids = (links: ReadonlyArray<{ id: RelatedId }>) => links.map((l) => l.id)

describe("RelationshipPlan", () => {
  it.prop("applying reconcile(current, desired) to current yields exactly the desired set", [currentCompanies, desiredCompanies], ([current, desired]) => {
    const plan = RelationshipPlan.reconcile(companies, current, desired)
    const next = RelationshipPlan.apply(current, plan)
    expect(new Set(ids(next))).toEqual(new Set(ids(desired)))
    expect(next.length).toBe(desired.length)
    const before = new Map(current.map((l) => [l.id, l.meta]))
    for (const link of next) {
      const sent = desired.find((d) => d.id === link.id)!
      const expected = sent.meta.relationship_type ?? before.get(link.id)?.relationship_type ?? "other"
      expect(link.meta).toEqual({ relationship_type: expected })
    }
  })

  it.prop("kept links keep their order and new links follow in request order", [currentCompanies, desiredCompanies], ([current, desired]) => {
    const next = RelationshipPlan.apply(current, RelationshipPlan.reconcile(companies, current, desired))
    const wanted = new Set(ids(desired))
    const existing = new Set(ids(current))
    expect(ids(next)).toEqual([
      ...ids(current).filter((i) => wanted.has(i)),
      ...ids(desired).filter((i) => !existing.has(i))
    ])
  })

  it.prop("reconciling a set with itself is empty", [currentCompanies], ([current]) => {
    expect(RelationshipPlan.isEmpty(RelationshipPlan.reconcile(companies, current, current))).toBe(true)
    // Echoing linkages back without meta never changes anything either.
    const bare = current.map((l) => ({ id: l.id, meta: {} }))
    expect(RelationshipPlan.isEmpty(RelationshipPlan.reconcile(companies, current, bare))).toBe(true)
  })

  it.prop("attach, detach and retag are disjoint and only name what changes", [currentCompanies, desiredCompanies], ([current, desired]) => {
    const plan = RelationshipPlan.reconcile(companies, current, desired)
    const existing = new Set(ids(current))
    const wanted = new Set(ids(desired))
    expect(ids(plan.attach).every((i) => !existing.has(i) && wanted.has(i))).toBe(true)
    expect(ids(plan.detach).every((i) => existing.has(i) && !wanted.has(i))).toBe(true)
    for (const r of plan.retag) {
      expect(existing.has(r.id) && wanted.has(r.id)).toBe(true)
      expect(r.from).not.toEqual(r.to)
    }
  })

  it.prop("normalize keeps the first position of each id and drops repeats", [fc.array(id, { maxLength: 30 })], ([sent]) => {
    const result = RelationshipPlan.normalize(companies, sent.map((i) => ({ id: i, meta: {} })))
    expect(Either.getOrThrow(result).map((l) => l.id)).toEqual([...new Set(sent)])
  })

  it("the same id with and without meta is not a conflict; two different values are", () => {
    const a = "00000000-0000-4000-8000-000000000001" as RelatedId
    const ok = RelationshipPlan.normalize(companies, [{ id: a, meta: {} }, { id: a, meta: { relationship_type: "owner" } }])
    expect(Either.getOrThrow(ok)).toEqual([{ id: a, meta: { relationship_type: "owner" } }])
    const conflict = RelationshipPlan.normalize(companies, [
      { id: a, meta: { relationship_type: "owner" } },
      { id: a, meta: { relationship_type: "employee" } }
    ])
    expect(Either.isLeft(conflict) && conflict.left.issue).toBe("conflicting_meta")
    expect(Either.isLeft(conflict) && conflict.left.path).toEqual(["relationships", "companies", "data", 1, "meta", "relationship_type"])
  })

  it("two explicit primaries are refused; an explicit primary demotes the stored one whose meta was omitted", () => {
    const [e1, e2, e3] = ["1", "2", "3"].map((n) => `00000000-0000-4000-8000-00000000000${n}` as RelatedId) as [RelatedId, RelatedId, RelatedId]
    const two = RelationshipPlan.normalize(emails, [{ id: e1, meta: { is_primary: true } }, { id: e2, meta: { is_primary: true } }])
    expect(Either.isLeft(two) && two.left.issue).toBe("multiple_primaries")

    const current: Array<Link> = [{ id: e1, meta: { is_primary: true } }, { id: e2, meta: { is_primary: false } }]
    const keep = RelationshipPlan.reconcile(emails, current, [{ id: e1, meta: {} }, { id: e3, meta: {} }])
    expect(RelationshipPlan.apply(current, keep)).toEqual([
      { id: e1, meta: { is_primary: true } },
      { id: e3, meta: { is_primary: false } }
    ])
    const promote = RelationshipPlan.reconcile(emails, current, [{ id: e1, meta: {} }, { id: e3, meta: { is_primary: true } }])
    expect(RelationshipPlan.apply(current, promote)).toEqual([
      { id: e1, meta: { is_primary: false } },
      { id: e3, meta: { is_primary: true } }
    ])
    expect(promote.retag).toEqual([{ id: e1, from: { is_primary: true }, to: { is_primary: false } }])
  })

  it.prop("at most one primary results whenever the stored set had at most one", [fc.uniqueArray(id, { minLength: 1, maxLength: 8 }), fc.nat(7), fc.uniqueArray(id, { maxLength: 8 }), fc.option(fc.nat(7), { nil: undefined })], ([stored, primaryAt, wanted, explicitAt]) => {
    const current = stored.map((i, n): Link => ({ id: i, meta: { is_primary: n === primaryAt % stored.length } }))
    const desired = wanted.map((i, n): DesiredLink => ({ id: i, meta: n === explicitAt ? { is_primary: true } : {} }))
    const next = RelationshipPlan.apply(current, RelationshipPlan.reconcile(emails, current, desired))
    expect(next.filter((l) => l.meta.is_primary === true).length).toBeLessThanOrEqual(1)
  })

  // normalize leaves an index of its result for reconcile, and reconcile leaves the resulting
  // links for apply; these pin that the shortcuts answer exactly what the plain algorithm does.
  const sentEmails = fc.array(
    fc.tuple(id, fc.option(fc.boolean(), { nil: undefined })).map(([i, primary]): DesiredLink => ({
      id: i,
      meta: primary === undefined ? {} : { is_primary: primary }
    })),
    { maxLength: 14 }
  )
  const currentEmails = fc.uniqueArray(id, { maxLength: 10 }).chain((stored) =>
    fc.nat(10).map((primaryAt) => stored.map((i, n): Link => ({ id: i, meta: { is_primary: n === primaryAt } })))
  )

  it.prop("a normalised set reconciles as its plain copy does, and apply's shortcut equals the plain apply", [currentEmails, sentEmails], ([current, sent]) => {
    const normalized = RelationshipPlan.normalize(emails, sent)
    if (Either.isLeft(normalized)) return
    const plan = RelationshipPlan.reconcile(emails, current, normalized.right)
    expect(plan).toEqual(RelationshipPlan.reconcile(emails, current, [...normalized.right]))
    expect(RelationshipPlan.apply(current, plan)).toEqual(RelationshipPlan.apply(current, { ...plan }))
    // Applied to other links than it was made from, a plan still answers by the plain algorithm.
    const other = [...current]
    expect(RelationshipPlan.apply(other, plan)).toEqual(RelationshipPlan.apply(other, { ...plan }))
  })

  it.prop("normalize merges the meta of a repeated id into its first position", [sentEmails], ([sent]) => {
    const normalized = RelationshipPlan.normalize(emails, sent)
    if (Either.isLeft(normalized)) return
    for (const link of normalized.right) {
      const values = sent.filter((l) => l.id === link.id).map((l) => l.meta.is_primary).filter((v) => v !== undefined)
      expect(link.meta).toEqual(values.length === 0 ? {} : { is_primary: values[0] })
    }
  })
})
