/**
 * The change history document (`GET /v1/people/{person_id}/changes`): a person's change records,
 * newest first, one page at a time, with an opaque `cursor` and `links.next`.
 */
import { type ChangeRecord, ListChanges, Relationship } from "@peoplekit/core"
import { Either, Option, Schema } from "effect"
import { DocumentError } from "./Document.js"

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

// ---------------------------------------------------------------------------------------------
// Wire schema
// ---------------------------------------------------------------------------------------------

const Meta = Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Boolean) })
const Linkage = Schema.Struct({ type: Schema.String, id: Schema.String, meta: optional(Meta) })
const Retagged = Schema.Struct({ type: Schema.String, id: Schema.String, from: Meta, to: Meta })
const KindChanges = Schema.Struct({
  attached: Schema.Array(Linkage),
  detached: Schema.Array(Linkage),
  retagged: Schema.Array(Retagged)
})
const TextChange = Schema.Struct({ from: Schema.String, to: Schema.String })

/** One change record as a JSON:API resource (`person_changes`). */
export const ChangeResource = Schema.Struct({
  type: Schema.Literal("person_changes"),
  id: Schema.String,
  attributes: Schema.Struct({
    from_version: Schema.Int,
    to_version: Schema.Int,
    occurred_at: Schema.String,
    actor_key_id: Schema.String,
    trace_id: Schema.NullOr(Schema.String),
    /** `{ field: { from, to } }`; a cleared `job_title` is `null`. */
    attribute_changes: Schema.Struct({
      first_name: optional(TextChange),
      last_name: optional(TextChange),
      job_title: optional(Schema.Struct({ from: Schema.NullOr(Schema.String), to: Schema.NullOr(Schema.String) })),
      full_name: optional(TextChange)
    }),
    /** Per changed kind, the links attached, detached and re-tagged. */
    link_changes: Schema.Struct({
      companies: optional(KindChanges),
      emails: optional(KindChanges),
      phones: optional(KindChanges),
      web_links: optional(KindChanges)
    })
  })
})

/** The page document. `links.next` is `null` on the last page. */
export const ChangesDocument = Schema.Struct({
  data: Schema.Array(ChangeResource),
  links: Schema.Struct({ self: Schema.String, next: Schema.NullOr(Schema.String) })
}).annotations({ identifier: "ChangesDocument" })
export type ChangesDocument = typeof ChangesDocument.Encoded

// ---------------------------------------------------------------------------------------------
// Query: limit and cursor
// ---------------------------------------------------------------------------------------------

/** The decoded `limit` and `cursor` of a change history request. */
export interface PageQuery {
  readonly limit: number
  readonly before: Option.Option<number>
}

const invalid = (path: string, message: string, extra: Record<string, unknown> = {}) =>
  new DocumentError({ code: "SCHEMA_VALIDATION_ERROR", message: `${path}: ${message}`, details: { path, issue: "invalid", ...extra } })

/** The cursor is opaque to clients: base64url of `v<version>`. */
export const encodeCursor = (before: number): string => Buffer.from(`v${before}`, "utf8").toString("base64url")

/** The version an opaque cursor (`encodeCursor`) stands for; none when it is malformed. */
export const decodeCursor = (cursor: string): Option.Option<number> => {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return Option.none()
  const match = /^v([1-9][0-9]{0,9})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"))
  return match === null ? Option.none() : Option.some(Number(match[1]))
}

/** `limit` (1–100, default 20) and `cursor` from the query. */
export const parsePageQuery = (params: {
  readonly limit?: string | undefined
  readonly cursor?: string | undefined
}): Either.Either<PageQuery, DocumentError> => {
  let limit = ListChanges.DEFAULT_LIMIT
  if (params.limit !== undefined) {
    if (!/^[0-9]{1,6}$/.test(params.limit) || Number(params.limit) < 1) {
      return Either.left(invalid("limit", `must be an integer from 1 to ${ListChanges.MAX_LIMIT}`))
    }
    limit = Number(params.limit)
    if (limit > ListChanges.MAX_LIMIT) {
      return Either.left(
        new DocumentError({
          code: "SCHEMA_VALIDATION_ERROR",
          message: `limit: at most ${ListChanges.MAX_LIMIT}`,
          details: { path: "limit", issue: "too_many", limit: ListChanges.MAX_LIMIT }
        })
      )
    }
  }
  if (params.cursor === undefined) return Either.right({ limit, before: Option.none() })
  const before = decodeCursor(params.cursor)
  if (Option.isNone(before)) return Either.left(invalid("cursor", "is not a cursor this API returned"))
  return Either.right({ limit, before })
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

const linkageOf = (kind: Relationship.Kind, link: Relationship.Link) =>
  kind.meta.length === 0 ? { type: kind.emittedType, id: link.id } : { type: kind.emittedType, id: link.id, meta: link.meta }

const renderRecord = (record: ChangeRecord.ChangeRecord) => {
  const attribute_changes: Record<string, unknown> = {}
  for (const [field, change] of Object.entries(record.attributes)) {
    if (change === undefined) continue
    const { from, to } = change as { from: unknown; to: unknown }
    attribute_changes[field] = Option.isOption(from) && Option.isOption(to)
      ? { from: Option.getOrNull(from), to: Option.getOrNull(to) }
      : { from, to }
  }
  const link_changes: Record<string, unknown> = {}
  for (const name of Relationship.kindNames) {
    const plan = record.links[name]
    if (plan === undefined) continue
    const kind = Relationship.kinds[name]
    link_changes[name] = {
      attached: plan.attach.map((link) => linkageOf(kind, link)),
      detached: plan.detach.map((link) => linkageOf(kind, link)),
      retagged: plan.retag.map((r) => ({ type: kind.emittedType, id: r.id, from: r.from, to: r.to }))
    }
  }
  return {
    type: "person_changes" as const,
    id: record.id,
    attributes: {
      from_version: record.from_version,
      to_version: record.to_version,
      occurred_at: record.occurred_at.toISOString(),
      actor_key_id: record.actor_key_id,
      trace_id: Option.getOrNull(record.trace_id),
      attribute_changes,
      link_changes
    }
  }
}

/**
 * The page as a document. `path` is the request's path; `keep` are the query parameters the
 * `self` and `next` links carry over (the workspace), so following `next` stays in the same
 * workspace and page size.
 */
export const render = (
  page: ListChanges.ChangesPage,
  request: { readonly path: string; readonly limit: number; readonly cursor?: string | undefined; readonly keep: ReadonlyArray<readonly [string, string]> }
): ChangesDocument => {
  const link = (cursor: string | undefined) => {
    const params = new URLSearchParams()
    for (const [name, value] of request.keep) params.set(name, value)
    params.set("limit", String(request.limit))
    if (cursor !== undefined) params.set("cursor", cursor)
    return `${request.path}?${params.toString()}`
  }
  return {
    data: page.records.map(renderRecord),
    links: {
      self: link(request.cursor),
      next: Option.match(page.next, { onNone: () => null, onSome: (before) => link(encodeCursor(before)) })
    }
  } as ChangesDocument
}
