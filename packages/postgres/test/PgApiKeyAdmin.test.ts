// Key administration (the CLI's `keys create | revoke | list`): core's KeyAdmin rules over the
// Postgres ApiKeyAdmin adapter. A created key authenticates at once; its secret is never stored
// or listed; a revoked key is refused.
import { expect, layer } from "@effect/vitest"
import { Authenticate, type Ids, KeyAdmin } from "@peoplekit/core"
import { Effect, Layer, Option, Redacted, TestClock } from "effect"
import { PgApiKeyAdmin } from "../src/index.js"
import * as Testing from "../src/Testing.js"
import { loadFixtures, uuid } from "./support.js"

const TestLayer = PgApiKeyAdmin.layer.pipe(Layer.provideMerge(Testing.testLayer))

layer(TestLayer, { timeout: "60 seconds" })("PgApiKeyAdmin", (it) => {
  it.effect("creates a pk_<id>_<random> key that authenticates, lists it without its secret, revokes it", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.now())
      const [w1, w2] = [uuid(), uuid()] as Array<Ids.WorkspaceId>
      yield* loadFixtures({ workspaces: [{ id: w1!, name: "One" }, { id: w2!, name: "Two" }] })
      const { id, secret } = yield* KeyAdmin.createKey({ scopes: ["people:read"], workspaces: [w1!, w2!], defaultWorkspace: w2! })
      expect(Redacted.value(secret)).toMatch(new RegExp(`^pk_${id}_[A-Za-z0-9_-]{32}$`))
      const key = yield* Authenticate.authenticate(secret)
      expect(key).toMatchObject({ id, scopes: ["people:read"], defaultWorkspace: w2 })

      const listed = (yield* KeyAdmin.listKeys).find((k) => k.id === id)!
      expect(listed).toMatchObject({ id, scopes: ["people:read"], defaultWorkspace: w2, revokedAt: Option.none() })
      expect([...listed.workspaces].sort()).toEqual([w1, w2].sort())
      expect(JSON.stringify(listed)).not.toContain(Redacted.value(secret))

      yield* KeyAdmin.revokeKey(id)
      expect(Option.isSome((yield* KeyAdmin.listKeys).find((k) => k.id === id)!.revokedAt)).toBe(true)
      expect(yield* Effect.flip(Authenticate.authenticate(secret))).toMatchObject({ _tag: "Unauthenticated", reason: "revoked" })
    }))

  it.effect("refuses unknown workspaces, bad requests and unknown keys, storing nothing", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.now())
      const w = uuid() as Ids.WorkspaceId
      const before = (yield* KeyAdmin.listKeys).length
      expect(yield* Effect.flip(KeyAdmin.createKey({ scopes: ["people:write"], workspaces: [w] })))
        .toMatchObject({ _tag: "UnknownWorkspace", workspaceIds: [w] })
      yield* loadFixtures({ workspaces: [{ id: w, name: "W" }] })
      expect(yield* Effect.flip(KeyAdmin.createKey({ scopes: [], workspaces: [w] }))).toMatchObject({ _tag: "InvalidKeyRequest" })
      expect(yield* Effect.flip(KeyAdmin.createKey({ scopes: ["people:read"], workspaces: [w], defaultWorkspace: uuid() as Ids.WorkspaceId })))
        .toMatchObject({ _tag: "InvalidKeyRequest" })
      expect(yield* Effect.flip(KeyAdmin.createKey({ scopes: ["people:read"], workspaces: [w], expiresAt: new Date(0) })))
        .toMatchObject({ _tag: "InvalidKeyRequest" })
      expect((yield* KeyAdmin.listKeys).length).toBe(before)
      const missing = uuid() as Ids.ApiKeyId
      expect(yield* Effect.flip(KeyAdmin.revokeKey(missing))).toMatchObject({ _tag: "KeyNotFound", keyId: missing })
    }))
})
