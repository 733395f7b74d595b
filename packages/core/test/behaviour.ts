/**
 * The behaviour suite of SPEC §2, written once as a function of a layer that provides the core
 * ports, and run against the in-memory adapters and against Postgres, so the fake can never drift
 * from the real adapter. Each test seeds a world of its own (fresh random ids), so tests sharing
 * one store do not see each other's data.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, type Layer, Option, Redacted, Schema, TestClock } from "effect"
import * as Access from "../src/Access.js"
import { authenticate } from "../src/Authenticate.js"
import { ApiKeyRepository } from "../src/ApiKeyRepository.js"
import { FixtureLoader, Fixtures, type FixturesInput } from "../src/Fixtures.js"
import { getPerson } from "../src/GetPerson.js"
import { listChanges } from "../src/ListChanges.js"
import type { ApiKeyId, PersonId, RelatedId, WorkspaceId } from "../src/Ids.js"
import type { PersonPatch } from "../src/Person.js"
import { PersonRepository } from "../src/PersonRepository.js"
import type { DesiredLink, KindName, Link } from "../src/Relationship.js"
import type { Transactor } from "../src/Transactor.js"
import { updatePerson } from "../src/UpdatePerson.js"

export type CorePorts = PersonRepository | ApiKeyRepository | Transactor | FixtureLoader

const uuid = () => crypto.randomUUID()

/** A fresh world: P1 of workspace A linked to C1 (employee), C2, E1 (primary), E2, PH1, W1. */
export const makeWorld = () => {
  const ids = {
    A: uuid(), B: uuid(), P1: uuid(), P2: uuid(), PB: uuid(), PDel: uuid(),
    C1: uuid(), C2: uuid(), C3: uuid(), CB: uuid(), CDel: uuid(),
    E1: uuid(), E2: uuid(), E3: uuid(), PH1: uuid(), PH2: uuid(), W1: uuid(), W2: uuid(),
    writeKey: uuid(), readKey: uuid(), revokedKey: uuid(), expiredKey: uuid()
  }
  const created_at = "2026-01-12T09:31:00.000Z"
  const fixtures: FixturesInput = {
    workspaces: [{ id: ids.A, name: "A" }, { id: ids.B, name: "B" }],
    people: [
      { id: ids.P1, workspace_id: ids.A, first_name: "Test", last_name: "Tester", job_title: "QA", created_at },
      { id: ids.P2, workspace_id: ids.A, first_name: "Other", last_name: "Person", created_at },
      { id: ids.PB, workspace_id: ids.B, first_name: "Foreign", last_name: "Person", created_at },
      { id: ids.PDel, workspace_id: ids.A, first_name: "Gone", last_name: "Person", created_at, deleted_at: created_at }
    ],
    companies: [
      { id: ids.C1, workspace_id: ids.A, name: "C1" },
      { id: ids.C2, workspace_id: ids.A, name: "C2", domain: "c2.example" },
      { id: ids.C3, workspace_id: ids.A, name: "C3" },
      { id: ids.CB, workspace_id: ids.B, name: "CB" },
      { id: ids.CDel, workspace_id: ids.A, name: "Deleted", deleted_at: created_at }
    ],
    emails: [
      { id: ids.E1, workspace_id: ids.A, value: "e1@example.com" },
      { id: ids.E2, workspace_id: ids.A, value: "e2@example.com", label: "personal" },
      { id: ids.E3, workspace_id: ids.A, value: "e3@example.com" }
    ],
    phones: [
      { id: ids.PH1, workspace_id: ids.A, e164_number: "+14155550101" },
      { id: ids.PH2, workspace_id: ids.A, e164_number: "+14155550102", label: "work" }
    ],
    web_links: [
      { id: ids.W1, workspace_id: ids.A, url: "https://github.com/test", platform: "github" },
      { id: ids.W2, workspace_id: ids.A, url: "https://test.example" }
    ],
    links: [
      { workspace_id: ids.A, person_id: ids.P1, kind: "companies", id: ids.C1, relationship_type: "employee" },
      { workspace_id: ids.A, person_id: ids.P1, kind: "companies", id: ids.C2 },
      { workspace_id: ids.A, person_id: ids.P1, kind: "emails", id: ids.E1, is_primary: true },
      { workspace_id: ids.A, person_id: ids.P1, kind: "emails", id: ids.E2 },
      { workspace_id: ids.A, person_id: ids.P1, kind: "phones", id: ids.PH1 },
      { workspace_id: ids.A, person_id: ids.P1, kind: "web_links", id: ids.W1 },
      { workspace_id: ids.A, person_id: ids.P2, kind: "companies", id: ids.C1 },
      { workspace_id: ids.A, person_id: ids.P1, kind: "companies", id: ids.CDel }
    ],
    api_keys: [
      { id: ids.writeKey, secret: `pk_${ids.writeKey}_w`, scopes: ["people:write"], workspaces: [ids.A] },
      { id: ids.readKey, secret: `pk_${ids.readKey}_r`, scopes: ["people:read"], workspaces: [ids.A, ids.B] },
      { id: ids.revokedKey, secret: `pk_${ids.revokedKey}_x`, scopes: ["people:write"], workspaces: [ids.A], revoked_at: created_at },
      { id: ids.expiredKey, secret: `pk_${ids.expiredKey}_e`, scopes: ["people:write"], workspaces: [ids.A], expires_at: "2000-01-01T00:00:00.000Z" }
    ]
  }
  // The fixture link to a deleted company must be created before the company is deleted in a real
  // store; fixtures load the row as deleted, which the database allows (the FK does not look at
  // deleted_at), so it stands for "a link whose target was soft-deleted later".
  return { ids, fixtures }
}

