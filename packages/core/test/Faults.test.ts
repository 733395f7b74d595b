// Atomicity under faults, in memory: a failure injected before or after each step of an update
// (the locked load, the save, the end of the unit of work) leaves the store exactly as it was,
// surfaces as a defect, and the next update works.
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option, Schema } from "effect"
import { StoreUnavailable } from "../src/Errors.js"
import { Fixtures } from "../src/Fixtures.js"
import type { ApiKeyId, PersonId, RelatedId, WorkspaceId } from "../src/Ids.js"
import { updatePerson } from "../src/UpdatePerson.js"
import { PersonRepository } from "../src/PersonRepository.js"
import { Transactor } from "../src/Transactor.js"
import { Faults, InMemory } from "../src/testing/index.js"
import { makeWorld } from "./behaviour.js"

const setup = Effect.gen(function*() {
  const ports = yield* InMemory.makePorts
  const world = makeWorld()
  yield* ports.fixtures.load(yield* Schema.decodeUnknown(Fixtures)(world.fixtures).pipe(Effect.orDie))
  const { control, gate } = yield* Faults.make
  const people = Faults.wrapService(ports.people, gate)
  const transactor = Faults.wrapTransactor(ports.transactor, gate)
  const w = world.ids
  const update = (title: string) =>
    updatePerson({
      principal: { keyId: w.writeKey as ApiKeyId, workspaceId: w.A as WorkspaceId, scopes: ["people:write"] },
      personId: w.P1 as PersonId,
      patch: {
        job_title: Option.some(title),
        relationships: { companies: [{ id: w.C3 as RelatedId, meta: { relationship_type: "owner" } }] }
      }
    }).pipe(Effect.provideService(PersonRepository, people), Effect.provideService(Transactor, transactor))
  return { ports, control, update }
})

const plans: ReadonlyArray<Faults.Plan> = [
  { step: "transaction", when: "before" },
  { step: "load", when: "before" },
  { step: "load", when: "after" },
  { step: "save", when: "before" },
  { step: "save", when: "after" },
  { step: "commit", when: "before" }
]

describe("Faults around the in-memory ports", () => {
  it.effect("an update runs transaction → load → save → commit through the wrapper", () =>
    Effect.gen(function*() {
      const { control, update } = yield* setup
      yield* update("Lead")
      expect(yield* control.steps).toEqual(["transaction", "load", "save", "commit"])
    }).pipe(Effect.scoped))

  for (const plan of plans) {
    for (const kind of ["defect", "unavailable"] as const) {
      it.effect(`a ${kind} ${plan.when} ${plan.step} persists nothing and the next update works`, () =>
        Effect.gen(function*() {
          const { control, ports, update } = yield* setup
          const before = yield* ports.store.get
          yield* control.arm({ ...plan, kind })
          const exit = yield* Effect.exit(update("Lead"))
          expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
          const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
          expect(defect).toBeInstanceOf(kind === "defect" ? Faults.InjectedFault : StoreUnavailable)
          expect((yield* control.fired).map((f) => [f.step, f.when])).toEqual([[plan.step, plan.when]])
          const after = yield* ports.store.get
          // The very same maps: nothing was written, or what was written was rolled back.
          expect(after.people).toBe(before.people)
          expect(after.changes).toBe(before.changes)

          const next = yield* update("Lead")
          expect(next.changed).toBe(true)
          expect((yield* ports.store.get).changes).toHaveLength(1)
        }).pipe(Effect.scoped))
    }
  }

  it.effect("`times` fires repeatedly, then disarms; `disarm` stops an armed fault", () =>
    Effect.gen(function*() {
      const { control, update } = yield* setup
      yield* control.arm({ step: "load", times: 2 })
      expect(Exit.isFailure(yield* Effect.exit(update("a")))).toBe(true)
      expect(Exit.isFailure(yield* Effect.exit(update("b")))).toBe(true)
      expect((yield* update("c")).changed).toBe(true)
      yield* control.arm({ step: "save" })
      yield* control.disarm
      expect((yield* update("d")).changed).toBe(true)
    }).pipe(Effect.scoped))
})
