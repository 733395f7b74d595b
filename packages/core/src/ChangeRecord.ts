/**
 * The record of one effective change to a person: who, when, under which trace, the attribute
 * diff and, per kind, the links attached, detached and re-tagged (SPEC §2.8). Records of one
 * person form a chain: each goes from version n to n + 1.
 */
import type { Option } from "effect"
import type { AttributeDiff } from "./AttributeDiff.js"
import type { ApiKeyId, ChangeId, PersonId, WorkspaceId } from "./Ids.js"
import type { KindName } from "./Relationship.js"
import type { Plan } from "./RelationshipPlan.js"

/** What one effective update leaves behind: who, when, the attribute diff and the link changes. */
export interface ChangeRecord {
  readonly id: ChangeId
  readonly workspace_id: WorkspaceId
  readonly person_id: PersonId
  readonly from_version: number
  readonly to_version: number
  readonly actor_key_id: ApiKeyId
  readonly trace_id: Option.Option<string>
  readonly occurred_at: Date
  readonly attributes: AttributeDiff
  /** Only the kinds that changed. */
  readonly links: { readonly [K in KindName]?: Plan }
}