type World = ReturnType<typeof makeWorld>["ids"]

const seed = Effect.gen(function*() {
  // Tests run on the TestClock; start it at the real time so fixture timestamps, expiry and
  // revocation compare as they would in production.
  yield* TestClock.setTime(Date.now())
  const world = makeWorld()
  const loader = yield* FixtureLoader
  yield* loader.load(yield* Schema.decodeUnknown(Fixtures)(world.fixtures).pipe(Effect.orDie))
  return world.ids
})

const writer = (w: World): Access.Principal => ({
  keyId: w.writeKey as ApiKeyId,
  workspaceId: w.A as WorkspaceId,
  scopes: ["people:write"]
})

const load = (w: World, person: string, workspace: string = w.A) =>
  Effect.flatMap(PersonRepository, (r) =>
    r.load({ workspaceId: workspace as WorkspaceId, personId: person as PersonId, forUpdate: false, targets: {} })
  ).pipe(Effect.map(Option.getOrThrow))

const changesOf = (w: World, person: string) =>
  Effect.flatMap(PersonRepository, (r) => r.changes(w.A as WorkspaceId, person as PersonId))

const update = (w: World, patch: PersonPatch, extra: { personId?: string; ifMatch?: "*" | ReadonlyArray<number>; principal?: Access.Principal; include?: ReadonlyArray<KindName> } = {}) =>
  updatePerson({
    principal: extra.principal ?? writer(w),
    personId: (extra.personId ?? w.P1) as PersonId,
    patch,
    ...(extra.ifMatch !== undefined ? { ifMatch: extra.ifMatch } : {}),
    ...(extra.include !== undefined ? { include: extra.include } : {})
  })

const link = (id: string, meta: Record<string, string | boolean> = {}): DesiredLink => ({ id: id as RelatedId, meta })
const idsOf = (links: ReadonlyArray<Link>) => links.map((l) => l.id as string)

