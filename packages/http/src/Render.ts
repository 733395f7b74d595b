/**
 * The response document of GET and PATCH (SPEC §3): the person with all four relationship kinds,
 * `included` as `?include=` asks, sparse fieldsets (`?fields[<type>]=`), and its wire schema.
 */
import { Relationship, type Related, type UpdatePerson } from "@peoplekit/core"
import { Either, Option, Schema } from "effect"
import { DocumentError } from "./Document.js"

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

// ---------------------------------------------------------------------------------------------
// Wire schema (what clients decode)
// ---------------------------------------------------------------------------------------------

const LinkageOut = Schema.Struct({
  type: Schema.String,
  id: Schema.String,
  meta: optional(Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Boolean) }))
})
const RelationshipOut = Schema.Struct({ data: Schema.Array(LinkageOut) })

/** A person as a JSON:API resource. */
export const PersonResource = Schema.Struct({
  type: Schema.Literal("people"),
  id: Schema.String,
  attributes: Schema.Struct({
    full_name: optional(Schema.String),
    first_name: optional(Schema.String),
    last_name: optional(Schema.String),
    job_title: optional(Schema.NullOr(Schema.String)),
    created_at: optional(Schema.String),
    updated_at: optional(Schema.String)
  }),
  relationships: Schema.Struct({
    companies: optional(RelationshipOut),
    emails: optional(RelationshipOut),
    phones: optional(RelationshipOut),
    web_links: optional(RelationshipOut)
  })
})

/** A related resource in `included`. */
export const IncludedResource = Schema.Struct({
  type: Schema.String,
  id: Schema.String,
  attributes: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})

/** The document GET and PATCH answer with. */
export const PersonDocument = Schema.Struct({
  data: PersonResource,
  included: Schema.Array(IncludedResource)
}).annotations({ identifier: "PersonDocument" })
export type PersonDocument = typeof PersonDocument.Encoded

// ---------------------------------------------------------------------------------------------
// Query: include and fields
// ---------------------------------------------------------------------------------------------

const kindNames = Relationship.kindNames

/** Fields each type may name in `fields[<type>]`. */
export const fieldsByType: Readonly<Record<string, ReadonlyArray<string>>> = {
  people: ["full_name", "first_name", "last_name", "job_title", "created_at", "updated_at", ...kindNames],
  [Relationship.kinds.companies.emittedType]: ["name", "description", "domain", "created_at", "updated_at"],
  [Relationship.kinds.emails.emittedType]: ["value", "label", "created_at", "updated_at"],
  [Relationship.kinds.phones.emittedType]: ["e164_number", "label", "created_at", "updated_at"],
  [Relationship.kinds.web_links.emittedType]: ["url", "platform", "created_at", "updated_at"]
}

/** The parsed `include` and `fields[...]` query parameters. */
export interface Query {
  readonly include: ReadonlyArray<Relationship.KindName>
  /** Per type, the fields to render; an absent type renders every field. */
  readonly fields: Readonly<Record<string, ReadonlySet<string>>>
}

type Params = Readonly<Record<string, string | ReadonlyArray<string>>>

const badRequest = (path: string, issue: string, message: string) =>
  new DocumentError({ code: "BAD_REQUEST", message: `${path}: ${message}`, details: { path, issue } })

const single = (params: Params, key: string): Either.Either<string | undefined, DocumentError> => {
  const value = params[key]
  return typeof value === "string" || value === undefined
    ? Either.right(value)
    : Either.left(badRequest(key, "repeated", "may be given only once"))
}

const list = (value: string): ReadonlyArray<string> =>
  value.split(",").map((item) => item.trim()).filter((item) => item.length > 0)

const FIELDS = /^fields\[(.*)\]$/

/**
 * `include` and `fields[<type>]` from the query. Without `include`, `defaultInclude` applies
 * (all kinds for GET, none for PATCH); an empty `include=` includes nothing.
 */
