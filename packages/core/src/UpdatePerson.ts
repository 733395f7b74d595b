/**
 * The Update Person program (SPEC §2): validate, authorise, then in one unit of work load the
 * person locked, check preconditions and targets, compute the attribute diff and one plan per
 * kind, and write only the difference together with one change record.
 */
import { Effect, Either, Option } from "effect"
import * as Access from "./Access.js"
import * as AttributeDiff from "./AttributeDiff.js"
import {
  InvalidPatch,
  type Forbidden,
  PersonNotFound,
  PreconditionFailed,
  RelatedNotFound,
  type TransientConflict
} from "./Errors.js"
import type { PersonId, RelatedId } from "./Ids.js"
import { fullNameOf, patchedAttributes, type Person, type PersonPatch } from "./Person.js"
import type { RelatedResource } from "./Related.js"
import { type DesiredLink, type KindName, kindNames, kinds, type LinkSets } from "./Relationship.js"
import * as RelationshipPlan from "./RelationshipPlan.js"
import { type IdsByKind, type LoadedPerson, PersonRepository } from "./PersonRepository.js"
import { Transactor } from "./Transactor.js"

/** `If-Match`: any version (`*`), or a list of versions of which one must be current. */
export type IfMatch = "*" | ReadonlyArray<number>

/** What `updatePerson` needs: the caller, the person, the patch, and optional `If-Match` and includes. */
export interface UpdatePersonInput {
  readonly principal: Access.Principal
  readonly personId: PersonId
  readonly patch: PersonPatch
  readonly ifMatch?: IfMatch
  /** Kinds whose related resources the result should carry (`included`). */
  readonly include?: ReadonlyArray<KindName>
}

/** A person with its links, as a request sees it. */
export interface PersonState {
  readonly person: Person
  readonly links: LinkSets
  /** The related resources of the kinds asked for by `include`, in link order. */
  readonly included: ReadonlyArray<RelatedResource>
}

/** The person after the update, and whether anything changed. */
export interface UpdatePersonResult extends PersonState {
  /** False when the request changed nothing (and so nothing was written). */
  readonly changed: boolean
}

/** Every way `updatePerson` can fail. */
export type UpdatePersonError =
  | InvalidPatch
  | Forbidden
  | PersonNotFound
  | PreconditionFailed
  | RelatedNotFound
  | TransientConflict

type DesiredSets = { readonly [K in KindName]?: ReadonlyArray<DesiredLink> }

/** Every kind's desired set, deduplicated and checked for conflicting meta. */
export const normalizeRelationships = (patch: PersonPatch): Either.Either<DesiredSets, InvalidPatch> => {
  const sets: { [K in KindName]?: ReadonlyArray<DesiredLink> } = {}
  for (const name of kindNames) {
    const sent = patch.relationships?.[name]
    if (sent === undefined) continue
    const normalized = RelationshipPlan.normalize(kinds[name], sent)
    if (Either.isLeft(normalized)) return Either.left(normalized.left)
    sets[name] = normalized.right
  }
  return Either.right(sets)
}

const sameInstant = (a: Date, b: Date) => a.getTime() === b.getTime()

/** Read-only attributes may be echoed back only with their current value (SPEC §2.1). */
const checkReadOnly = (person: Person, patch: PersonPatch): Either.Either<void, InvalidPatch> => {
  const echo = patch.readOnly ?? {}
  const fail = (field: string, expected: string) =>
    Either.left(
      new InvalidPatch({
        issue: "read_only",
        path: ["attributes", field],
        message: `${field} is read-only; it may only be sent with its current value (${expected})`
      })
    )
  if (echo.created_at !== undefined && !sameInstant(echo.created_at, person.created_at)) {
    return fail("created_at", person.created_at.toISOString())
  }
  if (echo.updated_at !== undefined && !sameInstant(echo.updated_at, person.updated_at)) {
    return fail("updated_at", person.updated_at.toISOString())
  }
  if (echo.full_name !== undefined) {
    const next = patchedAttributes(person, patch)
    const resulting = fullNameOf(next.first_name, next.last_name)
    if (echo.full_name !== person.full_name && echo.full_name !== resulting) return fail("full_name", resulting)
  }
  return Either.right(undefined)
}

