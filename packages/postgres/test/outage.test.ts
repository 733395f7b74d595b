// Database outage at the adapter edge: with the database unreachable (a cut TCP proxy between
// the pool and a real Postgres), every port dies with core's `StoreUnavailable` — quickly, with
// bounded connect timeouts — a unit of work cut mid-way persists nothing, and the same pool
// recovers by itself once the database is reachable again.
import { expect, layer } from "@effect/vitest"
import { ApiKeyRepository, Errors, type Ids, PersonRepository, Transactor, UpdatePerson } from "@peoplekit/core"
import { Cause, Context, Effect, Exit, Layer, Option, Redacted } from "effect"
import * as Database from "../src/Database.js"
import { layer as adapters } from "../src/index.js"
import * as Testing from "../src/Testing.js"
import * as Proxy from "./proxy.js"
import { loadFixtures, uuid, workspaceWith } from "./support.js"

const CONNECT_TIMEOUT_MS = 1_000

/** The defect of a failed exit, or undefined. */
const defectOf = <A, E>(exit: Exit.Exit<A, E>): unknown =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined

const timed = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = Date.now()
    const exit = yield* Effect.exit(self)
    return { exit, millis: Date.now() - start }
  })

/** One fresh database for the file; each test puts a proxy of its own in front of it. */
class Direct extends Context.Tag("Direct")<Direct, Redacted.Redacted<string>>() {}

layer(Layer.scoped(Direct, Testing.freshDatabase), { excludeTestServices: true, timeout: "60 seconds" })("database outage at the adapters", (it) => {
  it.scoped("every port dies with StoreUnavailable within the connect timeout, and the pool recovers", () =>
    Effect.gen(function*() {
      const direct = yield* Direct
      const proxy = yield* Proxy.make(direct)
      const context = yield* Layer.build(
        adapters.pipe(Layer.provideMerge(Database.layer({
          url: proxy.url,
          maxConnections: 4,
          connectTimeout: `${CONNECT_TIMEOUT_MS} millis`
        })))
      )
      const run = <A, E>(self: Effect.Effect<A, E, PersonRepository | ApiKeyRepository | Transactor>) =>
        timed(Effect.provide(self, context))
      yield* Effect.provide(Database.migrate, context)
      const w = workspaceWith(1)
      const secret = `pk_${uuid()}_outage`
      yield* Effect.provide(
        loadFixtures({ ...w.fixtures, api_keys: [{ id: uuid(), secret, scopes: ["people:write"], workspaces: [w.workspace] }] }),
        context
      )
      const principal = { keyId: uuid() as Ids.ApiKeyId, workspaceId: w.workspace, scopes: ["people:write" as const] }
      const patch = (title: string) =>
        UpdatePerson.updatePerson({
          principal,
          personId: w.person,
          patch: { job_title: Option.some(title) }
        })
      const steps = {
        findBySecret: Effect.flatMap(ApiKeyRepository, (r) => r.findBySecret(Redacted.make(secret))),
        load: Effect.flatMap(PersonRepository, (r) =>
          r.load({ workspaceId: w.workspace, personId: w.person, forUpdate: false, targets: {} })),
        related: Effect.flatMap(PersonRepository, (r) => r.related(w.workspace, { companies: w.companies })),
        begin: Effect.flatMap(Transactor, (t) => t.withTransaction(Effect.void)),
        update: patch("during the outage")
      }

      expect(Exit.isSuccess((yield* run(patch("before"))).exit)).toBe(true)

      for (const mode of ["refuse", "blackhole"] as const) {
        yield* proxy.setMode(mode)
        for (const [name, step] of Object.entries(steps)) {
          const { exit, millis } = yield* run(step as Effect.Effect<unknown, unknown, never>)
          const defect = defectOf(exit)
          expect(defect instanceof Errors.StoreUnavailable, `${mode}: ${name} died with ${String(defect)}`).toBe(true)
          // Refused at once; a silent host is given up on after the connect timeout.
          expect(millis, `${mode}: ${name} took ${millis} ms`).toBeLessThan(CONNECT_TIMEOUT_MS + 1_500)
        }
        yield* proxy.setMode("open")
        // The same pool recovers without a restart (a fresh connection per attempt).
        const after = yield* run(patch(`after ${mode}`))
        expect(Exit.isSuccess(after.exit), `recovered after ${mode}`).toBe(true)
      }
      const person = yield* Effect.provide(steps.load, context)
      expect(Option.getOrThrow(person).person.job_title).toEqual(Option.some("after blackhole"))
      expect(Option.getOrThrow(person).person.version).toBe(4)
    }), { timeout: 60_000 })

  it.scoped("a connection lost in the middle of a unit of work persists nothing", () =>
    Effect.gen(function*() {
      const direct = yield* Direct
      const proxy = yield* Proxy.make(direct)
      const context = yield* Layer.build(
        adapters.pipe(Layer.provideMerge(Database.layer({ url: proxy.url, maxConnections: 2, connectTimeout: "1 second" })))
      )
      yield* Effect.provide(Database.migrate, context)
      const w = workspaceWith(2)
      yield* Effect.provide(loadFixtures(w.fixtures), context)
      const program = Effect.gen(function*() {
        const people = yield* PersonRepository
        const transactor = yield* Transactor
        return yield* transactor.withTransaction(Effect.gen(function*() {
          const loaded = Option.getOrThrow(
            yield* people.load({ workspaceId: w.workspace, personId: w.person, forUpdate: true, targets: {} })
          )
          // The database goes away between the locked read and the write.
          yield* proxy.setMode("refuse")
          return yield* people.save({
            before: loaded.person,
            attributes: { job_title: { from: loaded.person.job_title, to: Option.some("lost") } },
            plans: {},
            actor: uuid() as Ids.ApiKeyId,
            traceId: Option.none()
          })
        }))
      })
      const exit = yield* Effect.exit(Effect.provide(program, context))
      expect(defectOf(exit) instanceof Errors.StoreUnavailable, `died with ${String(defectOf(exit))}`).toBe(true)
      yield* proxy.setMode("open")
      const after = Option.getOrThrow(yield* Effect.provide(
        Effect.flatMap(PersonRepository, (r) => r.load({ workspaceId: w.workspace, personId: w.person, forUpdate: false, targets: {} })),
        context
      ))
      expect(after.person.version).toBe(1)
      expect(after.person.job_title).toEqual(Option.none())
      const changes = yield* Effect.provide(Effect.flatMap(PersonRepository, (r) => r.changes(w.workspace, w.person)), context)
      expect(changes).toEqual([])
    }), { timeout: 60_000 })
})
