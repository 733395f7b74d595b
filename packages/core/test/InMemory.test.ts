import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import type { ApiKeyId, PersonId, WorkspaceId } from "../src/Ids.js"
import { Transactor } from "../src/Transactor.js"
import { PersonRepository } from "../src/PersonRepository.js"
import { InMemory } from "../src/testing/index.js"
import { behaviourSuite } from "./behaviour.js"

behaviourSuite("in-memory", InMemory.layer())

describe("InMemory transactor", () => {
  it.effect("restores the state a failed unit of work changed", () =>
    Effect.gen(function*() {
      const ports = yield* InMemory.makePorts
      const before = yield* ports.store.get
      const failed = yield* Effect.exit(ports.transactor.withTransaction(
        Effect.gen(function*() {
          yield* ports.fixtures.load({
            workspaces: [{ id: crypto.randomUUID() as WorkspaceId, name: "W" }],
            people: [], companies: [], emails: [], phones: [], web_links: [], links: [], api_keys: []
          })
          return yield* Effect.fail("boom")
        })
      ))
      expect(failed._tag).toBe("Failure")
      expect(yield* ports.store.get).toBe(before)
    }).pipe(Effect.scoped))

  it.effect("serialises units of work", () =>
    Effect.gen(function*() {
      const ports = yield* InMemory.makePorts
      const order: Array<string> = []
      const unit = (name: string) =>
        ports.transactor.withTransaction(Effect.gen(function*() {
          order.push(`${name}:start`)
          yield* Effect.yieldNow()
          yield* Effect.yieldNow()
          order.push(`${name}:end`)
        }))
      yield* Effect.all([unit("a"), unit("b")], { concurrency: "unbounded" })
      expect(order).toEqual(["a:start", "a:end", "b:start", "b:end"])
    }).pipe(Effect.scoped))

  it.effect("gives fresh state each time the layer is built", () =>
    Effect.gen(function*() {
      const probe = Effect.flatMap(PersonRepository, (r) =>
        r.load({ workspaceId: crypto.randomUUID() as WorkspaceId, personId: crypto.randomUUID() as PersonId, forUpdate: false, targets: {} }))
      expect(yield* probe.pipe(Effect.provide(InMemory.layer()))).toEqual(Option.none())
      expect(yield* Effect.flatMap(Transactor, () => Effect.succeed("ok" as ApiKeyId)).pipe(Effect.provide(InMemory.layer()))).toBe("ok")
    }))
})

describe("InMemory fixtures", () => {
  const empty = { workspaces: [], people: [], companies: [], emails: [], phones: [], web_links: [], links: [], api_keys: [] }
  it.effect("are refused, like the database's foreign keys, when they name an unknown workspace", () =>
    Effect.gen(function*() {
      const ports = yield* InMemory.makePorts
      const person = {
        id: crypto.randomUUID() as PersonId, workspace_id: crypto.randomUUID() as WorkspaceId,
        first_name: "A", last_name: "B", job_title: null
      }
      const exit = yield* Effect.exit(ports.fixtures.load({ ...empty, people: [person] }))
      expect(exit._tag).toBe("Failure")
      expect(yield* Effect.exit(ports.fixtures.load({ ...empty, workspaces: [{ id: person.workspace_id, name: "W" }], people: [person] }))).toMatchObject({ _tag: "Success" })
    }).pipe(Effect.scoped))
})
