/**
 * The pure part of a PATCH, timed without any I/O: the attribute diff and, for every kind with
 * n links, normalising the desired set, reconciling it with the current links and applying the
 * plan — what `UpdatePerson` computes between its load and its save. Half of the current links
 * stay (a quarter of them re-tagged), half go, and as many new ones come.
 */
import { AttributeDiff, type Ids, Person, Relationship, RelationshipPlan } from "@peoplekit/core"
import { Either, Option } from "effect"

const id = (prefix: string, n: number) => {
  const hex = n.toString(16).padStart(12, "0")
  return `${prefix}-0000-4000-8000-${hex}` as Ids.RelatedId
}

const metaOf = (kind: Relationship.Kind, n: number): Relationship.LinkMeta => {
  const meta: Record<string, Relationship.MetaValue> = {}
  for (const field of kind.meta) {
    meta[field.name] = field.name === "relationship_type" ? (n % 4 === 0 ? "employee" : "other") : false
  }
  return meta
}

/** Inputs for n links of every kind. */
export const inputs = (n: number, names: ReadonlyArray<Relationship.KindName> = Relationship.kindNames) =>
  names.map((name, k) => {
    const kind = Relationship.kinds[name]
    const prefix = `0000000${k}`
    const current: Array<Relationship.Link> = Array.from({ length: n }, (_, i) => ({ id: id(prefix, i), meta: metaOf(kind, i) }))
    // Keep the second half of the current links (every fourth one with other meta), add n/2 new.
    const desired: Array<Relationship.DesiredLink> = Array.from({ length: n }, (_, i) => {
      const index = i + Math.floor(n / 2)
      return { id: id(prefix, index), meta: index < n ? metaOf(kind, index + 1) : {} }
    })
    return { kind, current, desired }
  })

const person = Person.Person.make({
  workspace_id: "00000000-0000-4000-8000-000000000001" as Ids.WorkspaceId,
  id: "00000000-0000-4000-8000-000000000002" as Ids.PersonId,
  first_name: "Ada",
  last_name: "Lovelace",
  job_title: Option.some("Engineer"),
  full_name: "Ada Lovelace",
  version: 1,
  created_at: new Date(0),
  updated_at: new Date(0)
})

/** One run of the pure work over prepared inputs; returns a checksum (changes plus resulting links). */
export const plan = (prepared: ReturnType<typeof inputs>): number => {
  const diff = AttributeDiff.make(person, { job_title: Option.some("Chief Engineer") })
  let changes = AttributeDiff.isEmpty(diff) ? 0 : 1
  for (const { current, desired, kind } of prepared) {
    const normalized = RelationshipPlan.normalize(kind, desired)
    if (Either.isLeft(normalized)) throw new Error(normalized.left.message)
    const result = RelationshipPlan.reconcile(kind, current, normalized.right)
    const next = RelationshipPlan.apply(current, result)
    changes += result.attach.length + result.detach.length + result.retag.length + next.length
  }
  return changes
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** Median milliseconds of the pure work for n links of each of `names` (after a warm-up). */
export const timePlan = (
  n: number,
  names: ReadonlyArray<Relationship.KindName> = Relationship.kindNames,
  iterations = n >= 100_000 ? 7 : 21
): number => {
  const prepared = inputs(n, names)
  for (let i = 0; i < (n >= 100_000 ? 1 : 3); i++) plan(prepared)
  const times: Array<number> = []
  for (let i = 0; i < iterations; i++) {
    const started = performance.now()
    plan(prepared)
    times.push(performance.now() - started)
  }
  return median(times)
}
