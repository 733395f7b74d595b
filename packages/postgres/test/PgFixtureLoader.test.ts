import * as SqlClient from "@effect/sql/SqlClient"
import { expect, layer } from "@effect/vitest"
import { PersonRepository } from "@peoplekit/core"
import { Cause, Effect, Exit, Option } from "effect"
import * as Testing from "../src/Testing.js"
import { loadFixtures, related, uuid, workspaceWith } from "./support.js"

layer(Testing.testLayer, { timeout: "60 seconds" })("PgFixtureLoader", (it) => {
  it.effect("is idempotent: loading again changes nothing", () =>
    Effect.gen(function*() {
      const w = workspaceWith(2)
      const input = {
        ...w.fixtures,
        links: w.emails.map((id) => ({ workspace_id: w.workspace, person_id: w.person, kind: "emails" as const, id })),
        api_keys: [{ id: uuid(), secret: "demo", scopes: ["people:write" as const], workspaces: [w.workspace] as const }]
      }
      yield* loadFixtures(input)
      yield* loadFixtures({ ...input, people: [{ ...input.people![0]!, first_name: "Changed" }] })
      const sql = yield* SqlClient.SqlClient
      const [counts] = yield* sql<{ people: number; emails: number; links: number }>`
        SELECT (SELECT count(*)::int FROM people WHERE workspace_id = ${w.workspace}) AS people,
               (SELECT count(*)::int FROM emails WHERE workspace_id = ${w.workspace}) AS emails,
               (SELECT count(*)::int FROM person_emails WHERE workspace_id = ${w.workspace}) AS links`
      expect(counts).toEqual({ people: 1, emails: 2, links: 2 })
      const person = yield* Effect.flatMap(PersonRepository, (r) =>
        r.load({ workspaceId: w.workspace, personId: w.person, forUpdate: false, targets: {} }))
      expect(Option.getOrThrow(person).person.first_name).toBe("Ada")
    }))

  it.effect("keeps the listed link order, fills meta defaults and timestamps", () =>
    Effect.gen(function*() {
      const w = workspaceWith(3)
      const order = [w.companies[2]!, w.companies[0]!, w.companies[1]!]
      yield* loadFixtures({
        ...w.fixtures,
        people: [{ ...w.fixtures.people![0]!, created_at: "2025-05-05T05:05:05.555Z" }],
        links: order.map((id, i) => ({
          workspace_id: w.workspace,
          person_id: w.person,
          kind: "companies" as const,
          id,
          ...(i === 1 ? { relationship_type: "employee" as const } : {})
        }))
      })
      const loaded = Option.getOrThrow(yield* Effect.flatMap(PersonRepository, (r) =>
        r.load({ workspaceId: w.workspace, personId: w.person, forUpdate: false, targets: {} })))
      expect(loaded.links.companies).toEqual([
        { id: order[0], meta: { relationship_type: "other" } },
        { id: order[1], meta: { relationship_type: "employee" } },
        { id: order[2], meta: { relationship_type: "other" } }
      ])
      expect(loaded.person.created_at.toISOString()).toBe("2025-05-05T05:05:05.555Z")
      expect(loaded.person.updated_at).toEqual(loaded.person.created_at)
      expect(loaded.person.version).toBe(1)
    }))

  it.effect("a link naming a missing row is a defect and nothing of the batch is kept", () =>
    Effect.gen(function*() {
      const w = workspaceWith(1)
      const exit = yield* Effect.exit(loadFixtures({
        ...w.fixtures,
        links: [{ workspace_id: w.workspace, person_id: w.person, kind: "phones", id: related() }]
      }))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql`SELECT 1 FROM workspaces WHERE id = ${w.workspace}`
      expect(rows).toHaveLength(0)
    }))
})
