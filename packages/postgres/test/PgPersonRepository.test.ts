import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import { expect, layer } from "@effect/vitest"
import {
  AttributeDiff,
  type Ids,
  PersonRepository,
  Related,
  Relationship,
  RelationshipPlan,
  Transactor,
  UpdatePerson
} from "@peoplekit/core"
import { Cause, Deferred, Effect, Exit, Fiber, Option } from "effect"
import * as Testing from "../src/Testing.js"
import { loadFixtures, related, sleep, uuid, withStatements, workspaceWith } from "./support.js"

const principal = (workspaceId: Ids.WorkspaceId) => ({
  keyId: uuid() as Ids.ApiKeyId,
  workspaceId,
  scopes: ["people:write" as const]
})

const loadOf = (workspaceId: Ids.WorkspaceId, personId: Ids.PersonId, targets = {}) =>
  Effect.flatMap(PersonRepository, (r) => r.load({ workspaceId, personId, forUpdate: false, targets }))

const mustLoad = (workspaceId: Ids.WorkspaceId, personId: Ids.PersonId, targets = {}) =>
  Effect.map(loadOf(workspaceId, personId, targets), Option.getOrThrow)

const ids = (links: ReadonlyArray<Relationship.Link>) => links.map((l) => l.id)

/** A workspace whose person already links companies, emails, phones and web links. */
const linked = (n: number) =>
  Effect.gen(function*() {
    const w = workspaceWith(n)
    yield* loadFixtures({
      ...w.fixtures,
      links: [
        ...w.companies.map((id, i) => ({
          workspace_id: w.workspace, person_id: w.person, kind: "companies" as const, id,
          relationship_type: i === 0 ? "owner" as const : undefined
        })),
        ...w.emails.map((id, i) => ({
          workspace_id: w.workspace, person_id: w.person, kind: "emails" as const, id, is_primary: i === 0
        })),
        ...w.phones.map((id) => ({ workspace_id: w.workspace, person_id: w.person, kind: "phones" as const, id })),
        ...w.webLinks.map((id) => ({ workspace_id: w.workspace, person_id: w.person, kind: "web_links" as const, id }))
      ].map((l) => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)) as typeof l)
    })
    return w
  })

const update = (w: { workspace: Ids.WorkspaceId; person: Ids.PersonId }, patch: UpdatePerson.UpdatePersonInput["patch"]) =>
  UpdatePerson.updatePerson({ principal: principal(w.workspace), personId: w.person, patch })

