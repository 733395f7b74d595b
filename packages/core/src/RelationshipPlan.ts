/**
 * Pure reconciliation of one kind's links: given the current links and the complete desired set,
 * what to attach, detach and re-tag. Linear in the number of links, and cheap per link: the
 * desired set is hashed once (by `normalize`, whose index `reconcile` reuses), the current links
 * are only looked up, and `reconcile` builds the resulting links in the same pass, so `apply`
 * on its own plan costs nothing.
 */
import { Either } from "effect"
import { InvalidPatch } from "./Errors.js"
import { IdIndex } from "./IdIndex.js"
import type { RelatedId } from "./Ids.js"
import type { DesiredLink, Kind, Link, LinkMeta, MetaField, MetaValue } from "./Relationship.js"
import { withDefaults } from "./Relationship.js"

/** A link whose meta changes. */
export interface Retag {
  readonly id: RelatedId
  readonly from: LinkMeta
  readonly to: LinkMeta
}

/** What reconciling one kind's links does: attach, detach and re-tag. */
export interface Plan {
  /** New links, in request order, with complete meta. */
  readonly attach: ReadonlyArray<Link>
  /** Links that go, in their current order. */
  readonly detach: ReadonlyArray<Link>
  /** Links that stay with other meta, in their current order. */
  readonly retag: ReadonlyArray<Retag>
}

/** The plan that changes nothing. */
export const empty: Plan = { attach: [], detach: [], retag: [] }

/** True when the plan attaches, detaches and re-tags nothing. */
export const isEmpty = (plan: Plan): boolean =>
  plan.attach.length === 0 && plan.detach.length === 0 && plan.retag.length === 0

/** A desired set's index: each id's position, and which meta fields (by position) it claims `true` for. */
interface DesiredIndex {
  readonly positions: IdIndex<RelatedId>
  readonly claimed: ReadonlyArray<boolean>
}

// Memos, keyed by the arrays and plans this module returned, so that the usual sequence
// normalize → reconcile → apply hashes each link once. Both are checked before use and fall
// back to the plain computation, so any input still gets the same answer.
const indexes = new WeakMap<ReadonlyArray<DesiredLink>, DesiredIndex>()
const outcomes = new WeakMap<Plan, { readonly current: ReadonlyArray<Link>; readonly next: ReadonlyArray<Link> }>()

const invalid = (kind: Kind, index: number, field: MetaField, issue: "conflicting_meta" | "multiple_primaries", message: string) =>
  new InvalidPatch({ issue, path: ["relationships", kind.name, "data", index, "meta", field.name], message })

/**
 * The desired set as one list of distinct ids (first occurrence wins the position). The same id
 * twice counts once; the same meta field with two different values for one id is a conflict; two
 * explicit `true`s of an exclusive field (`is_primary`) are a conflict. `index` in the error path
 * is the position of the offending entry in the array as sent.
 */
export const normalize = (
  kind: Kind,
  sent: ReadonlyArray<DesiredLink>
): Either.Either<ReadonlyArray<DesiredLink>, InvalidPatch> => {
  const fields = kind.meta
  // Numbers ids in first-seen order, which is their position in the result.
  const positions = new IdIndex<RelatedId>(sent.length)
  const holders: Array<RelatedId | undefined> = fields.map(() => undefined)
  // The sent array and its meta objects are reused as they are; a copy is made only once an id
  // repeats, so the common case allocates nothing per link.
  let distinct: Array<DesiredLink> | undefined
  for (let index = 0; index < sent.length; index++) {
    const link = sent[index]!
    const distinctSoFar = positions.size
    const position = positions.add(link.id)
    const isNew = position === distinctSoFar
    const seen = isNew ? undefined : (distinct ?? sent)[position]!.meta
    let merged: Record<string, MetaValue> | undefined
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f]!
      const value = link.meta[field.name]
      if (value === undefined) continue
      if (seen !== undefined) {
        const before = seen[field.name]
        if (before !== undefined && before !== value) {
          return Either.left(invalid(kind, index, field, "conflicting_meta", `Conflicting ${field.name} for ${link.id}`))
        }
        if (before === undefined) (merged ??= { ...seen })[field.name] = value
      }
      if (field.exclusive && value === true) {
        const holder = holders[f]
        if (holder !== undefined && holder !== link.id) {
          return Either.left(
            invalid(kind, index, field, "multiple_primaries", `At most one ${kind.name} link may have ${field.name}: true`)
          )
        }
        holders[f] = link.id
      }
    }
    if (isNew) {
      distinct?.push(link)
    } else {
      distinct ??= sent.slice(0, index)
      if (merged !== undefined) distinct[position] = { id: link.id, meta: merged }
    }
  }
  const result = distinct ?? sent
  indexes.set(result, { positions, claimed: holders.map((holder) => holder !== undefined) })
  return Either.right(result)
}

