// Embed: updatePerson inside the host's own transaction on the host's own SqlClient — both
// writes commit together, and a failure of the host's write rolls the person back too.
import { expect, layer } from "@effect/vitest"
import { type Access, Fixtures, Ids, PersonRepository } from "@peoplekit/core"
import * as Testing from "@peoplekit/postgres/Testing"
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Layer, Option } from "effect"
import { readFileSync } from "node:fs"
import { createNotesTable, PeoplekitOnYourClient, retitle } from "./embed.js"

const fixtures = JSON.parse(readFileSync(new URL("../fixtures.json", import.meta.url), "utf8"))
const workspaceId = Ids.WorkspaceId.make(fixtures.workspaces[0].id)
const personId = Ids.PersonId.make(fixtures.people[0].id)
const principal: Access.Principal = { keyId: Ids.ApiKeyId.make(fixtures.api_keys[0].id), workspaceId, scopes: ["people:write"] }

// The host's SqlClient (a fresh migrated database here) with peoplekit's ports on top of it.
const HostLayer = PeoplekitOnYourClient.pipe(Layer.provideMerge(Testing.sqlLayer))

const person = Effect.flatMap(PersonRepository, (r) => r.load({ workspaceId, personId, forUpdate: false, targets: {} })).pipe(
  Effect.map((loaded) => Option.getOrThrow(loaded).person)
)

layer(HostLayer, { timeout: "60 seconds" })("embed example", (it) => {
  it.effect("commits the person and the host's note together, or neither", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* Effect.flatMap(Fixtures.FixtureLoader, (l) => Effect.flatMap(Fixtures.decode(fixtures), l.load))
      yield* createNotesTable

      const done = yield* retitle(principal, personId, "  Chief Analyst ", "promoted")
      expect(done.person.job_title).toEqual(Option.some("Chief Analyst"))
      expect(yield* sql`SELECT note FROM host_notes`).toEqual([{ note: "promoted" }])

      // The host's own write fails (its CHECK): the person's change is rolled back with it.
      const failed = yield* Effect.exit(retitle(principal, personId, "Head of Engines", "x".repeat(81)))
      expect(failed._tag).toBe("Failure")
      const after = yield* person
      expect(after.job_title).toEqual(Option.some("Chief Analyst"))
      expect(after.version).toBe(done.person.version)
      expect(yield* Effect.flatMap(PersonRepository, (r) => r.changes(workspaceId, personId))).toHaveLength(1)
    }))
})
