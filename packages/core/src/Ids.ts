/**
 * Branded identifiers. Every id is a UUID in its canonical lower-case form: ids are matched
 * case-insensitively on input and always emitted in lower case (SPEC §2).
 */
import { Schema } from "effect"

// Any 8-4-4-4-12 hex UUID (v1–v8 and the nil/max UUIDs alike): Postgres' `uuid` accepts them all,
// and clients that mint v7 ids must not be refused.
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** A canonical (lower-case) UUID string; decoding lower-cases its input first. */
export const Uuid = Schema.Lowercase.pipe(
  Schema.compose(Schema.String.pipe(Schema.pattern(UUID_PATTERN, { message: () => "must be a UUID" }))),
  Schema.annotations({ identifier: "Uuid", description: "a UUID (any case; emitted in lower case)" })
)

/** True when `value` is a UUID in any case. */
export const isUuid = (value: string): boolean => UUID_PATTERN.test(value.toLowerCase())

/** The id of a workspace (tenant). */
export const WorkspaceId = Uuid.pipe(Schema.brand("WorkspaceId"))
export type WorkspaceId = typeof WorkspaceId.Type

/** The id of a person. */
export const PersonId = Uuid.pipe(Schema.brand("PersonId"))
export type PersonId = typeof PersonId.Type

/** The id of a related resource (a company, an email, a phone or a web link). */
export const RelatedId = Uuid.pipe(Schema.brand("RelatedId"))
export type RelatedId = typeof RelatedId.Type

/** The id of an API key. */
export const ApiKeyId = Uuid.pipe(Schema.brand("ApiKeyId"))
export type ApiKeyId = typeof ApiKeyId.Type

/** The id of a change record. */
export const ChangeId = Uuid.pipe(Schema.brand("ChangeId"))
export type ChangeId = typeof ChangeId.Type