/**
 * The index of a desired set: the memo `normalize` left, or built afresh (keeping the first of
 * any repeated id, for a caller that skipped `normalize`), with the links it numbers.
 */
const indexOf = (kind: Kind, desired: ReadonlyArray<DesiredLink>): DesiredIndex & { readonly links: ReadonlyArray<DesiredLink> } => {
  const memo = indexes.get(desired)
  if (memo !== undefined && memo.positions.size === desired.length) return { ...memo, links: desired }
  const positions = new IdIndex<RelatedId>(desired.length)
  const links: Array<DesiredLink> = []
  for (let p = 0; p < desired.length; p++) {
    if (positions.add(desired[p]!.id) === links.length) links.push(desired[p]!)
  }
  const claimed = kind.meta.map((field) => field.exclusive && links.some((link) => link.meta[field.name] === true))
  return { positions, claimed, links }
}

/** `base` with the sent fields applied; `base` itself (no copy) when nothing changes it. */
const resolve = (fields: ReadonlyArray<MetaField>, claimed: ReadonlyArray<boolean>, base: LinkMeta, sent: LinkMeta) => {
  let meta: Record<string, MetaValue> | undefined
  for (let f = 0; f < fields.length; f++) {
    const field = fields[f]!
    const before = base[field.name]
    const explicit = sent[field.name]
    // An omitted exclusive field is demoted when another link claims it (the claimant keeps it).
    const next = explicit !== undefined ? explicit : claimed[f] && before === true ? false : before ?? field.default
    if (next !== before) (meta ??= { ...base })[field.name] = next
  }
  return meta ?? base
}

/**
 * The plan that turns `current` into `desired` (already normalised). A kept link keeps every
 * meta field the request omitted, except that an explicit `true` of an exclusive field demotes
 * the link that held it when that link's own value was omitted.
 */
export const reconcile = (kind: Kind, current: ReadonlyArray<Link>, desired: ReadonlyArray<DesiredLink>): Plan => {
  const fields = kind.meta
  const { claimed, links, positions } = indexOf(kind, desired)
  const kept = new Uint8Array(links.length)
  const detach: Array<Link> = []
  const retag: Array<Retag> = []
  const next: Array<Link> = []
  for (let c = 0; c < current.length; c++) {
    const link = current[c]!
    const position = positions.indexOf(link.id)
    if (position === -1) {
      detach.push(link)
      continue
    }
    kept[position] = 1
    const to = resolve(fields, claimed, link.meta, links[position]!.meta)
    if (to === link.meta) {
      next.push(link)
    } else {
      retag.push({ id: link.id, from: link.meta, to })
      next.push({ id: link.id, meta: to })
    }
  }
  const defaults = withDefaults(kind, {})
  const attach: Array<Link> = []
  for (let p = 0; p < links.length; p++) {
    if (kept[p] === 1) continue
    const link = links[p]!
    const attached = { id: link.id, meta: resolve(fields, claimed, defaults, link.meta) }
    attach.push(attached)
    next.push(attached)
  }
  const plan: Plan = { attach, detach, retag }
  outcomes.set(plan, { current, next })
  return plan
}

/** The links after `plan`: kept links in their order with their new meta, then the attached ones. */
export const apply = (current: ReadonlyArray<Link>, plan: Plan): ReadonlyArray<Link> => {
  const outcome = outcomes.get(plan)
  if (outcome !== undefined && outcome.current === current) return outcome.next
  const detached = new Set(plan.detach.map((link) => link.id))
  const retagged = new Map(plan.retag.map((r) => [r.id, r.to] as const))
  const kept = current
    .filter((link) => !detached.has(link.id))
    .map((link) => {
      const meta = retagged.get(link.id)
      return meta === undefined ? link : { id: link.id, meta }
    })
  return [...kept, ...plan.attach]
}
