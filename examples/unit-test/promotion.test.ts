// Unit-test example: the host's `promote` rule against @peoplekit/core/testing's InMemory layer
// only — no database, no HTTP; the whole file runs in milliseconds.
import { describe, expect, it } from "@effect/vitest"
import { type Access, Fixtures, Ids, PersonRepository, type Transactor } from "@peoplekit/core"
import { InMemory } from "@peoplekit/core/testing"
import { Effect, Option } from "effect"
import { promote } from "./promotion.js"

const W = "5f0c6c1e-2a4b-4c8d-9e0f-1a2b3c4d5e6f"
const ADA = Ids.PersonId.make("6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
const HOME = Ids.RelatedId.make("8c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f")
const WORK = Ids.RelatedId.make("9d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a")

const world = Fixtures.decode({
  workspaces: [{ id: W, name: "Acme" }],
  people: [{ id: ADA, workspace_id: W, first_name: "Ada", last_name: "Lovelace", job_title: "Analyst" }],
  emails: [{ id: HOME, workspace_id: W, value: "ada@home.example", label: "personal" }, { id: WORK, workspace_id: W, value: "ada@engines.example" }],
  links: [{ workspace_id: W, person_id: ADA, kind: "emails", id: HOME, is_primary: true }]
})

const principal: Access.Principal = { keyId: Ids.ApiKeyId.make("1f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c"), workspaceId: Ids.WorkspaceId.make(W), scopes: ["people:write"] }

const inMemory = <A, E>(test: Effect.Effect<A, E, PersonRepository | Fixtures.FixtureLoader | Transactor>) =>
  Effect.gen(function*() {
    const fixtures = yield* Effect.orDie(world)
    return yield* test.pipe(Effect.provide(InMemory.layer(fixtures)))
  })

describe("promote (unit-tested on InMemory)", () => {
  it.effect("sets the title and makes the work email primary in one change", () =>
    inMemory(Effect.gen(function*() {
      const result = yield* promote(principal, ADA, "Chief Analyst", WORK)
      expect(result.person.job_title).toEqual(Option.some("Chief Analyst"))
      expect(result.links.emails).toEqual([
        { id: HOME, meta: { is_primary: false } },
        { id: WORK, meta: { is_primary: true } }
      ])
      const changes = yield* Effect.flatMap(PersonRepository, (r) => r.changes(principal.workspaceId, ADA))
      expect(changes).toHaveLength(1)
    })))

  it.effect("promoting again to the same title changes nothing", () =>
    inMemory(Effect.gen(function*() {
      yield* promote(principal, ADA, "Chief Analyst", WORK)
      const again = yield* promote(principal, ADA, "Chief Analyst", WORK)
      expect(again.changed).toBe(false)
    })))

  it.effect("a reader may not promote", () =>
    inMemory(Effect.gen(function*() {
      const error = yield* Effect.flip(promote({ ...principal, scopes: ["people:read"] }, ADA, "CEO", WORK))
      expect(error).toMatchObject({ _tag: "Forbidden", reason: "scope" })
    })))
})