export const parseQuery = (
  params: Params,
  defaultInclude: ReadonlyArray<Relationship.KindName>
): Either.Either<Query, DocumentError> =>
  Either.gen(function*() {
    const includeParam = yield* single(params, "include")
    let include = defaultInclude
    if (includeParam !== undefined) {
      const names = list(includeParam)
      const unknown = names.find((name) => !(kindNames as ReadonlyArray<string>).includes(name))
      if (unknown !== undefined) {
        return yield* Either.left(badRequest("include", "unknown_include", `cannot include "${unknown}"; use ${kindNames.join(", ")}`))
      }
      include = kindNames.filter((name) => names.includes(name))
    }
    const fields: Record<string, ReadonlySet<string>> = {}
    for (const key of Object.keys(params)) {
      const match = FIELDS.exec(key)
      if (match === null) continue
      const type = match[1]!
      const allowed = fieldsByType[type]
      if (allowed === undefined) {
        return yield* Either.left(badRequest(key, "unknown_type", `unknown type "${type}"; use ${Object.keys(fieldsByType).join(", ")}`))
      }
      const names = list((yield* single(params, key)) ?? "")
      const unknown = names.find((name) => !allowed.includes(name))
      if (unknown !== undefined) {
        return yield* Either.left(badRequest(key, "unknown_field", `"${type}" has no field "${unknown}"`))
      }
      fields[type] = new Set(names)
    }
    return { include, fields }
  })

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

const pick = (
  type: string,
  query: Query,
  values: ReadonlyArray<readonly [string, unknown]>
): Record<string, unknown> => {
  const wanted = query.fields[type]
  const out: Record<string, unknown> = {}
  for (const [name, value] of values) if (wanted === undefined || wanted.has(name)) out[name] = value
  return out
}

const iso = (date: Date): string => date.toISOString()

const linkage = (kind: Relationship.Kind, link: Relationship.Link) => {
  if (kind.meta.length === 0) return { type: kind.emittedType, id: link.id }
  const meta: Record<string, Relationship.MetaValue> = {}
  for (const field of kind.meta) meta[field.name] = link.meta[field.name] ?? field.default
  return { type: kind.emittedType, id: link.id, meta }
}

const relatedAttributes = (resource: Related.RelatedResource): ReadonlyArray<readonly [string, unknown]> => {
  const stamps = [["created_at", iso(resource.created_at)], ["updated_at", iso(resource.updated_at)]] as const
  switch (resource._tag) {
    case "companies":
      return [
        ["name", resource.name],
        ["description", Option.getOrNull(resource.description)],
        ["domain", Option.getOrNull(resource.domain)],
        ...stamps
      ]
    case "emails":
      return [["value", resource.value], ["label", resource.label], ...stamps]
    case "phones":
      return [["e164_number", resource.e164_number], ["label", resource.label], ...stamps]
    case "web_links":
      return [["url", resource.url], ["platform", resource.platform], ...stamps]
  }
}

/** The document for a person's state under `query`. */
export const render = (state: UpdatePerson.PersonState, query: Query): PersonDocument => {
  const { links, person } = state
  const relationships: Record<string, unknown> = {}
  const wanted = query.fields["people"]
  for (const name of kindNames) {
    if (wanted !== undefined && !wanted.has(name)) continue
    const kind = Relationship.kinds[name]
    relationships[name] = { data: links[name].map((link) => linkage(kind, link)) }
  }
  const included = query.include.length === 0
    ? []
    : state.included
      .filter((resource) => query.include.includes(resource._tag))
      .map((resource) => {
        const type = Relationship.kinds[resource._tag].emittedType
        return { type, id: resource.id, attributes: pick(type, query, relatedAttributes(resource)) }
      })
  return {
    data: {
      type: "people",
      id: person.id,
      attributes: pick("people", query, [
        ["full_name", person.full_name],
        ["first_name", person.first_name],
        ["last_name", person.last_name],
        ["job_title", Option.getOrNull(person.job_title)],
        ["created_at", iso(person.created_at)],
        ["updated_at", iso(person.updated_at)]
      ]),
      relationships
    },
    included
  } as PersonDocument
}
