/**
 * The JSON:API request document of `PATCH /v1/people/{id}`: its wire schema (shared with clients
 * as the endpoint's payload) and its decoding into core's `PersonPatch`.
 *
 * Order of checks, each answering with the first offending field:
 * 1. the body is JSON (`INVALID_JSON`); a top-level `included` is refused (`BAD_REQUEST`);
 * 2. the shape (`SCHEMA_VALIDATION_ERROR`), in the order the schema lists members; within one
 *    object its unknown members come first; array entries by ascending index;
 * 3. `data.type`, `data.id`, both `web_links` and `social_links` (`BAD_REQUEST`);
 * 4. read-only attributes that cannot be current (`SCHEMA_VALIDATION_ERROR`, issue `read_only`);
 * 5. core's normalisation of every kind's links: conflicting meta, two primaries (`BAD_REQUEST`).
 * `details.path` is dotted; array indices are zero-based numbers
 * (`data.relationships.emails.data.3.id`).
 */
import { Ids, Person, Relationship, UpdatePerson } from "@peoplekit/core"
import { Data, Effect, Either, Option, ParseResult, Schema, SchemaAST } from "effect"

/** Entries allowed in one kind's `data` array as sent (SPEC §2.2). */
export const MAX_LINKS = 1000

/** A 400 about the request document (or query); `ErrorEnvelope` renders it. */
export class DocumentError extends Data.TaggedError("DocumentError")<{
  readonly code: "INVALID_JSON" | "SCHEMA_VALIDATION_ERROR" | "BAD_REQUEST"
  readonly message: string
  readonly details?: Readonly<Record<string, unknown>>
}> {}

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

// ---------------------------------------------------------------------------------------------
// Wire schema
// ---------------------------------------------------------------------------------------------

/** A link's meta as sent: only the kind's meta fields, each optional. */
const metaOf = (kind: Relationship.Kind): Schema.Schema<Relationship.LinkMeta, Readonly<Record<string, unknown>>> => {
  if (kind.meta.length === 0) {
    // An empty `Struct` accepts anything; a kind without meta fields accepts only `{}`.
    return Schema.Record({ key: Schema.String, value: Schema.Unknown }).pipe(
      Schema.filter((meta) => {
        const key = Object.keys(meta)[0]
        return key === undefined || { path: [key], message: "unknown meta field" }
      })
    ) as unknown as Schema.Schema<Relationship.LinkMeta, Readonly<Record<string, unknown>>>
  }
  const fields: Record<string, Schema.PropertySignature.Any> = {}
  for (const field of kind.meta) fields[field.name] = optional(field.schema)
  return Schema.Struct(fields) as unknown as Schema.Schema<Relationship.LinkMeta, Readonly<Record<string, unknown>>>
}

/** One resource linkage of `kind`: an accepted `type`, an id, optional meta. */
export const Linkage = (kind: Relationship.Kind) =>
  Schema.Struct({
    type: Schema.String.pipe(
      Schema.filter((type) => kind.acceptedTypes.includes(type), {
        message: () => `must be one of ${kind.acceptedTypes.map((t) => `"${t}"`).join(", ")}`
      })
    ),
    id: Ids.RelatedId,
    meta: optional(metaOf(kind))
  })

/** A relationship of `kind` as sent: `null`, or `{ data: null | [linkage…] }`. */
export const RelationshipValue = (kind: Relationship.Kind) =>
  Schema.NullOr(
    Schema.Struct({
      data: Schema.NullOr(
        Schema.Array(Linkage(kind)).pipe(
          Schema.maxItems(MAX_LINKS, { message: () => `at most ${MAX_LINKS} entries are allowed` })
        )
      )
    })
  )

const kinds = Relationship.kinds

/** The `relationships` member of a request document, one optional entry per kind. */
export const Relationships = Schema.Struct({
  companies: optional(RelationshipValue(kinds.companies)),
  emails: optional(RelationshipValue(kinds.emails)),
  phones: optional(RelationshipValue(kinds.phones)),
  web_links: optional(RelationshipValue(kinds.web_links)),
  /** Write alias of `web_links`. */
  social_links: optional(RelationshipValue(kinds.web_links))
})

/** The `attributes` member of a request document: writable ones and read-only echoes. */
export const Attributes = Schema.Struct({
  first_name: optional(Person.AttributeText),
  last_name: optional(Person.AttributeText),
  /** `null` clears it. */
  job_title: optional(Schema.NullOr(Person.AttributeText)),
  /** Read-only: accepted only with the current value (core decides). */
  full_name: optional(Schema.Unknown),
  created_at: optional(Schema.Unknown),
  updated_at: optional(Schema.Unknown)
})

/** The request document of a PATCH. `meta`, `jsonapi`, `links` are accepted and ignored. */
export const PatchDocument = Schema.Struct({
  data: Schema.Struct({
    type: Schema.String,
    id: Ids.PersonId,
    attributes: optional(Attributes),
    relationships: optional(Relationships),
    meta: optional(Schema.Unknown),
    links: optional(Schema.Unknown)
  }),
  meta: optional(Schema.Unknown),
  jsonapi: optional(Schema.Unknown),
  links: optional(Schema.Unknown)
}).annotations({ identifier: "PatchPersonDocument" })
export type PatchDocument = typeof PatchDocument.Type

