/** Reads one person with its links (the document GET and PATCH render). */
import { Effect, Option } from "effect"
import * as Access from "./Access.js"
import { PersonNotFound } from "./Errors.js"
import type { PersonId } from "./Ids.js"
import { PersonRepository } from "./PersonRepository.js"
import type { KindName } from "./Relationship.js"
import { includedOf, type PersonState } from "./UpdatePerson.js"

/** What `getPerson` needs: the caller, the person, and the kinds to include. */
export interface GetPersonInput {
  readonly principal: Access.Principal
  readonly personId: PersonId
  readonly include?: ReadonlyArray<KindName>
}

/** Reads one person with its links (needs `people:read`); fails with `PersonNotFound`. */
export const getPerson = Effect.fn("GetPerson.getPerson")(function*(input: GetPersonInput) {
  const principal = yield* Access.requireScope(input.principal, "people:read")
  const repository = yield* PersonRepository
  const loaded = yield* repository.load({
    workspaceId: principal.workspaceId,
    personId: input.personId,
    forUpdate: false,
    targets: {}
  })
  if (Option.isNone(loaded)) return yield* new PersonNotFound({ personId: input.personId })
  const { links, person } = loaded.value
  const included = yield* includedOf(person, links, input.include)
  return { person, links, included } satisfies PersonState
})
