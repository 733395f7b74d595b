/**
 * The person aggregate port: a person with its links of every kind. It is coarse on purpose:
 * one call loads (and locks) the aggregate together with which requested link targets exist,
 * one call saves a whole change set, so an adapter can keep the round trips per update constant.
 */
import { Context, type Effect, type Option } from "effect"
import type { AttributeDiff } from "./AttributeDiff.js"
import type { ChangeRecord } from "./ChangeRecord.js"
import type { ApiKeyId, PersonId, RelatedId, WorkspaceId } from "./Ids.js"
import type { Person } from "./Person.js"
import type { RelatedResource } from "./Related.js"
import type { KindName, LinkSets } from "./Relationship.js"
import type { Plan } from "./RelationshipPlan.js"

export type IdsByKind = { readonly [K in KindName]?: ReadonlyArray<RelatedId> }

export interface LoadRequest {
  readonly workspaceId: WorkspaceId
  readonly personId: PersonId
  /** Lock the person until the surrounding unit of work ends (`SELECT … FOR UPDATE`). */
  readonly forUpdate: boolean
  /** Related ids whose existence must be checked, per kind. */
  readonly targets: IdsByKind
}

export interface LoadedPerson {
  readonly person: Person
  /** Links to live related resources, each kind oldest first. */
  readonly links: LinkSets
  /** The requested targets that are not live resources of their kind in the workspace. */
  readonly missing: IdsByKind
}

/** One page of a person's change history, newest first (`PersonRepository.changesPage`). */
export interface ChangesQuery {
  readonly workspaceId: WorkspaceId
  readonly personId: PersonId
  /** Only records older than this version (`to_version < before`); from the newest when `None`. */
  readonly before: Option.Option<number>
  /** At most this many records. */
  readonly limit: number
}

export interface ChangeSet {
  /** The person as loaded, before the change. */
  readonly before: Person
  readonly attributes: AttributeDiff
  /** One plan per kind that changes (kinds without changes are absent). */
  readonly plans: { readonly [K in KindName]?: Plan }
  readonly actor: ApiKeyId
  readonly traceId: Option.Option<string>
}

export class PersonRepository extends Context.Tag("@peoplekit/core/PersonRepository")<
  PersonRepository,
  {
    /** The live person of the workspace with its links; `None` when absent, deleted or foreign. */
    readonly load: (request: LoadRequest) => Effect.Effect<Option.Option<LoadedPerson>>
    /**
     * Writes the attribute diff, every plan and one change record, bumps `version` by one and sets
     * `updated_at` to the time of the write (never earlier than the stored value). Returns the
     * person as written. Runs inside the caller's unit of work.
     */
    readonly save: (changes: ChangeSet) => Effect.Effect<Person>
    /** The live related resources among `ids`, for rendering `included`. */
    readonly related: (workspaceId: WorkspaceId, ids: IdsByKind) => Effect.Effect<ReadonlyArray<RelatedResource>>
    /** The person's change records, oldest first. */
    readonly changes: (workspaceId: WorkspaceId, personId: PersonId) => Effect.Effect<ReadonlyArray<ChangeRecord>>
    /**
     * Up to `limit` of the person's change records with `to_version < before` (all when `None`),
     * newest first. Versions form a chain, so a version is a stable cursor: records written after
     * the first page was read never shift later pages.
     */
    readonly changesPage: (query: ChangesQuery) => Effect.Effect<ReadonlyArray<ChangeRecord>>
  }
>() {}
