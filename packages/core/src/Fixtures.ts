/**
 * A documented JSON format for data to load into a store (demo data, test suites, `seed`):
 * workspaces, people, related resources, links and API keys. Loading is idempotent: rows that
 * already exist (by id) are left as they are.
 */
import { Context, type Effect, Schema } from "effect"
import { Scope } from "./Access.js"
import { ApiKeyId, PersonId, RelatedId, WorkspaceId } from "./Ids.js"
import { EmailLabel, PhoneLabel, WebLinkPlatform } from "./Related.js"
import { KindName, RelationshipType } from "./Relationship.js"

const list = <S extends Schema.Schema.Any>(item: S) =>
  Schema.optionalWith(Schema.Array(item), { default: () => [] })
const optionalText = Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })
const timestamps = {
  /** Defaults to the time of loading. */
  created_at: Schema.optional(Schema.Date),
  updated_at: Schema.optional(Schema.Date),
  /** Set to load a soft-deleted row. */
  deleted_at: Schema.optional(Schema.Date)
}
const owned = { id: RelatedId, workspace_id: WorkspaceId, ...timestamps }

/** A workspace in a fixtures file. */
export const FixtureWorkspace = Schema.Struct({ id: WorkspaceId, name: Schema.String })
/** A person in a fixtures file. */
export const FixturePerson = Schema.Struct({
  id: PersonId,
  workspace_id: WorkspaceId,
  first_name: Schema.String,
  last_name: Schema.String,
  job_title: optionalText,
  ...timestamps
})
/** A company in a fixtures file. */
export const FixtureCompany = Schema.Struct({ ...owned, name: Schema.String, description: optionalText, domain: optionalText })
/** An email address in a fixtures file. */
export const FixtureEmail = Schema.Struct({
  ...owned,
  value: Schema.String,
  label: Schema.optionalWith(EmailLabel, { default: () => "work" as const })
})
/** A phone number in a fixtures file. */
export const FixturePhone = Schema.Struct({
  ...owned,
  e164_number: Schema.String,
  label: Schema.optionalWith(PhoneLabel, { default: () => "mobile" as const })
})
/** A web link in a fixtures file. */
export const FixtureWebLink = Schema.Struct({
  ...owned,
  url: Schema.String,
  platform: Schema.optionalWith(WebLinkPlatform, { default: () => "website" as const })
})
/** A link of a person; links of one person and kind are loaded in the order listed. */
export const FixtureLink = Schema.Struct({
  workspace_id: WorkspaceId,
  person_id: PersonId,
  kind: KindName,
  id: RelatedId,
  relationship_type: Schema.optional(RelationshipType),
  is_primary: Schema.optional(Schema.Boolean)
})
/** An API key in a fixtures file (its secret in clear; stored hashed). */
export const FixtureApiKey = Schema.Struct({
  id: ApiKeyId,
  /** The bearer secret; only its SHA-256 hash is stored. */
  secret: Schema.Redacted(Schema.NonEmptyString),
  scopes: Schema.Array(Scope),
  workspaces: Schema.NonEmptyArray(WorkspaceId),
  /** Defaults to the first of `workspaces`. */
  default_workspace: Schema.optional(WorkspaceId),
  expires_at: Schema.optional(Schema.Date),
  revoked_at: Schema.optional(Schema.Date)
})

/** A whole fixtures file: workspaces, people, related resources, links and API keys. */
export const Fixtures = Schema.Struct({
  workspaces: list(FixtureWorkspace),
  people: list(FixturePerson),
  companies: list(FixtureCompany),
  emails: list(FixtureEmail),
  phones: list(FixturePhone),
  web_links: list(FixtureWebLink),
  links: list(FixtureLink),
  api_keys: list(FixtureApiKey)
})
export type Fixtures = typeof Fixtures.Type
/** A fixtures file as JSON, before decoding (plain strings for ids and dates). */
export type FixturesInput = typeof Fixtures.Encoded

/** Loads fixtures into the store behind the other ports (idempotent). */
export class FixtureLoader extends Context.Tag("@peoplekit/core/FixtureLoader")<
  FixtureLoader,
  { readonly load: (fixtures: Fixtures) => Effect.Effect<void> }
>() {}

/** Decodes fixtures from their JSON form; fails with a `ParseError` naming the offending path. */
export const decode = Schema.decodeUnknown(Fixtures)