export const behaviourSuite = (name: string, ports: Layer.Layer<CorePorts>) =>
  describe(`updatePerson behaviour (${name})`, () => {
    it.layer(ports, { timeout: "60 seconds" })((it) => {
      it.effect("changes only the attributes sent and recomputes full_name", () =>
        Effect.gen(function*() {
          const w = yield* seed
          const before = yield* load(w, w.P1)
          const result = yield* update(w, { first_name: "Beta" })
          expect(result.changed).toBe(true)
          expect(result.person.first_name).toBe("Beta")
          expect(result.person.last_name).toBe("Tester")
          expect(result.person.full_name).toBe("Beta Tester")
          expect(result.person.job_title).toEqual(Option.some("QA"))
          expect(result.person.version).toBe(before.person.version + 1)
          expect(result.person.updated_at.getTime()).toBeGreaterThan(before.person.updated_at.getTime())
          expect(result.person.created_at).toEqual(before.person.created_at)
          const after = yield* load(w, w.P1)
          expect(after.person).toEqual(result.person)
          expect(after.links).toEqual(before.links)
          const [record, ...rest] = yield* changesOf(w, w.P1)
          expect(rest).toEqual([])
          expect(record!.attributes).toEqual({
            first_name: { from: "Test", to: "Beta" },
            full_name: { from: "Test Tester", to: "Beta Tester" }
          })
          expect(record!.links).toEqual({})
          expect(record!.actor_key_id).toBe(w.writeKey)
          expect([record!.from_version, record!.to_version]).toEqual([before.person.version, before.person.version + 1])
        }))

      it.effect("a request that changes nothing writes nothing", () =>
        Effect.gen(function*() {
          const w = yield* seed
          const before = yield* load(w, w.P1)
          const result = yield* update(w, {
            first_name: "Test",
            job_title: Option.some("QA"),
            readOnly: { full_name: "Test Tester", created_at: before.person.created_at, updated_at: before.person.updated_at },
            relationships: { companies: [link(w.C2), link(w.C1)], emails: [link(w.E1, { is_primary: true }), link(w.E2)] }
          })
          expect(result.changed).toBe(false)
          expect(result.person).toEqual(before.person)
          expect(yield* load(w, w.P1)).toEqual(before)
          expect(yield* changesOf(w, w.P1)).toEqual([])
          expect(yield* update(w, { relationships: {} })).toMatchObject({ changed: false })
        }))

      it.effect("job_title: null clears it, leaving it out keeps it", () =>
        Effect.gen(function*() {
          const w = yield* seed
          expect((yield* update(w, { last_name: "Smith" })).person.job_title).toEqual(Option.some("QA"))
          const cleared = yield* update(w, { job_title: Option.none() })
          expect(cleared.person.job_title).toEqual(Option.none())
          expect((yield* load(w, w.P1)).person.job_title).toEqual(Option.none())
          const records = yield* changesOf(w, w.P1)
          expect(records.map((r) => r.attributes)).toEqual([
            { last_name: { from: "Tester", to: "Smith" }, full_name: { from: "Test Tester", to: "Test Smith" } },
            { job_title: { from: Option.some("QA"), to: Option.none() } }
          ])
        }))

      it.effect("only the kinds named change; a kept email stays primary", () =>
        Effect.gen(function*() {
          const w = yield* seed
          const before = yield* load(w, w.P1)
          const result = yield* update(w, { relationships: { emails: [link(w.E1), link(w.E3)] } })
          expect(result.links.emails).toEqual([
            { id: w.E1, meta: { is_primary: true } },
            { id: w.E3, meta: { is_primary: false } }
          ])
          const after = yield* load(w, w.P1)
          expect(after.links).toEqual({ ...before.links, emails: result.links.emails })
          expect(after.person.first_name).toBe("Test")
          const [record] = yield* changesOf(w, w.P1)
          expect(record!.attributes).toEqual({})
          expect(Object.keys(record!.links)).toEqual(["emails"])
          expect(record!.links.emails).toEqual({
            attach: [{ id: w.E3, meta: { is_primary: false } }],
            detach: [{ id: w.E2, meta: { is_primary: false } }],
            retag: []
          })
        }))

      it.effect("an explicit primary demotes the stored one; meta omitted on an existing link keeps it", () =>
        Effect.gen(function*() {
          const w = yield* seed
          const result = yield* update(w, {
            relationships: {
              emails: [link(w.E1), link(w.E2, { is_primary: true })],
              companies: [link(w.C1), link(w.C2, { relationship_type: "owner" }), link(w.C3)]
            }
          })
          expect(result.links.emails).toEqual([
            { id: w.E1, meta: { is_primary: false } },
            { id: w.E2, meta: { is_primary: true } }
          ])
          expect(result.links.companies).toEqual([
            { id: w.C1, meta: { relationship_type: "employee" } },
            { id: w.C2, meta: { relationship_type: "owner" } },
            { id: w.C3, meta: { relationship_type: "other" } }
          ])
          expect((yield* load(w, w.P1)).links.emails).toEqual(result.links.emails)
        }))

      it.effect("an empty set detaches every link of that kind; the related rows remain", () =>
        Effect.gen(function*() {
          const w = yield* seed
          const result = yield* update(w, { relationships: { companies: [], phones: [] } })
          expect(result.links.companies).toEqual([])
          expect(result.links.phones).toEqual([])
          expect((yield* load(w, w.P2)).links.companies).toEqual([{ id: w.C1, meta: { relationship_type: "other" } }])
          const related = yield* Effect.flatMap(PersonRepository, (r) => r.related(w.A as WorkspaceId, { companies: [w.C1 as RelatedId] }))
          expect(related.map((c) => c.id)).toEqual([w.C1])
        }))

      it.effect("new links follow the kept ones in request order; duplicates count once; re-linking works", () =>
        Effect.gen(function*() {
          const w = yield* seed
          const first = yield* update(w, { relationships: { companies: [link(w.C3), link(w.C1), link(w.C1), link(w.C2)] } })
          expect(idsOf(first.links.companies)).toEqual([w.C1, w.C2, w.C3])
          yield* update(w, { relationships: { companies: [link(w.C3)] } })
          const again = yield* update(w, { relationships: { companies: [link(w.C2), link(w.C3), link(w.C1)] } })
          expect(idsOf(again.links.companies)).toEqual([w.C3, w.C2, w.C1])
          expect(idsOf((yield* load(w, w.P1)).links.companies)).toEqual([w.C3, w.C2, w.C1])
          const same = yield* update(w, { relationships: { companies: [link(w.C2), link(w.C3), link(w.C1)] } })
          expect(same.changed).toBe(false)
        }))

      it.effect("a missing, foreign or deleted related id fails with its ids and writes nothing", () =>
        Effect.gen(function*() {
          const w = yield* seed
          const before = yield* load(w, w.P1)
          const nowhere = uuid()
          const error = yield* Effect.flip(update(w, {
            job_title: Option.some("Changed"),
            relationships: { companies: [link(w.C3), link(nowhere), link(w.CB), link(w.CDel)] }
          }))
          expect(error._tag).toBe("RelatedNotFound")
          if (error._tag === "RelatedNotFound") {
            expect(error.kind).toBe("companies")
            expect([...error.ids].sort()).toEqual([nowhere, w.CB, w.CDel].sort())
          }
          expect(yield* load(w, w.P1)).toEqual(before)
          expect(yield* changesOf(w, w.P1)).toEqual([])
          const email = yield* Effect.flip(update(w, { relationships: { emails: [link(w.C1)] } }))
          expect(email).toMatchObject({ _tag: "RelatedNotFound", kind: "emails", ids: [w.C1] })
        }))

      it.effect("links to soft-deleted targets are not loaded", () =>
        Effect.gen(function*() {
          const w = yield* seed
          expect(idsOf((yield* load(w, w.P1)).links.companies)).toEqual([w.C1, w.C2])
        }))

      it.effect("a person of another workspace, a deleted or an unknown person is not found", () =>
        Effect.gen(function*() {
          const w = yield* seed
          for (const personId of [w.PB, w.PDel, uuid()]) {
            const error = yield* Effect.flip(update(w, { first_name: "X" }, { personId }))
            expect(error).toMatchObject({ _tag: "PersonNotFound", personId })
          }
          expect((yield* load(w, w.PB, w.B)).person.first_name).toBe("Foreign")
        }))

      it.effect("read-only attributes are accepted only with their current value", () =>
        Effect.gen(function*() {
          const w = yield* seed
          const before = yield* load(w, w.P1)
          const error = yield* Effect.flip(update(w, { job_title: Option.some("Lead"), readOnly: { created_at: new Date("2000-01-01T00:00:00Z") } }))
          expect(error).toMatchObject({ _tag: "InvalidPatch", issue: "read_only", path: ["attributes", "created_at"] })
          expect(yield* Effect.flip(update(w, { readOnly: { full_name: "Someone Else" } }))).toMatchObject({ issue: "read_only", path: ["attributes", "full_name"] })
          expect(yield* load(w, w.P1)).toEqual(before)
          const ok = yield* update(w, { first_name: "Beta", readOnly: { full_name: "Beta Tester", created_at: new Date(before.person.created_at.getTime()) } })
          expect(ok.person.full_name).toBe("Beta Tester")
          expect((yield* update(w, { readOnly: { full_name: "Beta Tester" } })).changed).toBe(false)
        }))

      it.effect("conflicting meta and two primaries are refused before anything is read", () =>
        Effect.gen(function*() {
          const w = yield* seed
          const conflict = yield* Effect.flip(update(w, { relationships: { companies: [link(w.C1, { relationship_type: "owner" }), link(w.C1, { relationship_type: "other" })] } }, { personId: uuid() }))
          expect(conflict).toMatchObject({ _tag: "InvalidPatch", issue: "conflicting_meta" })
          const primaries = yield* Effect.flip(update(w, { relationships: { phones: [link(w.PH1, { is_primary: true }), link(w.PH2, { is_primary: true })] } }))
          expect(primaries).toMatchObject({ _tag: "InvalidPatch", issue: "multiple_primaries" })
        }))

      it.effect("If-Match must name the current version; * matches any", () =>
        Effect.gen(function*() {
          const w = yield* seed
          const before = yield* load(w, w.P1)
          const version = before.person.version
          expect(yield* Effect.flip(update(w, { first_name: "X" }, { ifMatch: [version + 7] }))).toMatchObject({ _tag: "PreconditionFailed", currentVersion: version })
          expect(yield* load(w, w.P1)).toEqual(before)
          expect((yield* update(w, { first_name: "X" }, { ifMatch: [version + 7, version] })).person.version).toBe(version + 1)
          expect((yield* update(w, { first_name: "Y" }, { ifMatch: "*" })).person.version).toBe(version + 2)
        }))

      it.effect("a key without people:write may read but not update", () =>
        Effect.gen(function*() {
          const w = yield* seed
          const reader: Access.Principal = { keyId: w.readKey as ApiKeyId, workspaceId: w.A as WorkspaceId, scopes: ["people:read"] }
          expect(yield* Effect.flip(update(w, { first_name: "X" }, { principal: reader }))).toMatchObject({ _tag: "Forbidden", reason: "scope" })
          const read = yield* getPerson({ principal: reader, personId: w.P1 as PersonId })
          expect(read.person.first_name).toBe("Test")
        }))

      it.effect("include returns the related resources of the named kinds in link order", () =>
        Effect.gen(function*() {
          const w = yield* seed
          const result = yield* update(w, { relationships: { companies: [link(w.C2), link(w.C1), link(w.C3)] } }, { include: ["companies", "web_links"] })
          expect(result.included.map((r) => [r._tag, r.id])).toEqual([
            ["companies", w.C1], ["companies", w.C2], ["companies", w.C3], ["web_links", w.W1]
          ])
          const read = yield* getPerson({ principal: writer(w), personId: w.P1 as PersonId, include: ["emails"] })
          expect(read.included.map((r) => r.id)).toEqual([w.E1, w.E2])
          expect((yield* update(w, { first_name: "Z" })).included).toEqual([])
        }))

      it.effect("change records form an unbroken chain of versions and values", () =>
        Effect.gen(function*() {
          const w = yield* seed
          for (const title of ["One", "Two", "Three"]) yield* update(w, { job_title: Option.some(title) })
          const records = yield* changesOf(w, w.P1)
          expect(records.map((r) => [r.from_version, r.to_version])).toEqual([[1, 2], [2, 3], [3, 4]])
          for (let i = 1; i < records.length; i++) {
            expect(records[i]!.attributes.job_title?.from).toEqual(records[i - 1]!.attributes.job_title?.to)
          }
        }))

      it.effect("lists change records newest first, a page at a time, only for a live person of the workspace", () =>
        Effect.gen(function*() {
          const w = yield* seed
          for (const title of ["One", "Two", "Three", "Four", "Five"]) yield* update(w, { job_title: Option.some(title) })
          yield* update(w, { first_name: "Elsewhere" }, { personId: w.P2 })
          const reader: Access.Principal = { keyId: w.readKey as ApiKeyId, workspaceId: w.A as WorkspaceId, scopes: ["people:read"] }
          const list = (limit: number, before?: number) =>
            listChanges({ principal: reader, personId: w.P1 as PersonId, limit, ...(before === undefined ? {} : { before: Option.some(before) }) })
          const first = yield* list(2)
          expect(first.records.map((r) => r.to_version)).toEqual([6, 5])
          expect(first.next).toEqual(Option.some(5))
          const second = yield* list(2, 5)
          expect(second.records.map((r) => r.to_version)).toEqual([4, 3])
          // A change written between pages does not shift the later pages.
          yield* update(w, { job_title: Option.some("Six") })
          const third = yield* list(2, 3)
          expect(third.records.map((r) => r.to_version)).toEqual([2])
          expect(third.next).toEqual(Option.none())
          expect(third.records[0]!.attributes.job_title).toEqual({ from: Option.some("QA"), to: Option.some("One") })
          expect((yield* list(10)).records.map((r) => r.to_version)).toEqual([7, 6, 5, 4, 3, 2])
          // Exactly a full last page: no next.
          expect((yield* list(6)).next).toEqual(Option.none())
          const page = yield* Effect.flatMap(PersonRepository, (r) =>
            r.changesPage({ workspaceId: w.A as WorkspaceId, personId: w.P1 as PersonId, before: Option.some(4), limit: 5 }))
          expect(page.map((r) => r.to_version)).toEqual([3, 2])
          for (const [principal, personId] of [
            [{ ...reader, workspaceId: w.B as WorkspaceId }, w.P1],
            [reader, w.PDel],
            [reader, uuid()]
          ] as const) {
            expect(yield* Effect.flip(listChanges({ principal, personId: personId as PersonId }))).toMatchObject({ _tag: "PersonNotFound" })
          }
          expect(yield* Effect.flip(listChanges({ principal: { ...reader, scopes: [] }, personId: w.P1 as PersonId })))
            .toMatchObject({ _tag: "Forbidden", reason: "scope" })
        }))

      it.effect("authenticates by secret and refuses unknown, revoked and expired keys", () =>
        Effect.gen(function*() {
          const w = yield* seed
          const key = yield* authenticate(Redacted.make(`pk_${w.writeKey}_w`))
          expect(key.id).toBe(w.writeKey)
          expect(key.workspaces).toEqual([w.A])
          expect(Either.getOrThrow(Access.principalFor(key, Option.none()))).toEqual(writer(w))
          expect(Either.getLeft(Access.principalFor(key, Option.some(w.B as WorkspaceId)))).toMatchObject(Option.some({ reason: "workspace" }))
          for (const [secret, reason] of [["nope", "unknown"], [`pk_${w.revokedKey}_x`, "revoked"], [`pk_${w.expiredKey}_e`, "expired"]] as const) {
            expect(yield* Effect.flip(authenticate(Redacted.make(secret)))).toMatchObject({ _tag: "Unauthenticated", reason })
          }
          const found = yield* Effect.flatMap(ApiKeyRepository, (r) => r.findBySecret(Redacted.make(`pk_${w.readKey}_r`)))
          // Memberships are a set: their order is not part of the port.
          expect([...Option.getOrThrow(found).workspaces].sort()).toEqual([w.A, w.B].sort())
        }))
    })
  })
