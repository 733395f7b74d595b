// The short-lived API-key cache (`PgApiKeyRepository.makeCached`): how long a revocation may go
// unseen, and what is never cached. Time is the TestClock's, so nothing here sleeps.
import * as SqlClient from "@effect/sql/SqlClient"
import { expect, layer } from "@effect/vitest"
import type { Fixtures } from "@peoplekit/core"
import { Effect, Option, Redacted, TestClock } from "effect"
import * as PgApiKeyRepository from "../src/PgApiKeyRepository.js"
import * as Testing from "../src/Testing.js"
import { loadFixtures, uuid } from "./support.js"

const keyFixtures = (): { readonly id: string; readonly secret: string; readonly fixtures: Fixtures.FixturesInput } => {
  const workspace = uuid()
  const id = uuid()
  const secret = `pk_${id}_${uuid()}`
  return {
    id,
    secret,
    fixtures: {
      workspaces: [{ id: workspace, name: "One" }],
      api_keys: [{ id, secret, scopes: ["people:write"], workspaces: [workspace] }]
    }
  }
}

layer(Testing.testLayer, { timeout: "60 seconds" })("PgApiKeyRepository.makeCached", (it) => {
  it.effect("serves a found key for the time-to-live, then sees its revocation", () =>
    Effect.gen(function*() {
      const k = keyFixtures()
      yield* loadFixtures(k.fixtures)
      const keys = yield* PgApiKeyRepository.makeCached({ timeToLive: "5 seconds" })
      const sql = yield* SqlClient.SqlClient
      const find = keys.findBySecret(Redacted.make(k.secret))

      expect(Option.getOrThrow(yield* find).revokedAt).toEqual(Option.none())
      yield* sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${k.id}`
      // Within the time-to-live the cached key is still used...
      yield* TestClock.adjust("4 seconds")
      expect(Option.getOrThrow(yield* find).revokedAt).toEqual(Option.none())
      // ...and after it the revocation is seen.
      yield* TestClock.adjust("2 seconds")
      expect(Option.isSome(Option.getOrThrow(yield* find).revokedAt)).toBe(true)
    }))

  it.effect("does not cache an unknown secret, so a key created after a miss works at once", () =>
    Effect.gen(function*() {
      const k = keyFixtures()
      const keys = yield* PgApiKeyRepository.makeCached({ timeToLive: "5 seconds" })
      expect(yield* keys.findBySecret(Redacted.make(k.secret))).toEqual(Option.none())
      yield* loadFixtures(k.fixtures)
      expect(Option.getOrThrow(yield* keys.findBySecret(Redacted.make(k.secret))).id).toBe(k.id)
    }))
})
