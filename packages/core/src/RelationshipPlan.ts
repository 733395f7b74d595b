/**
 * Pure reconciliation of one kind's links: given the current links and the complete desired set,
 * what to attach, detach and re-tag. Linear in the number of links (one Map per side).
 */
import { Either } from "effect"
import { InvalidPatch } from "./Errors.js"
import type { RelatedId } from "./Ids.js"
import { type DesiredLink, type Kind, type Link, type LinkMeta, type MetaValue, sameMeta, withDefaults } from "./Relationship.js"

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
  // The sent meta objects are reused as they are; a merged copy is made only when a repeated id
  // adds fields, so the common case allocates nothing per link.
  const byId = new Map<RelatedId, LinkMeta>()
  const exclusiveHolder = new Map<string, RelatedId>()
  let repeated = false
  for (let index = 0; index < sent.length; index++) {
    const link = sent[index]!
    const seen = byId.get(link.id)
    if (seen === undefined) byId.set(link.id, link.meta)
    else repeated = true
    let merged: Record<string, MetaValue> | undefined
    for (const field of kind.meta) {
      const value = link.meta[field.name]
      if (value === undefined) continue
      const path = () => ["relationships", kind.name, "data", index, "meta", field.name]
      if (seen !== undefined) {
        const before = seen[field.name]
        if (before !== undefined && before !== value) {
          return Either.left(
            new InvalidPatch({ issue: "conflicting_meta", path: path(), message: `Conflicting ${field.name} for ${link.id}` })
          )
        }
        if (before === undefined) (merged ??= { ...seen })[field.name] = value
      }
      if (field.exclusive && value === true) {
        const holder = exclusiveHolder.get(field.name)
        if (holder !== undefined && holder !== link.id) {
          return Either.left(
            new InvalidPatch({
              issue: "multiple_primaries",
              path: path(),
              message: `At most one ${kind.name} link may have ${field.name}: true`
            })
          )
        }
        exclusiveHolder.set(field.name, link.id)
      }
    }
    if (merged !== undefined) byId.set(link.id, merged)
  }
  if (!repeated) return Either.right(sent)
  return Either.right(Array.from(byId, ([id, meta]) => ({ id, meta })))
}

/**
 * The plan that turns `current` into `desired` (already normalised). A kept link keeps every
 * meta field the request omitted, except that an explicit `true` of an exclusive field demotes
 * the link that held it when that link's own value was omitted.
 */
export const reconcile = (kind: Kind, current: ReadonlyArray<Link>, desired: ReadonlyArray<DesiredLink>): Plan => {
  const currentById = new Map<RelatedId, Link>()
  for (const link of current) currentById.set(link.id, link)
  const desiredById = new Map<RelatedId, DesiredLink>()
  for (const link of desired) desiredById.set(link.id, link)

  const claimed = kind.meta.filter((field) => field.exclusive && desired.some((link) => link.meta[field.name] === true))
  const defaults = withDefaults(kind, {})
  /** `base` with the sent fields applied; `base` itself (no copy) when nothing changes it. */
  const resolve = (base: LinkMeta, sent: LinkMeta): LinkMeta => {
    let meta: Record<string, MetaValue> | undefined
    for (const field of kind.meta) {
      const explicit = sent[field.name]
      const next = explicit !== undefined
        ? explicit
        : claimed.includes(field) && base[field.name] === true
        ? false
        : base[field.name] ?? field.default
      if (next !== base[field.name]) (meta ??= { ...base })[field.name] = next
    }
    return meta ?? base
  }

  const attach: Array<Link> = []
  for (const link of desired) {
    if (!currentById.has(link.id)) attach.push({ id: link.id, meta: resolve(defaults, link.meta) })
  }
  const detach: Array<Link> = []
  const retag: Array<Retag> = []
  for (const link of current) {
    const wanted = desiredById.get(link.id)
    if (wanted === undefined) {
      detach.push(link)
      continue
    }
    const next = resolve(link.meta, wanted.meta)
    if (next !== link.meta && !sameMeta(kind, link.meta, next)) retag.push({ id: link.id, from: link.meta, to: next })
  }
  return { attach, detach, retag }
}

/** The links after `plan`: kept links in their order with their new meta, then the attached ones. */
export const apply = (current: ReadonlyArray<Link>, plan: Plan): ReadonlyArray<Link> => {
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