// ---------------------------------------------------------------------------------------------
// Parse issues → the first offending field
// ---------------------------------------------------------------------------------------------

type Path = ReadonlyArray<PropertyKey>

interface Leaf {
  readonly path: Path
  readonly issue: ParseResult.ParseIssue
  /** The refinement that failed, when one did. */
  readonly refinement?: SchemaAST.Refinement
  /** A filter named a member below the value it checked (a member that must not be there). */
  readonly member?: boolean
}

const issuesOf = (composite: ParseResult.Composite): ReadonlyArray<ParseResult.ParseIssue> =>
  Array.isArray(composite.issues) ? composite.issues : [composite.issues as ParseResult.ParseIssue]

/** Walks to the first leaf issue; within a union, to the member that got furthest. */
const leafOf = (issue: ParseResult.ParseIssue, path: Path): Leaf => {
  switch (issue._tag) {
    case "Pointer":
      return leafOf(issue.issue, [...path, ...(Array.isArray(issue.path) ? issue.path : [issue.path])])
    case "Composite": {
      const issues = issuesOf(issue)
      if (issue.ast._tag === "Union" && issues.length > 0) {
        const leaves = issues.map((member) => leafOf(member, path))
        const deep = leaves.find((leaf) => leaf.path.length > path.length || leaf.issue._tag !== "Type")
        return deep ?? { path, issue: new ParseResult.Type(issue.ast, issue.actual) }
      }
      return leafOf(issues[0]!, path)
    }
    case "Refinement": {
      if (issue.kind === "From") return leafOf(issue.issue, path)
      const inner = leafOf(issue.issue, path)
      return inner.path.length > path.length
        ? { ...inner, refinement: issue.ast, member: true }
        : { path, issue, refinement: issue.ast }
    }
    case "Transformation":
      return leafOf(issue.issue, path)
    default:
      return { path, issue }
  }
}

const describe = (ast: SchemaAST.AST): string => {
  switch (ast._tag) {
    case "Union":
      return ast.types.map(describe).join(" or ")
    case "Literal":
      return ast.literal === null ? "null" : JSON.stringify(ast.literal)
    case "TypeLiteral":
      return "an object"
    case "TupleType":
      return "an array"
    case "StringKeyword":
      return "a string"
    case "BooleanKeyword":
      return "a boolean"
    case "NumberKeyword":
      return "a number"
    case "Refinement":
    case "Transformation":
      return describe(ast.from)
    default:
      return String(ast)
  }
}

const jsonType = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : `a ${typeof value}`

const dotted = (path: Path): string => path.map(String).join(".")

const unknownMember = (path: Path): string => {
  const parent = path[path.length - 2]
  return parent === "attributes"
    ? "unknown attribute"
    : parent === "relationships"
    ? "unknown relationship"
    : parent === "meta"
    ? "unknown meta field"
    : "unknown member"
}

/** The `SCHEMA_VALIDATION_ERROR` for a parse issue, naming its first offending field. */
export const fromParseIssue = (issue: ParseResult.ParseIssue, prefix: Path = []): DocumentError => {
  const leaf = leafOf(issue, prefix)
  const path = dotted(leaf.path)
  const at = path === "" ? "the document" : path
  const limited = leaf.refinement !== undefined &&
    Option.getOrUndefined(SchemaAST.getSchemaIdAnnotation(leaf.refinement)) === Schema.MaxItemsSchemaId
  let message: string
  let issueName = "invalid"
  const details: Record<string, unknown> = {}
  if (limited) {
    message = `${at}: at most ${MAX_LINKS} entries are allowed`
    issueName = "too_many"
    details.limit = MAX_LINKS
  } else if (leaf.issue._tag === "Unexpected" || leaf.member === true) {
    issueName = "unknown"
    message = `${at}: ${unknownMember(leaf.path)}`
  } else if (leaf.issue._tag === "Missing") {
    issueName = "missing"
    message = `${at}: is required`
  } else if (leaf.issue._tag === "Type" && leaf.issue.message === undefined && leaf.refinement === undefined) {
    message = `${at}: expected ${describe(leaf.issue.ast)}, got ${jsonType(leaf.issue.actual)}`
  } else {
    const formatted = ParseResult.ArrayFormatter.formatIssueSync(leaf.issue)[0]?.message ?? "is not valid"
    message = `${at}: ${formatted}`
  }
  return new DocumentError({
    code: "SCHEMA_VALIDATION_ERROR",
    message,
    details: { ...(path === "" ? {} : { path }), issue: issueName, ...details }
  })
}

// ---------------------------------------------------------------------------------------------
// Decoding into PersonPatch
// ---------------------------------------------------------------------------------------------

const decodeDocument = Schema.decodeUnknownEither(PatchDocument, { errors: "first", onExcessProperty: "error" })

const badRequest = (path: string, issue: string, message: string) =>
  new DocumentError({ code: "BAD_REQUEST", message: `${path}: ${message}`, details: { path, issue } })

