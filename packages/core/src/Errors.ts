/**
 * The domain's failures. They carry what happened in domain words and no HTTP status; the HTTP
 * adapter maps each to exactly one error envelope.
 */
import { Data, Schema } from "effect"
import { PersonId, RelatedId } from "./Ids.js"
import { KindName } from "./Relationship.js"

/**
 * The patch is well-formed but not acceptable. `path` locates the offending member inside the
 * person resource (e.g. `["attributes", "created_at"]` or `["relationships", "emails", "data", 2]`).
 */
export class InvalidPatch extends Schema.TaggedError<InvalidPatch>()("InvalidPatch", {
  issue: Schema.Literal("read_only", "conflicting_meta", "multiple_primaries"),
  path: Schema.Array(Schema.Union(Schema.String, Schema.Number)),
  message: Schema.String
}) {}

/** The person does not exist, is soft-deleted, or belongs to another workspace (indistinguishable). */
export class PersonNotFound extends Schema.TaggedError<PersonNotFound>()("PersonNotFound", {
  personId: PersonId
}) {
  override get message() {
    return `No person with id ${this.personId}`
  }
}

/** Linked ids that are not live resources of their kind in the caller's workspace. */
export class RelatedNotFound extends Schema.TaggedError<RelatedNotFound>()("RelatedNotFound", {
  kind: KindName,
  ids: Schema.Array(RelatedId)
}) {}

/** The bearer key is missing, unknown, revoked or expired. The reason is for logs only. */
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()("Unauthenticated", {
  reason: Schema.Literal("missing", "unknown", "revoked", "expired")
}) {}

/** The key may not act here: no membership on the workspace, or a scope it lacks. */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  reason: Schema.Literal("workspace", "scope"),
  message: Schema.String
}) {}

/** `If-Match` named no current version of the person. */
export class PreconditionFailed extends Schema.TaggedError<PreconditionFailed>()("PreconditionFailed", {
  currentVersion: Schema.Int
}) {}

/** A transient conflict (serialisation failure, deadlock) outlived the bounded retries. */
export class TransientConflict extends Schema.TaggedError<TransientConflict>()("TransientConflict", {}) {}

/**
 * The store behind a port cannot be reached (connection refused, lost, timed out). Ports have no
 * error channel for infrastructure failures, so adapters *die* with this defect; the HTTP adapter
 * answers it with 503 instead of 500.
 */
export class StoreUnavailable extends Data.TaggedError("StoreUnavailable")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** Every failure of core's programs, for adapters that map them in one place. */
export type DomainError =
  | InvalidPatch
  | PersonNotFound
  | RelatedNotFound
  | Unauthenticated
  | Forbidden
  | PreconditionFailed
  | TransientConflict

const domainErrorTags: ReadonlySet<string> = new Set([
  "InvalidPatch",
  "PersonNotFound",
  "RelatedNotFound",
  "Unauthenticated",
  "Forbidden",
  "PreconditionFailed",
  "TransientConflict"
])

/** True for any of core's domain errors (the `DomainError` union). */
export const isDomainError = (u: unknown): u is DomainError =>
  typeof u === "object" && u !== null && "_tag" in u && domainErrorTags.has(String(u._tag)) && u instanceof Error
