// Atomicity under faults over HTTP (in memory): a failure injected at each step of a PATCH — the
// key lookup, the unit of work's start, the locked load, the save, the end of the unit of work —
// answers the envelope (500 INTERNAL_ERROR, or 503 SERVICE_UNAVAILABLE with Retry-After for an
// unreachable store), persists nothing, and the next request works.
import { describe, expect, it } from "@effect/vitest"
import { ApiKeyRepository, PersonRepository, Transactor } from "@peoplekit/core"
import { Faults, InMemory } from "@peoplekit/core/testing"
import { Context, Effect, Layer } from "effect"
import { appLayerWith, decoded, examplePatch, expectEnvelope, makeAppOver, OKAFOR_ROBOTICS, REMY, ids } from "./support.js"

const setup = Effect.gen(function*() {
  const ports = yield* InMemory.makePorts
  yield* ports.fixtures.load(decoded)
  const { control, gate } = yield* Faults.make
  const wrapped = Layer.succeedContext(
    Context.make(PersonRepository, Faults.wrapService(ports.people, gate)).pipe(
      Context.add(ApiKeyRepository, Faults.wrapService(ports.apiKeys, gate)),
      Context.add(Transactor, Faults.wrapTransactor(ports.transactor, gate))
    )
  )
  const app = yield* makeAppOver(appLayerWith(wrapped))
  return { app, control, ports }
})

const path = `/v1/people/${REMY}`
// Changes an attribute and every kind's links, so every part of the save has work to do.
const patch = {
  data: {
    ...examplePatch.data,
    relationships: {
      companies: { data: [{ type: "companies", id: ids.northwind }, { type: "companies", id: OKAFOR_ROBOTICS }] },
      emails: { data: [{ type: "emails", id: ids.personalEmail, meta: { is_primary: true } }] },
      phones: { data: [] },
      web_links: { data: null }
    }
  }
}

const steps: ReadonlyArray<Faults.Plan> = [
  { step: "findBySecret", when: "before" },
  { step: "transaction", when: "before" },
  { step: "load", when: "before" },
  { step: "load", when: "after" },
  { step: "save", when: "before" },
  { step: "save", when: "after" },
  { step: "commit", when: "before" }
]

describe("faults at each step of a PATCH (in memory)", () => {
  for (const plan of steps) {
    for (const kind of ["defect", "unavailable"] as const) {
      const [status, code] = kind === "defect" ? [500, "INTERNAL_ERROR"] : [503, "SERVICE_UNAVAILABLE"]
      it.scoped(`${kind} ${plan.when} ${plan.step} → ${status}, nothing persisted, next request works`, () =>
        Effect.gen(function*() {
          const { app, control, ports } = yield* setup
          const before = yield* ports.store.get
          const read = yield* app.fetch(path)
          yield* control.arm({ ...plan, kind })
          const reply = yield* app.fetch(path, { method: "PATCH", body: patch })
          expect(expectEnvelope(reply, status, code).ok, reply.text).toBe(true)
          // Never the cause (no stack, no SQL) in the body.
          expect(reply.text).not.toMatch(/injected|InjectedFault|at \w+ \(/)
          if (status === 503) expect(reply.headers.get("retry-after")).toBe("1")
          expect((yield* control.fired)).toHaveLength(1)
          const after = yield* ports.store.get
          expect(after.people).toBe(before.people)
          expect(after.changes).toBe(before.changes)
          expect((yield* app.fetch(path)).text).toBe(read.text)

          const next = yield* app.fetch(path, { method: "PATCH", body: patch })
          expect(next.status).toBe(200)
          expect(next.json.data.attributes.job_title).toBe("Founder and CEO")
          expect((yield* ports.store.get).changes).toHaveLength(1)
        }))
    }
  }

  it.scoped("a failure after the commit (reading `included`) is a 500 although the change is committed; repeating the PATCH is a no-op", () =>
    Effect.gen(function*() {
      const { app, control, ports } = yield* setup
      yield* control.arm({ step: "related" })
      const reply = yield* app.fetch(`${path}?include=companies`, { method: "PATCH", body: patch })
      expect(expectEnvelope(reply, 500, "INTERNAL_ERROR").ok).toBe(true)
      expect((yield* ports.store.get).changes).toHaveLength(1)
      const again = yield* app.fetch(`${path}?include=companies`, { method: "PATCH", body: patch })
      expect(again.status).toBe(200)
      expect((yield* ports.store.get).changes).toHaveLength(1)
    }))
})
