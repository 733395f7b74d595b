/**
 * The person entity and the `PersonPatch` command. Attribute names are the contract's (SPEC §1),
 * so a diff or a change record speaks the same words as the API.
 */
import { Option, Schema } from "effect"
import { PersonId, WorkspaceId } from "./Ids.js"
import type { DesiredLink, KindName } from "./Relationship.js"

// U+0000–U+001F and U+007F (SPEC §1). Lone surrogates are checked separately.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** The longest a name or job title may be, in code points. */
export const MAX_TEXT_LENGTH = 255

/** Length in Unicode code points, which is what the SPEC's limits count. */
export const codePointLength = (value: string): number => {
  let n = 0
  for (const _ of value) n++
  return n
}

/**
 * A person's text attribute as sent: trimmed (what `String.prototype.trim` removes), then
 * NFC-normalised; then 1–255 code points without control characters or lone surrogates.
 * Leading and trailing white space (tabs and newlines included) is trimmed away before the
 * control-character check, so only characters inside the value are refused.
 */
export const AttributeText = Schema.transform(
  Schema.String.pipe(
    Schema.filter((s) => !LONE_SURROGATE.test(s) || "must not contain lone surrogates")
  ),
  Schema.String,
  { strict: true, decode: (s) => s.trim().normalize("NFC"), encode: (s) => s }
).pipe(
  Schema.filter((s) => {
    if (s.length === 0) return "must not be blank"
    if (CONTROL_CHARACTER.test(s)) return "must not contain control characters"
    if (codePointLength(s) > MAX_TEXT_LENGTH) return `must be at most ${MAX_TEXT_LENGTH} characters`
    return true
  }),
  Schema.annotations({ identifier: "AttributeText" })
)

/** The person as stored (a soft-deleted person is never loaded). */
export class Person extends Schema.Class<Person>("Person")({
  id: PersonId,
  workspace_id: WorkspaceId,
  first_name: Schema.String,
  last_name: Schema.String,
  job_title: Schema.Option(Schema.String),
  full_name: Schema.String,
  created_at: Schema.DateFromSelf,
  updated_at: Schema.DateFromSelf,
  /** Incremented by every effective change; the ETag and the change-record chain use it. */
  version: Schema.Int
}) {}

/** `full_name` is derived, never written by a client (SPEC §1). */
export const fullNameOf = (first_name: string, last_name: string): string => `${first_name} ${last_name}`

/** The writable attributes, which a diff compares. */
export interface WritableAttributes {
  readonly first_name: string
  readonly last_name: string
  readonly job_title: Option.Option<string>
}

/**
 * Read-only attributes a client echoed back. They are accepted when they equal the stored value
 * (timestamps as instants at millisecond precision; `full_name` against the stored or the
 * resulting value), otherwise the update fails with `read_only`.
 */
export interface ReadOnlyEcho {
  readonly full_name?: string
  readonly created_at?: Date
  readonly updated_at?: Date
}

/**
 * What a PATCH asks for. An absent key leaves that part untouched; `job_title: Option.none()`
 * clears it; a relationship kind that is present replaces that kind's whole link set.
 */
export interface PersonPatch {
  readonly first_name?: string
  readonly last_name?: string
  readonly job_title?: Option.Option<string>
  readonly readOnly?: ReadOnlyEcho
  readonly relationships?: { readonly [K in KindName]?: ReadonlyArray<DesiredLink> }
}

/** The attributes the person has after `patch`, before any change is written. */
export const patchedAttributes = (person: WritableAttributes, patch: PersonPatch): WritableAttributes => ({
  first_name: patch.first_name ?? person.first_name,
  last_name: patch.last_name ?? person.last_name,
  job_title: patch.job_title ?? person.job_title
})
