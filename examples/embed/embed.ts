/**
 * Embed: your own Effect program calls peoplekit's `updatePerson` on YOUR SqlClient, inside YOUR
 * transaction, next to writes of your own. peoplekit's unit of work becomes a savepoint of yours,
 * so either everything commits or nothing does.
 *
 * Run it: DATABASE_URL=postgres://… node --conditions=@peoplekit/source --import tsx examples/embed/embed.ts
 * (the database must be migrated — `peoplekit migrate` — and hold the person of examples/fixtures.json).
 */
import { NodeRuntime } from "@effect/platform-node"
import * as SqlClient from "@effect/sql/SqlClient"
import { PgClient } from "@effect/sql-pg"
import { type Access, Ids, Person, UpdatePerson } from "@peoplekit/core"
import * as Postgres from "@peoplekit/postgres"
import { Config, Effect, Layer, Option, Schema } from "effect"
import { pathToFileURL } from "node:url"

/** Your own table, written in the same transaction as the person. */
export const createNotesTable = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql`CREATE TABLE IF NOT EXISTS host_notes (
    person_id uuid NOT NULL,
    note text NOT NULL CHECK (char_length(note) <= 80)
  )`)

/**
 * Your business operation: retitle a person and note why, atomically. `principal` says who acts
 * (embedded callers skip HTTP authentication; the key id is recorded in the change history).
 */
export const retitle = (principal: Access.Principal, personId: Ids.PersonId, title: string, note: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // The same validation the HTTP adapter applies (trim, NFC, length, control characters).
    const jobTitle = yield* Schema.decodeUnknown(Person.AttributeText)(title)
    return yield* sql.withTransaction(
      Effect.gen(function*() {
        const result = yield* UpdatePerson.updatePerson({ principal, personId, patch: { job_title: Option.some(jobTitle) } })
        yield* sql`INSERT INTO host_notes (person_id, note) VALUES (${personId}, ${note})`
        return result
      })
    )
  })

/** peoplekit's ports on whatever SqlClient you provide: here, your own pool. */
export const PeoplekitOnYourClient = Postgres.layer

const main = Effect.gen(function*() {
  yield* createNotesTable
  const principal: Access.Principal = {
    keyId: Ids.ApiKeyId.make("1f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c"),
    workspaceId: Ids.WorkspaceId.make("5f0c6c1e-2a4b-4c8d-9e0f-1a2b3c4d5e6f"),
    scopes: ["people:write"]
  }
  const result = yield* retitle(principal, Ids.PersonId.make("6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"), "Chief Analyst", "promoted")
  yield* Effect.log(`${result.person.full_name} is now ${Option.getOrElse(result.person.job_title, () => "-")} (version ${result.person.version})`)
}).pipe(
  Effect.provide(PeoplekitOnYourClient.pipe(Layer.provideMerge(PgClient.layerConfig({ url: Config.redacted("DATABASE_URL") }))))
)

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) NodeRuntime.runMain(main)