/** True when `If-Match` is absent, `*`, or lists the person's current version. */
export const matchesVersion = (ifMatch: IfMatch | undefined, version: number): boolean =>
  ifMatch === undefined || ifMatch === "*" || ifMatch.includes(version)

const idsOf = (sets: DesiredSets): IdsByKind => {
  const ids: { [K in KindName]?: ReadonlyArray<RelatedId> } = {}
  for (const name of kindNames) {
    const set = sets[name]
    if (set !== undefined) ids[name] = set.map((link) => link.id)
  }
  return ids
}

const firstMissing = (loaded: LoadedPerson): Option.Option<RelatedNotFound> => {
  for (const name of kindNames) {
    const missing = loaded.missing[name]
    if (missing !== undefined && missing.length > 0) return Option.some(new RelatedNotFound({ kind: name, ids: missing }))
  }
  return Option.none()
}

/** The related resources of the `include`d kinds, read after the unit of work. */
export const includedOf = Effect.fn("UpdatePerson.includedOf")(function*(
  person: Person,
  links: LinkSets,
  include: ReadonlyArray<KindName> | undefined
) {
  if (include === undefined || include.length === 0) return []
  const repository = yield* PersonRepository
  const ids: { [K in KindName]?: ReadonlyArray<RelatedId> } = {}
  for (const name of include) ids[name] = links[name].map((link) => link.id)
  return yield* repository.related(person.workspace_id, ids)
})

const currentTraceId = Effect.currentSpan.pipe(
  Effect.map((span) => span.traceId),
  Effect.option
)

/** Applies a PATCH to a person (SPEC §2). */
export const updatePerson = Effect.fn("UpdatePerson.updatePerson")(function*(input: UpdatePersonInput) {
  const desired = yield* normalizeRelationships(input.patch)
  const principal = yield* Access.requireScope(input.principal, "people:write")
  const repository = yield* PersonRepository
  const transactor = yield* Transactor

  const state = yield* transactor.withTransaction(
    Effect.gen(function*() {
      const loaded = yield* repository.load({
        workspaceId: principal.workspaceId,
        personId: input.personId,
        forUpdate: true,
        targets: idsOf(desired)
      })
      if (Option.isNone(loaded)) return yield* new PersonNotFound({ personId: input.personId })
      const { links, person } = loaded.value
      yield* checkReadOnly(person, input.patch)
      if (!matchesVersion(input.ifMatch, person.version)) {
        return yield* new PreconditionFailed({ currentVersion: person.version })
      }
      const missing = firstMissing(loaded.value)
      if (Option.isSome(missing)) return yield* missing.value

      const attributes = AttributeDiff.make(person, input.patch)
      const plans: { [K in KindName]?: RelationshipPlan.Plan } = {}
      const next: { -readonly [K in KindName]: LinkSets[K] } = { ...links }
      for (const name of kindNames) {
        const set = desired[name]
        if (set === undefined) continue
        const plan = RelationshipPlan.reconcile(kinds[name], links[name], set)
        if (RelationshipPlan.isEmpty(plan)) continue
        plans[name] = plan
        next[name] = RelationshipPlan.apply(links[name], plan)
      }
      if (AttributeDiff.isEmpty(attributes) && Object.keys(plans).length === 0) {
        return { person, links, changed: false }
      }
      const saved = yield* repository.save({
        before: person,
        attributes,
        plans,
        actor: principal.keyId,
        traceId: yield* currentTraceId
      })
      return { person: saved, links: next as LinkSets, changed: true }
    })
  )
  // Most PATCHes include nothing: no call (and no span) for that.
  const included: ReadonlyArray<RelatedResource> = input.include === undefined || input.include.length === 0
    ? []
    : yield* includedOf(state.person, state.links, input.include)
  return { ...state, included } satisfies UpdatePersonResult
})
