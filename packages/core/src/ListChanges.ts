/**
 * A person's change history (SPEC §2.8 records), newest first, one page at a time. The cursor is
 * a version: the next page holds the records older than the last one returned.
 */
import { Effect, Option } from "effect"
import * as Access from "./Access.js"
import type { ChangeRecord } from "./ChangeRecord.js"
import { PersonNotFound } from "./Errors.js"
import type { PersonId } from "./Ids.js"
import { PersonRepository } from "./PersonRepository.js"

/** Page size when the caller names none. */
export const DEFAULT_LIMIT = 20
/** The largest page a caller may ask for. */
export const MAX_LIMIT = 100

/** What `listChanges` needs: the caller, the person, a page size and where to continue (`before`). */
export interface ListChangesInput {
  readonly principal: Access.Principal
  readonly personId: PersonId
  /** Page size, 1–`MAX_LIMIT` (clamped); `DEFAULT_LIMIT` when absent. */
  readonly limit?: number
  /** Continue below this version (the `next` of the previous page). */
  readonly before?: Option.Option<number>
}

/** One page of a person's change records, and the cursor of the next page if any. */
export interface ChangesPage {
  /** Newest first. */
  readonly records: ReadonlyArray<ChangeRecord>
  /** The `before` of the next page; `None` on the last page. */
  readonly next: Option.Option<number>
}

const clamp = (limit: number | undefined): number =>
  limit === undefined || !Number.isFinite(limit) ? DEFAULT_LIMIT : Math.min(MAX_LIMIT, Math.max(1, Math.floor(limit)))

/** Lists a live person's change records (needs `people:read`; 404 for an absent or foreign person). */
export const listChanges = Effect.fn("ListChanges.listChanges")(function*(input: ListChangesInput) {
  const principal = yield* Access.requireScope(input.principal, "people:read")
  const repository = yield* PersonRepository
  const found = yield* repository.load({
    workspaceId: principal.workspaceId,
    personId: input.personId,
    forUpdate: false,
    targets: {}
  })
  if (Option.isNone(found)) return yield* new PersonNotFound({ personId: input.personId })
  const limit = clamp(input.limit)
  // One more than asked tells whether there is a next page without a second query.
  const rows = yield* repository.changesPage({
    workspaceId: principal.workspaceId,
    personId: input.personId,
    before: input.before ?? Option.none(),
    limit: limit + 1
  })
  const records = rows.slice(0, limit)
  const last = records[records.length - 1]
  const next = rows.length > limit && last !== undefined ? Option.some(last.to_version) : Option.none()
  return { records, next } satisfies ChangesPage
})
