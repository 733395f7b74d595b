/**
 * Pure attribute diff: which of a person's attributes a patch really changes, as
 * `{ field: { from, to } }`. A value equal to the current one is not a change; `full_name` is
 * listed whenever the derived name changes.
 */
import { Equal, Option, Schema } from "effect"
import { fullNameOf, type Person, type PersonPatch, patchedAttributes } from "./Person.js"

/** One attribute's change: its value before and after. */
export interface Change<A> {
  readonly from: A
  readonly to: A
}

/** The writable attributes a PATCH changes, each with `{ from, to }`; absent when unchanged. */
export interface AttributeDiff {
  readonly first_name?: Change<string>
  readonly last_name?: Change<string>
  readonly job_title?: Change<Option.Option<string>>
  readonly full_name?: Change<string>
}

/** The diff that changes nothing. */
export const empty: AttributeDiff = {}

/** True when no attribute changes. */
export const isEmpty = (diff: AttributeDiff): boolean => Object.keys(diff).length === 0

type Attributes = Pick<Person, "first_name" | "last_name" | "job_title" | "full_name">

/** The diff that `patch` makes to `person`. */
export const make = (person: Attributes, patch: PersonPatch): AttributeDiff => {
  const next = patchedAttributes(person, patch)
  const diff: { -readonly [K in keyof AttributeDiff]: AttributeDiff[K] } = {}
  if (next.first_name !== person.first_name) diff.first_name = { from: person.first_name, to: next.first_name }
  if (next.last_name !== person.last_name) diff.last_name = { from: person.last_name, to: next.last_name }
  if (!Equal.equals(next.job_title, person.job_title)) diff.job_title = { from: person.job_title, to: next.job_title }
  const full_name = fullNameOf(next.first_name, next.last_name)
  if (full_name !== person.full_name) diff.full_name = { from: person.full_name, to: full_name }
  return diff
}

/** `person`'s attributes with `diff` applied. */
export const apply = (person: Attributes, diff: AttributeDiff): Attributes => ({
  first_name: diff.first_name?.to ?? person.first_name,
  last_name: diff.last_name?.to ?? person.last_name,
  job_title: diff.job_title ? diff.job_title.to : person.job_title,
  full_name: diff.full_name?.to ?? person.full_name
})

const change = <A, I>(value: Schema.Schema<A, I>) => Schema.Struct({ from: value, to: value })

/** The diff as JSON, as change records store it (`null` for a cleared `job_title`). */
export const AttributeDiffJson = Schema.Struct({
  first_name: Schema.optionalWith(change(Schema.String), { exact: true }),
  last_name: Schema.optionalWith(change(Schema.String), { exact: true }),
  job_title: Schema.optionalWith(change(Schema.OptionFromNullOr(Schema.String)), { exact: true }),
  full_name: Schema.optionalWith(change(Schema.String), { exact: true })
})
