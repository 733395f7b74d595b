/**
 * The relationship kinds of a person, described as data, so that one generic reconciliation,
 * one repository implementation and one wire codec serve all four (SPEC §1).
 */
import { Schema } from "effect"
import type { RelatedId } from "./Ids.js"

/** The four relationship kinds: `companies`, `emails`, `phones`, `web_links`. */
export const KindName = Schema.Literal("companies", "emails", "phones", "web_links")
export type KindName = typeof KindName.Type

/** Every kind, in the order used wherever kinds are listed (documents, error precedence). */
export const kindNames: ReadonlyArray<KindName> = KindName.literals

/** How a person relates to a company (the `relationship_type` link meta). */
export const RelationshipType = Schema.Literal("owner", "employee", "contact", "other")
export type RelationshipType = typeof RelationshipType.Type

/** A link's meta value: `relationship_type` is a string, `is_primary` a boolean. */
export type MetaValue = string | boolean
/** A link's meta, complete (every field of its kind present). */
export type LinkMeta = Readonly<Record<string, MetaValue>>

/** One meta field of a kind. */
export interface MetaField {
  readonly name: string
  /** Validates a sent value (a `MetaValue`: a string literal or a boolean). */
  readonly schema: Schema.Schema.AnyNoContext
  /** The value a new link takes when the request omits this field. */
  readonly default: MetaValue
  /** At most one link of the kind may hold `true` (`is_primary`). */
  readonly exclusive: boolean
}

/** A relationship kind described as data: its name, wire types, resource name and meta fields. */
export interface Kind {
  readonly name: KindName
  /** Linkage `type`s accepted on write. */
  readonly acceptedTypes: ReadonlyArray<string>
  /** Linkage `type` emitted on read (also the `type` of the related resource). */
  readonly emittedType: string
  /** The related resource, in singular, as error codes name it (`COMPANY` → `COMPANY_NOT_FOUND`). */
  readonly resource: "company" | "email" | "phone" | "web_link"
  readonly meta: ReadonlyArray<MetaField>
}

const isPrimary: MetaField = { name: "is_primary", schema: Schema.Boolean, default: false, exclusive: true }

/** Every relationship kind, by name. */
export const kinds: { readonly [K in KindName]: Kind & { readonly name: K } } = {
  companies: {
    name: "companies",
    acceptedTypes: ["companies", "company"],
    emittedType: "companies",
    resource: "company",
    meta: [{ name: "relationship_type", schema: RelationshipType, default: "other", exclusive: false }]
  },
  emails: { name: "emails", acceptedTypes: ["emails", "email"], emittedType: "email", resource: "email", meta: [isPrimary] },
  phones: { name: "phones", acceptedTypes: ["phones", "phone"], emittedType: "phone", resource: "phone", meta: [isPrimary] },
  web_links: {
    name: "web_links",
    acceptedTypes: ["web_links", "web_link", "social_link"],
    emittedType: "web_link",
    resource: "web_link",
    meta: []
  }
}

/** A stored link from a person to a related resource, with its complete meta. */
export interface Link {
  readonly id: RelatedId
  readonly meta: LinkMeta
}

/** A link as a request asks for it: only the meta fields that were sent are present. */
export interface DesiredLink {
  readonly id: RelatedId
  readonly meta: LinkMeta
}

/** Every kind's links of one person, each list oldest first. */
export type LinkSets = { readonly [K in KindName]: ReadonlyArray<Link> }

/** No links of any kind. */
export const emptyLinkSets: LinkSets = { companies: [], emails: [], phones: [], web_links: [] }

/** The meta of a link that is new: defaults for every field the request left out. */
export const withDefaults = (kind: Kind, sent: LinkMeta): LinkMeta => {
  const meta: Record<string, MetaValue> = {}
  for (const field of kind.meta) meta[field.name] = sent[field.name] ?? field.default
  return meta
}

/** True when two links' meta are equal in every meta field of the kind. */
export const sameMeta = (kind: Kind, a: LinkMeta, b: LinkMeta): boolean =>
  kind.meta.every((field) => a[field.name] === b[field.name])