const readOnly = (name: string, message: string) =>
  new DocumentError({
    code: "SCHEMA_VALIDATION_ERROR",
    message: `data.attributes.${name}: ${message}`,
    details: { path: `data.attributes.${name}`, issue: "read_only" }
  })

// An ISO-8601 date-time with an offset; core compares it as an instant at millisecond precision.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i

const timestamp = (name: "created_at" | "updated_at", value: unknown): Either.Either<Date, DocumentError> => {
  const date = typeof value === "string" && ISO_DATE_TIME.test(value) ? new Date(value) : undefined
  return date === undefined || Number.isNaN(date.getTime())
    ? Either.left(readOnly(name, "is read-only; send it only with its current value"))
    : Either.right(date)
}

type Relationships = typeof Relationships.Type
type Sent = Relationships[keyof Relationships]

const desiredLinks = (sent: Sent): ReadonlyArray<Relationship.DesiredLink> =>
  sent === undefined || sent === null || sent.data === null
    ? []
    : sent.data.map((linkage) => ({ id: linkage.id, meta: linkage.meta ?? {} }))

/** Parses a request body as JSON (an empty body is not JSON). */
export const parseJson = (body: string): Either.Either<unknown, DocumentError> =>
  Either.try({
    try: () => JSON.parse(body) as unknown,
    catch: () => new DocumentError({ code: "INVALID_JSON", message: "The request body is not valid JSON" })
  })

/** Decodes a parsed PATCH document for the person at `personId` into core's `PersonPatch`. */
export const toPatch = (
  json: unknown,
  personId: Ids.PersonId
): Either.Either<Person.PersonPatch, DocumentError> =>
  Either.gen(function*() {
    if (typeof json === "object" && json !== null && !Array.isArray(json) && Object.hasOwn(json, "included")) {
      return yield* Either.left(badRequest("included", "not_allowed", "a request document must not have `included`"))
    }
    const document = yield* Either.mapLeft(decodeDocument(json), (error) => fromParseIssue(error.issue))
    const data = document.data
    if (data.type !== "people") {
      return yield* Either.left(badRequest("data.type", "type_mismatch", `must be "people"`))
    }
    if (data.id !== personId) {
      return yield* Either.left(badRequest("data.id", "id_mismatch", "must equal the person id of the path"))
    }
    const relationships = data.relationships ?? {}
    if (relationships.web_links !== undefined && relationships.social_links !== undefined) {
      return yield* Either.left(
        badRequest("data.relationships.social_links", "duplicate_relationship", "send web_links or its alias social_links, not both")
      )
    }

    const attributes = data.attributes ?? {}
    const echo: { -readonly [K in keyof Person.ReadOnlyEcho]: Person.ReadOnlyEcho[K] } = {}
    if (Object.hasOwn(attributes, "full_name")) {
      if (typeof attributes.full_name !== "string") {
        return yield* Either.left(readOnly("full_name", "is read-only; send it only with its current value"))
      }
      echo.full_name = attributes.full_name
    }
    if (Object.hasOwn(attributes, "created_at")) echo.created_at = yield* timestamp("created_at", attributes.created_at)
    if (Object.hasOwn(attributes, "updated_at")) echo.updated_at = yield* timestamp("updated_at", attributes.updated_at)

    const links: { [K in Relationship.KindName]?: ReadonlyArray<Relationship.DesiredLink> } = {}
    if (relationships.companies !== undefined) links.companies = desiredLinks(relationships.companies)
    if (relationships.emails !== undefined) links.emails = desiredLinks(relationships.emails)
    if (relationships.phones !== undefined) links.phones = desiredLinks(relationships.phones)
    const webLinks = relationships.web_links ?? relationships.social_links
    if (webLinks !== undefined) links.web_links = desiredLinks(webLinks)

    const patch: Person.PersonPatch = {
      ...(attributes.first_name === undefined ? {} : { first_name: attributes.first_name }),
      ...(attributes.last_name === undefined ? {} : { last_name: attributes.last_name }),
      ...(attributes.job_title === undefined ? {} : { job_title: Option.fromNullable(attributes.job_title) }),
      ...(Object.keys(echo).length === 0 ? {} : { readOnly: echo }),
      ...(Object.keys(links).length === 0 ? {} : { relationships: links })
    }

    // Conflicting meta and two primaries are 400s that must answer before any 403 (SPEC §4).
    const alias = relationships.social_links !== undefined ? "social_links" : "web_links"
    yield* Either.mapLeft(UpdatePerson.normalizeRelationships(patch), (invalid) => {
      const path = ["data", ...invalid.path].map((segment, i) =>
        i === 2 && segment === "web_links" ? alias : segment
      )
      return badRequest(dotted(path), invalid.issue, invalid.message)
    })
    return patch
  })

/** Decodes a PATCH body (text) for the person at `personId`. */
export const decodePatch = Effect.fnUntraced(function*(body: string, personId: Ids.PersonId) {
  const json = yield* parseJson(body)
  return yield* toPatch(json, personId)
})
