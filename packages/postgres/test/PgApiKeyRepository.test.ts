import { createHash } from "node:crypto"
import * as SqlClient from "@effect/sql/SqlClient"
import { expect, layer } from "@effect/vitest"
import { ApiKeyRepository, type Fixtures, type Ids } from "@peoplekit/core"
import { Deferred, Effect, Fiber, Option, Redacted } from "effect"
import * as Testing from "../src/Testing.js"
import { loadFixtures, uuid } from "./support.js"

type KeyInput = NonNullable<Fixtures.FixturesInput["api_keys"]>[number]

const keyFixtures = () => {
  const [w1, w2] = [uuid(), uuid()]
  const id = uuid()
  const secret = `pk_${id}_${uuid()}`
  const key: KeyInput = {
    id,
    secret,
    scopes: ["people:read"],
    workspaces: [w1, w2],
    default_workspace: w2
  }
  return {
    id,
    secret,
    workspaces: [w1, w2] as const,
    fixtures: {
      workspaces: [{ id: w1, name: "One" }, { id: w2, name: "Two" }],
      api_keys: [key]
    }
  }
}

const find = (secret: string) => Effect.flatMap(ApiKeyRepository, (r) => r.findBySecret(Redacted.make(secret)))

layer(Testing.testLayer, { timeout: "60 seconds" })("PgApiKeyRepository", (it) => {
  it.effect("finds a key by the SHA-256 of its secret, with memberships and default workspace", () =>
    Effect.gen(function*() {
      const k = keyFixtures()
      yield* loadFixtures(k.fixtures)
      const key = Option.getOrThrow(yield* find(k.secret))
      expect(key.id).toBe(k.id)
      expect(key.scopes).toEqual(["people:read"])
      expect([...key.workspaces].sort()).toEqual([...k.workspaces].sort())
      expect(key.defaultWorkspace).toBe(k.workspaces[1])
      expect(key.expiresAt).toEqual(Option.none())
      expect(key.revokedAt).toEqual(Option.none())
      expect(yield* find(k.secret + "x")).toEqual(Option.none())
      expect(yield* find("")).toEqual(Option.none())
    }))

  it.effect("never stores the secret itself", () =>
    Effect.gen(function*() {
      const k = keyFixtures()
      yield* loadFixtures(k.fixtures)
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ hash: string; dump: string }>`
        SELECT encode(secret_sha256, 'hex') AS hash, to_jsonb(a)::text AS dump FROM api_keys a WHERE id = ${k.id}`
      expect(row!.hash).toBe(createHash("sha256").update(k.secret).digest("hex"))
      expect(row!.dump).not.toContain(k.secret.slice(4 + 36 + 1))
    }))

  it.effect("returns revoked and expired keys too (core decides)", () =>
    Effect.gen(function*() {
      const k = keyFixtures()
      yield* loadFixtures({
        ...k.fixtures,
        api_keys: [{ ...k.fixtures.api_keys[0]!, revoked_at: "2020-01-01T00:00:00.000Z", expires_at: "2021-01-01T00:00:00.000Z" }]
      })
      const key = Option.getOrThrow(yield* find(k.secret))
      expect(key.revokedAt).toEqual(Option.some(new Date("2020-01-01T00:00:00.000Z")))
      expect(key.expiresAt).toEqual(Option.some(new Date("2021-01-01T00:00:00.000Z")))
    }))

  it.effect("records last_used_at at most about once a minute", () =>
    Effect.gen(function*() {
      const k = keyFixtures()
      yield* loadFixtures(k.fixtures)
      const sql = yield* SqlClient.SqlClient
      const lastUsed = Effect.map(
        sql<{ at: Date | null }>`SELECT last_used_at AS at FROM api_keys WHERE id = ${k.id}`,
        (rows) => rows[0]!.at
      )
      expect(yield* lastUsed).toBeNull()
      yield* find(k.secret)
      const first = yield* lastUsed
      expect(first).toBeInstanceOf(Date)
      yield* sql`UPDATE api_keys SET last_used_at = last_used_at - interval '30 seconds' WHERE id = ${k.id}`
      const recent = yield* lastUsed
      yield* find(k.secret)
      expect(yield* lastUsed).toEqual(recent) // used 30 s ago: not written again
      yield* sql`UPDATE api_keys SET last_used_at = last_used_at - interval '2 minutes' WHERE id = ${k.id}`
      yield* find(k.secret)
      expect((yield* lastUsed)!.getTime()).toBeGreaterThan(recent!.getTime())
    }))

  it.effect("a lookup does not wait for another transaction holding the key row", () =>
    Effect.gen(function*() {
      const k = keyFixtures()
      yield* loadFixtures(k.fixtures)
      const sql = yield* SqlClient.SqlClient
      const locked = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      // Another session holds the key row (as a concurrent lookup's update would) while we look up.
      const holder = yield* Effect.fork(sql.withTransaction(Effect.gen(function*() {
        yield* sql`SELECT 1 FROM api_keys WHERE id = ${k.id} FOR UPDATE`
        yield* Deferred.succeed(locked, undefined)
        yield* Deferred.await(release)
      })))
      yield* Deferred.await(locked)
      const started = Date.now()
      const key = yield* find(k.secret)
      expect(Date.now() - started).toBeLessThan(1000)
      expect(Option.isSome(key)).toBe(true)
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
    }))

  it.effect("the default workspace must be one of the memberships (checked by the database)", () =>
    Effect.gen(function*() {
      const k = keyFixtures()
      const outsider = uuid()
      const exit = yield* Effect.exit(loadFixtures({
        workspaces: [...k.fixtures.workspaces, { id: outsider, name: "X" }],
        api_keys: [{ ...k.fixtures.api_keys[0]!, workspaces: [k.workspaces[0]] as const, default_workspace: outsider as Ids.WorkspaceId }]
      }))
      expect(exit._tag).toBe("Failure")
      expect(yield* find(k.secret)).toEqual(Option.none())
    }))
})