layer(Testing.testLayer, { timeout: "60 seconds" })("PgPersonRepository", (it) => {
  it.effect("load: absent, foreign and soft-deleted people are None", () =>
    Effect.gen(function*() {
      const w = workspaceWith(0)
      const deleted = uuid()
      const other = uuid()
      yield* loadFixtures({
        ...w.fixtures,
        workspaces: [...w.fixtures.workspaces!, { id: other, name: "Other" }],
        people: [
          ...w.fixtures.people!,
          { id: deleted, workspace_id: w.workspace, first_name: "D", last_name: "D", deleted_at: "2026-01-01T00:00:00.000Z" }
        ]
      })
      expect(Option.isSome(yield* loadOf(w.workspace, w.person))).toBe(true)
      expect(yield* loadOf(w.workspace, uuid() as Ids.PersonId)).toEqual(Option.none())
      expect(yield* loadOf(other as Ids.WorkspaceId, w.person)).toEqual(Option.none())
      expect(yield* loadOf(w.workspace, deleted as Ids.PersonId)).toEqual(Option.none())
    }))

  it.effect("load: the person, links of every kind in order with meta, and the missing targets", () =>
    Effect.gen(function*() {
      const w = yield* linked(3)
      const loaded = yield* mustLoad(w.workspace, w.person, {
        companies: [w.companies[1]!, related(), w.companies[1]!],
        emails: w.emails
      })
      expect(loaded.person.full_name).toBe("Ada Lovelace")
      expect(loaded.person.job_title).toEqual(Option.none())
      expect(loaded.person.version).toBe(1)
      expect(loaded.links.companies).toEqual([
        { id: w.companies[0], meta: { relationship_type: "owner" } },
        { id: w.companies[1], meta: { relationship_type: "other" } },
        { id: w.companies[2], meta: { relationship_type: "other" } }
      ])
      expect(loaded.links.emails.map((l) => l.meta.is_primary)).toEqual([true, false, false])
      expect(ids(loaded.links.emails)).toEqual(w.emails)
      expect(ids(loaded.links.phones)).toEqual(w.phones)
      expect(loaded.links.web_links).toEqual(w.webLinks.map((id) => ({ id, meta: {} })))
      expect(loaded.missing.emails).toBeUndefined()
      expect(loaded.missing.companies).toHaveLength(1)
    }))

  it.effect("load: soft-deleted and foreign targets are missing and their links are not loaded", () =>
    Effect.gen(function*() {
      const w = yield* linked(3)
      const other = workspaceWith(1)
      yield* loadFixtures(other.fixtures)
      const sql = yield* SqlClient.SqlClient
      yield* sql`UPDATE companies SET deleted_at = now() WHERE workspace_id = ${w.workspace} AND id = ${w.companies[1]!}`
      const loaded = yield* mustLoad(w.workspace, w.person, {
        companies: [w.companies[0]!, w.companies[1]!, other.companies[0]!]
      })
      expect(ids(loaded.links.companies)).toEqual([w.companies[0], w.companies[2]])
      expect(loaded.missing.companies).toEqual([w.companies[1], other.companies[0]])
    }))

  it.effect("the database refuses a link to a resource of another workspace", () =>
    Effect.gen(function*() {
      const w = workspaceWith(1)
      const other = workspaceWith(1)
      yield* loadFixtures(w.fixtures)
      yield* loadFixtures(other.fixtures)
      const sql = yield* SqlClient.SqlClient
      const error = yield* Effect.flip(sql`
        INSERT INTO person_companies (workspace_id, person_id, company_id)
        VALUES (${w.workspace}, ${w.person}, ${other.companies[0]!})`)
      expect(error).toBeInstanceOf(SqlError)
      expect((error.cause as { code: string }).code).toBe("23503")
      // Nor can the link claim the target's workspace for our person.
      const again = yield* Effect.flip(sql`
        INSERT INTO person_companies (workspace_id, person_id, company_id)
        VALUES (${other.workspace}, ${w.person}, ${other.companies[0]!})`)
      expect((again.cause as { code: string }).code).toBe("23503")
    }))

  it.effect("the database allows at most one primary email per person", () =>
    Effect.gen(function*() {
      const w = yield* linked(2)
      const sql = yield* SqlClient.SqlClient
      const error = yield* Effect.flip(sql`
        UPDATE person_emails SET is_primary = true WHERE workspace_id = ${w.workspace} AND email_id = ${w.emails[1]!}`)
      expect((error.cause as { code: string }).code).toBe("23P01")
    }))

  it.effect("save: writes only the difference; kept links keep their row, new ones follow request order", () =>
    Effect.gen(function*() {
      const w = yield* linked(3)
      const [c0, c1, c2] = w.companies as [Ids.RelatedId, Ids.RelatedId, Ids.RelatedId]
      const c3 = related()
      const c4 = related()
      yield* loadFixtures({
        companies: [c4, c3].map((id) => ({ id, workspace_id: w.workspace, name: "New" }))
      })
      const sql = yield* SqlClient.SqlClient
      const rows = () =>
        sql<{ company_id: string; xmin: string; link_seq: string; relationship_type: string }>`
          SELECT company_id, xmin::text, link_seq::text, relationship_type FROM person_companies
          WHERE workspace_id = ${w.workspace} AND person_id = ${w.person}`
          .pipe(Effect.map((rs) => new Map(rs.map((r) => [r.company_id, r]))))
      const before = yield* rows()

      const result = yield* update(w, {
        relationships: {
          companies: [
            { id: c0, meta: {} },
            { id: c3, meta: {} },
            { id: c2, meta: { relationship_type: "employee" } },
            { id: c4, meta: { relationship_type: "contact" } }
          ]
        }
      })
      expect(result.changed).toBe(true)
      const after = yield* rows()
      expect(after.get(c0)).toEqual(before.get(c0)) // untouched: same row version
      expect(after.has(c1)).toBe(false)
      expect(after.get(c2)!.link_seq).toBe(before.get(c2)!.link_seq)
      expect(after.get(c2)!.xmin).not.toBe(before.get(c2)!.xmin)
      expect(after.get(c2)!.relationship_type).toBe("employee")
      expect(BigInt(after.get(c3)!.link_seq)).toBeLessThan(BigInt(after.get(c4)!.link_seq))
      expect(BigInt(after.get(c3)!.link_seq)).toBeGreaterThan(BigInt(before.get(c2)!.link_seq))

      const loaded = yield* mustLoad(w.workspace, w.person)
      expect(loaded.links.companies).toEqual([
        { id: c0, meta: { relationship_type: "owner" } },
        { id: c2, meta: { relationship_type: "employee" } },
        { id: c3, meta: { relationship_type: "other" } },
        { id: c4, meta: { relationship_type: "contact" } }
      ])
      expect(loaded.links.companies).toEqual(result.links.companies)
      expect(loaded.person).toEqual(result.person)
      // Other kinds were not touched.
      expect(ids(loaded.links.emails)).toEqual(w.emails)
    }))

  it.effect("save: swapping the primary email (and attaching a new primary) in one save", () =>
    Effect.gen(function*() {
      const w = yield* linked(3)
      const [e0, e1, e2] = w.emails as [Ids.RelatedId, Ids.RelatedId, Ids.RelatedId]
      const swapped = yield* update(w, {
        relationships: { emails: [{ id: e0, meta: {} }, { id: e1, meta: { is_primary: true } }, { id: e2, meta: {} }] }
      })
      expect(swapped.links.emails.map((l) => [l.id, l.meta.is_primary])).toEqual([[e0, false], [e1, true], [e2, false]])
      const e3 = related()
      yield* loadFixtures({ emails: [{ id: e3, workspace_id: w.workspace, value: "new@example.com" }] })
      const attached = yield* update(w, {
        relationships: { emails: [{ id: e3, meta: { is_primary: true } }, { id: e1, meta: {} }] }
      })
      expect(attached.links.emails.map((l) => [l.id, l.meta.is_primary])).toEqual([[e1, false], [e3, true]])
      const loaded = yield* mustLoad(w.workspace, w.person)
      expect(loaded.links.emails).toEqual(attached.links.emails)
    }))

  it.effect("save: bumps the version, sets updated_at strictly later, and records the change", () =>
    Effect.gen(function*() {
      const w = yield* linked(2)
      const repository = yield* PersonRepository
      const before = yield* mustLoad(w.workspace, w.person)
      const first = yield* update(w, {
        job_title: Option.some("Countess"),
        relationships: { companies: [{ id: w.companies[1]!, meta: { relationship_type: "owner" } }] }
      })
      const second = yield* update(w, { first_name: "Augusta", job_title: Option.none() })
      expect(first.person.version).toBe(2)
      expect(second.person.version).toBe(3)
      expect(first.person.updated_at.getTime()).toBeGreaterThan(before.person.updated_at.getTime())
      expect(second.person.updated_at.getTime()).toBeGreaterThan(first.person.updated_at.getTime())
      expect(second.person.full_name).toBe("Augusta Lovelace")
      expect(second.person.created_at).toEqual(before.person.created_at)

      const changes = yield* repository.changes(w.workspace, w.person)
      expect(changes.map((c) => [c.from_version, c.to_version])).toEqual([[1, 2], [2, 3]])
      expect(changes[0]!.occurred_at).toEqual(first.person.updated_at)
      expect(changes[0]!.attributes).toEqual({ job_title: { from: Option.none(), to: Option.some("Countess") } })
      expect(changes[0]!.links).toEqual({
        companies: {
          attach: [],
          detach: [{ id: w.companies[0], meta: { relationship_type: "owner" } }],
          retag: [{ id: w.companies[1], from: { relationship_type: "other" }, to: { relationship_type: "owner" } }]
        }
      })
      expect(changes[1]!.attributes).toEqual({
        first_name: { from: "Ada", to: "Augusta" },
        job_title: { from: Option.some("Countess"), to: Option.none() },
        full_name: { from: "Ada Lovelace", to: "Augusta Lovelace" }
      })
      expect(changes[1]!.links).toEqual({})
      expect(changes[0]!.workspace_id).toBe(w.workspace)
      expect(Option.isSome(changes[0]!.trace_id)).toBe(true)

      // A request that changes nothing writes nothing.
      const same = yield* update(w, { first_name: "Augusta" })
      expect(same.changed).toBe(false)
      expect((yield* repository.changes(w.workspace, w.person)).length).toBe(2)
    }))

  it.effect("save: refuses (as a defect) a change set whose version is stale", () =>
    Effect.gen(function*() {
      const w = yield* linked(1)
      const repository = yield* PersonRepository
      const loaded = yield* mustLoad(w.workspace, w.person)
      yield* update(w, { last_name: "Byron" })
      const exit = yield* Effect.exit(repository.save({
        before: loaded.person,
        attributes: AttributeDiff.make(loaded.person, { first_name: "X" }),
        plans: {},
        actor: uuid() as Ids.ApiKeyId,
        traceId: Option.none()
      }))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      expect((yield* mustLoad(w.workspace, w.person)).person.first_name).toBe("Ada")
    }))

  it.effect("related: live resources of the workspace, as core's classes, in the order asked", () =>
    Effect.gen(function*() {
      const w = yield* linked(2)
      const other = workspaceWith(1)
      yield* loadFixtures(other.fixtures)
      const sql = yield* SqlClient.SqlClient
      yield* sql`UPDATE phones SET deleted_at = now() WHERE workspace_id = ${w.workspace} AND id = ${w.phones[0]!}`
      const repository = yield* PersonRepository
      const found = yield* repository.related(w.workspace, {
        companies: [w.companies[1]!, w.companies[0]!, other.companies[0]!],
        emails: [w.emails[0]!],
        phones: w.phones,
        web_links: [w.webLinks[0]!]
      })
      expect(found.map((r) => [r._tag, r.id])).toEqual([
        ["companies", w.companies[1]],
        ["companies", w.companies[0]],
        ["emails", w.emails[0]],
        ["phones", w.phones[1]],
        ["web_links", w.webLinks[0]]
      ])
      const company = found[0] as Related.Company
      expect(company).toBeInstanceOf(Related.Company)
      expect(company.name).toBe("Company 1")
      expect(company.description).toEqual(Option.none())
      expect((found[2] as Related.Email).label).toBe("work")
      expect((found[3] as Related.Phone).e164_number).toBe("+442000000001")
      expect((found[4] as Related.WebLink).platform).toBe("website")
      expect(found[0]!.created_at).toBeInstanceOf(Date)
    }))

  it.effect("FOR UPDATE serialises two units of work on one person; the second sees the first's links", () =>
    Effect.gen(function*() {
      const w = yield* linked(1)
      const extra = related()
      yield* loadFixtures({ companies: [{ id: extra, workspace_id: w.workspace, name: "Extra" }] })
      const repository = yield* PersonRepository
      const transactor = yield* Transactor
      const locked = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const lockedLoad = repository.load({ workspaceId: w.workspace, personId: w.person, forUpdate: true, targets: {} })

      const first = yield* Effect.fork(transactor.withTransaction(Effect.gen(function*() {
        const loaded = Option.getOrThrow(yield* lockedLoad)
        yield* Deferred.succeed(locked, undefined)
        yield* Deferred.await(release)
        const plan = RelationshipPlan.reconcile(Relationship.kinds.companies, loaded.links.companies, [
          ...loaded.links.companies,
          { id: extra, meta: {} }
        ])
        return yield* repository.save({
          before: loaded.person,
          attributes: AttributeDiff.empty,
          plans: { companies: plan },
          actor: uuid() as Ids.ApiKeyId,
          traceId: Option.none()
        })
      })))
      yield* Deferred.await(locked)
      const second = yield* Effect.fork(transactor.withTransaction(withStatements(lockedLoad)))
      yield* sleep(300)
      expect(Option.isNone(yield* Fiber.poll(second))).toBe(true) // still waiting for the lock
      yield* Deferred.succeed(release, undefined)
      const saved = yield* Fiber.join(first)
      const [seen, statements] = yield* Fiber.join(second)
      const loaded = Option.getOrThrow(seen)
      expect(loaded.person.version).toBe(saved.version)
      expect(ids(loaded.links.companies)).toEqual([w.companies[0], extra])
      // The first read waited on the lock with an older snapshot, so it was read again.
      expect(statements).toHaveLength(2)
    }))

  it.effect("concurrent updates of one person are serialised; versions and records form a chain", () =>
    Effect.gen(function*() {
      const w = yield* linked(4)
      yield* Effect.forEach(
        w.companies,
        (id, i) => update(w, { job_title: Option.some(`T${i}`), relationships: { companies: [{ id, meta: {} }] } }),
        { concurrency: "unbounded" }
      )
      const loaded = yield* mustLoad(w.workspace, w.person)
      expect(loaded.person.version).toBe(5)
      expect(loaded.links.companies).toHaveLength(1)
      const changes = yield* Effect.flatMap(PersonRepository, (r) => r.changes(w.workspace, w.person))
      expect(changes.map((c) => c.to_version)).toEqual([2, 3, 4, 5])
      for (let i = 1; i < changes.length; i++) {
        expect(changes[i]!.attributes.job_title!.from).toEqual(changes[i - 1]!.attributes.job_title!.to)
      }
      const last = changes[3]!
      expect(loaded.person.job_title).toEqual(last.attributes.job_title!.to)
      expect(ids(loaded.links.companies)).toEqual(last.links.companies!.attach.map((l) => l.id))
    }))

  it.effect("load and save are one statement each, with the same text for 1 and 1,000 links", () =>
    Effect.gen(function*() {
      const transactor = yield* Transactor
      const run = (n: number) =>
        Effect.gen(function*() {
          const w = yield* linked(n)
          const fresh = Array.from({ length: n }, related)
          yield* loadFixtures({ companies: fresh.map((id) => ({ id, workspace_id: w.workspace, name: "F" })) })
          const [result, statements] = yield* withStatements(transactor.withTransaction(
            Effect.gen(function*() {
              const repository = yield* PersonRepository
              const loaded = Option.getOrThrow(
                yield* repository.load({ workspaceId: w.workspace, personId: w.person, forUpdate: true, targets: { companies: fresh } })
              )
              const plan = RelationshipPlan.reconcile(
                Relationship.kinds.companies,
                loaded.links.companies,
                [...loaded.links.companies.slice(1), ...fresh.map((id) => ({ id, meta: {} }))]
              )
              yield* repository.save({
                before: loaded.person,
                attributes: AttributeDiff.empty,
                plans: { companies: plan },
                actor: uuid() as Ids.ApiKeyId,
                traceId: Option.none()
              })
              return loaded
            })
          ))
          expect(result.missing).toEqual({})
          expect(result.links.emails).toHaveLength(n)
          const after = yield* mustLoad(w.workspace, w.person)
          expect(ids(after.links.companies)).toEqual([...w.companies.slice(1), ...fresh])
          return statements
        })
      const one = yield* run(1)
      const many = yield* run(1000)
      expect(one).toHaveLength(2)
      expect(many).toEqual(one)
    }), { timeout: 30_000 })
})
