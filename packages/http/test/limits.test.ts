// SPEC §2.2: at most 1,000 entries per kind's array as sent — refused before any query; 1,000
// distinct existing ids are linked in one request.
import { describe, expect, it } from "@effect/vitest"
import { ApiKeyRepository, Fixtures, PersonRepository, Transactor } from "@peoplekit/core"
import { InMemory } from "@peoplekit/core/testing"
import { Context, Effect, Layer, Schema } from "effect"
import { appLayerWith, decoded, expectEnvelope, makeAppOver, REMY, W1 } from "./support.js"

const emailIds = Array.from({ length: 1001 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`)

/** In-memory ports with 1,001 extra emails, counting the repository calls. */
const counted = (calls: { load: number; save: number }) =>
  Layer.scopedContext(
    Effect.gen(function*() {
      const ports = yield* InMemory.makePorts
      yield* ports.fixtures.load(decoded)
      yield* ports.fixtures.load(Schema.decodeUnknownSync(Fixtures.Fixtures)({
        emails: emailIds.map((id, i) => ({ id, workspace_id: W1, value: `person${i}@example.com` }))
      }))
      const people = PersonRepository.of({
        ...ports.people,
        load: (request) => Effect.suspend(() => (calls.load++, ports.people.load(request))),
        save: (changes) => Effect.suspend(() => (calls.save++, ports.people.save(changes)))
      })
      return Context.make(PersonRepository, people).pipe(
        Context.add(ApiKeyRepository, ports.apiKeys),
        Context.add(Transactor, ports.transactor)
      )
    })
  )

const emailsPatch = (ids: ReadonlyArray<string>) => ({
  data: { type: "people", id: REMY, relationships: { emails: { data: ids.map((id) => ({ type: "email", id })) } } }
})

describe("link limits", () => {
  it.scoped("1,001 email ids → 400 naming the limit before any query; 1,000 existing ids → 200", () =>
    Effect.gen(function*() {
      const calls = { load: 0, save: 0 }
      const app = yield* makeAppOver(appLayerWith(counted(calls)))
      const path = `/v1/people/${REMY}`

      const over = yield* app.fetch(path, { method: "PATCH", body: emailsPatch(emailIds) })
      expect(expectEnvelope(over, 400, "SCHEMA_VALIDATION_ERROR").ok).toBe(true)
      expect(over.json.details).toMatchObject({ path: "data.relationships.emails.data", limit: 1000 })
      expect(calls).toEqual({ load: 0, save: 0 })

      const thousand = emailIds.slice(0, 1000)
      const ok = yield* app.fetch(path, { method: "PATCH", body: emailsPatch(thousand) })
      expect(ok.status).toBe(200)
      expect(ok.json.data.relationships.emails.data.map((l: { id: string }) => l.id)).toEqual(thousand)
      expect(calls).toEqual({ load: 1, save: 1 })
    }))
})
