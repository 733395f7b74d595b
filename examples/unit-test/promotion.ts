/**
 * Unit-test: a business rule of YOUR service, built on peoplekit's core programs, tested with
 * nothing but the in-memory adapters of `@peoplekit/core/testing` (no database, milliseconds).
 *
 * The rule: promoting someone sets their job title and makes their work email the primary one,
 * in one update (so one change record); promoting twice to the same title changes nothing.
 */
import { type Access, GetPerson, type Ids, UpdatePerson } from "@peoplekit/core"
import { Effect, Option } from "effect"

export const promote = Effect.fn("Host.promote")(function*(principal: Access.Principal, personId: Ids.PersonId, title: string, workEmail: Ids.RelatedId) {
  const current = yield* GetPerson.getPerson({ principal, personId, include: [] })
  // Keep every current email; the work email becomes (or stays) the primary one.
  const emails = current.links.emails.map((link) => ({ id: link.id, meta: { is_primary: link.id === workEmail } }))
  if (!emails.some((link) => link.id === workEmail)) emails.push({ id: workEmail, meta: { is_primary: true } })
  return yield* UpdatePerson.updatePerson({
    principal,
    personId,
    patch: { job_title: Option.some(title), relationships: { emails } }
  })
})
