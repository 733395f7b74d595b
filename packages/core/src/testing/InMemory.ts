/**
 * Real, small in-memory implementations of every core port, backed by one `Ref`. Use them to
 * unit-test business rules without a database: `InMemory.layer(fixtures)` gives fresh state each
 * time it is built. The transactor really serialises units of work and restores the previous
 * state when one fails, so the shared behaviour suite holds here exactly as on Postgres.
 */
import { Clock, Context, Effect, FiberRef, Layer, Option, Redacted, Ref } from "effect"
import { ApiKey } from "../Access.js"
import { ApiKeyRepository } from "../ApiKeyRepository.js"
import * as AttributeDiff from "../AttributeDiff.js"
import type { ChangeRecord } from "../ChangeRecord.js"
import { FixtureLoader, type Fixtures } from "../Fixtures.js"
import { ChangeId, type PersonId, type RelatedId, type WorkspaceId } from "../Ids.js"
import { fullNameOf, Person } from "../Person.js"
import { Company, Email, Phone, type RelatedResource, WebLink } from "../Related.js"
import { type KindName, kindNames, kinds, type Link, type LinkSets, withDefaults } from "../Relationship.js"
import * as RelationshipPlan from "../RelationshipPlan.js"
import { type IdsByKind, PersonRepository } from "../PersonRepository.js"
import { Transactor } from "../Transactor.js"

interface StoredPerson {
  readonly person: Person
  readonly deletedAt: Option.Option<Date>
  readonly links: LinkSets
}

interface StoredRelated {
  readonly resource: RelatedResource
  readonly deletedAt: Option.Option<Date>
}

interface StoredKey {
  readonly key: ApiKey
  readonly lastUsedAt: Option.Option<Date>
}

/** Everything the in-memory store holds. Maps are keyed by `workspace/id`, as Postgres keys are. */
export interface Store {
  readonly workspaces: ReadonlyMap<WorkspaceId, string>
  readonly people: ReadonlyMap<string, StoredPerson>
  readonly related: ReadonlyMap<string, StoredRelated>
  readonly changes: ReadonlyArray<ChangeRecord>
  /** Keyed by the hex SHA-256 of the secret, never by the secret itself. */
  readonly apiKeys: ReadonlyMap<string, StoredKey>
}

const emptyStore: Store = { workspaces: new Map(), people: new Map(), related: new Map(), changes: [], apiKeys: new Map() }

const key = (workspaceId: WorkspaceId, id: string) => `${workspaceId}/${id}`
const relatedKey = (workspaceId: WorkspaceId, kind: KindName, id: string) => `${workspaceId}/${kind}/${id}`

/** Hex SHA-256 through Web Crypto (a global in Node 20), so core still imports only `effect`. */
export const sha256Hex = (text: string): Effect.Effect<string> =>
  Effect.promise(() => crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))).pipe(
    Effect.map((digest) => Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join(""))
  )

const newUuid = (): string => crypto.randomUUID()

const isLive = (store: Store, workspaceId: WorkspaceId, kind: KindName, id: RelatedId) => {
  const found = store.related.get(relatedKey(workspaceId, kind, id))
  return found !== undefined && Option.isNone(found.deletedAt)
}

const liveLinks = (store: Store, workspaceId: WorkspaceId, links: LinkSets): LinkSets => {
  const result: { [K in KindName]?: ReadonlyArray<Link> } = {}
  for (const name of kindNames) result[name] = links[name].filter((link) => isLive(store, workspaceId, name, link.id))
  return result as LinkSets
}

/** Loads fixtures into a store (idempotent: existing ids are kept as they are). */
const loadFixtures = (store: Store, fixtures: Fixtures, now: Date): Effect.Effect<Store> =>
  Effect.gen(function*() {
    const workspaces = new Map(store.workspaces)
    for (const w of fixtures.workspaces) if (!workspaces.has(w.id)) workspaces.set(w.id, w.name)

    // Like the database's foreign keys: every row names a known workspace, and a key's default
    // workspace is one of its memberships.
    const unknownWorkspace = [
      ...fixtures.people, ...fixtures.companies, ...fixtures.emails, ...fixtures.phones, ...fixtures.web_links, ...fixtures.links
    ].find((row) => !workspaces.has(row.workspace_id))
    if (unknownWorkspace !== undefined) {
      return yield* Effect.dieMessage(`fixture row ${JSON.stringify(unknownWorkspace)} names an unknown workspace`)
    }
    for (const k of fixtures.api_keys) {
      if (k.workspaces.some((w) => !workspaces.has(w))) return yield* Effect.dieMessage(`fixture key ${k.id} names an unknown workspace`)
      if (k.default_workspace !== undefined && !k.workspaces.includes(k.default_workspace)) {
        return yield* Effect.dieMessage(`fixture key ${k.id}: the default workspace must be one of its workspaces`)
      }
    }

    const people = new Map(store.people)
    for (const p of fixtures.people) {
      const k = key(p.workspace_id, p.id)
      if (people.has(k)) continue
      const created_at = p.created_at ?? now
      people.set(k, {
        person: Person.make({
          id: p.id,
          workspace_id: p.workspace_id,
          first_name: p.first_name,
          last_name: p.last_name,
          job_title: Option.fromNullable(p.job_title),
          full_name: fullNameOf(p.first_name, p.last_name),
          created_at,
          updated_at: p.updated_at ?? created_at,
          version: 1
        }),
        deletedAt: Option.fromNullable(p.deleted_at),
        links: { companies: [], emails: [], phones: [], web_links: [] }
      })
    }

    const related = new Map(store.related)
    const put = (kind: KindName, row: { id: RelatedId; workspace_id: WorkspaceId; deleted_at?: Date | undefined }, make: () => RelatedResource) => {
      const k = relatedKey(row.workspace_id, kind, row.id)
      if (!related.has(k)) related.set(k, { resource: make(), deletedAt: Option.fromNullable(row.deleted_at) })
    }
    const stamps = (row: { created_at?: Date | undefined; updated_at?: Date | undefined }) => {
      const created_at = row.created_at ?? now
      return { created_at, updated_at: row.updated_at ?? created_at }
    }
    for (const c of fixtures.companies) {
      put("companies", c, () =>
        Company.make({ id: c.id, workspace_id: c.workspace_id, name: c.name, description: Option.fromNullable(c.description), domain: Option.fromNullable(c.domain), ...stamps(c) }))
    }
    for (const e of fixtures.emails) {
      put("emails", e, () => Email.make({ id: e.id, workspace_id: e.workspace_id, value: e.value, label: e.label, ...stamps(e) }))
    }
    for (const p of fixtures.phones) {
      put("phones", p, () => Phone.make({ id: p.id, workspace_id: p.workspace_id, e164_number: p.e164_number, label: p.label, ...stamps(p) }))
    }
    for (const w of fixtures.web_links) {
      put("web_links", w, () => WebLink.make({ id: w.id, workspace_id: w.workspace_id, url: w.url, platform: w.platform, ...stamps(w) }))
    }

    for (const l of fixtures.links) {
      const k = key(l.workspace_id, l.person_id)
      const stored = people.get(k)
      // Like the database's composite foreign keys: both ends must exist in the link's workspace.
      if (stored === undefined || !related.has(relatedKey(l.workspace_id, l.kind, l.id))) {
        return yield* Effect.dieMessage(`fixture link ${l.kind}/${l.id} of person ${l.person_id} names a missing row`)
      }
      if (stored.links[l.kind].some((link) => link.id === l.id)) continue
      const sent: Record<string, string | boolean> = {}
      if (l.relationship_type !== undefined && l.kind === "companies") sent.relationship_type = l.relationship_type
      if (l.is_primary !== undefined && (l.kind === "emails" || l.kind === "phones")) sent.is_primary = l.is_primary
      const link: Link = { id: l.id, meta: withDefaults(kinds[l.kind], sent) }
      people.set(k, { ...stored, links: { ...stored.links, [l.kind]: [...stored.links[l.kind], link] } })
    }

    const apiKeys = new Map(store.apiKeys)
    for (const a of fixtures.api_keys) {
      const hash = yield* sha256Hex(Redacted.value(a.secret))
      if (apiKeys.has(hash) || [...apiKeys.values()].some((s) => s.key.id === a.id)) continue
      apiKeys.set(hash, {
        key: ApiKey.make({
          id: a.id,
          scopes: a.scopes,
          workspaces: a.workspaces,
          defaultWorkspace: a.default_workspace ?? a.workspaces[0],
          expiresAt: Option.fromNullable(a.expires_at),
          revokedAt: Option.fromNullable(a.revoked_at)
        }),
        lastUsedAt: Option.none()
      })
    }
    return { ...store, workspaces, people, related, apiKeys }
  })

/** Builds the ports over a given store reference (exposed for tests that inspect the store). */
export const makePorts = Effect.gen(function*() {
  const store = yield* Ref.make(emptyStore)
  const lock = yield* Effect.makeSemaphore(1)
  const inTransaction = yield* FiberRef.make(false)

  const transactor = Transactor.of({
    withTransaction: (self) =>
      Effect.flatMap(FiberRef.get(inTransaction), (nested) => {
        // A nested unit of work joins the outer one, as a SAVEPOINT-less transaction would.
        if (nested) return self
        return lock.withPermits(1)(
          Effect.gen(function*() {
            const snapshot = yield* Ref.get(store)
            return yield* Effect.locally(self, inTransaction, true).pipe(
              Effect.onExit((exit) => (exit._tag === "Failure" ? Ref.set(store, snapshot) : Effect.void))
            )
          })
        )
      })
  })

  const people = PersonRepository.of({
    load: (request) =>
      Effect.map(Ref.get(store), (s) => {
        const stored = s.people.get(key(request.workspaceId, request.personId))
        if (stored === undefined || Option.isSome(stored.deletedAt)) return Option.none()
        const missing: { [K in KindName]?: ReadonlyArray<RelatedId> } = {}
        for (const name of kindNames) {
          const targets = request.targets[name]
          if (targets === undefined) continue
          const absent = [...new Set(targets)].filter((id) => !isLive(s, request.workspaceId, name, id))
          if (absent.length > 0) missing[name] = absent
        }
        return Option.some({ person: stored.person, links: liveLinks(s, request.workspaceId, stored.links), missing })
      }),

    save: (changes) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const before = changes.before
        // Strictly increasing, never before the stored value (SPEC §1: it never goes backwards).
        const updated_at = new Date(Math.max(now, before.updated_at.getTime() + 1))
        const person = Person.make({
          ...before,
          ...AttributeDiff.apply(before, changes.attributes),
          updated_at,
          version: before.version + 1
        })
        const record: ChangeRecord = {
          id: ChangeId.make(newUuid()),
          workspace_id: before.workspace_id,
          person_id: before.id,
          from_version: before.version,
          to_version: person.version,
          actor_key_id: changes.actor,
          trace_id: changes.traceId,
          occurred_at: updated_at,
          attributes: changes.attributes,
          links: changes.plans
        }
        yield* Ref.update(store, (s) => {
          const k = key(before.workspace_id, before.id)
          const stored = s.people.get(k)!
          const links: { -readonly [K in KindName]: LinkSets[K] } = { ...stored.links }
          for (const name of kindNames) {
            const plan = changes.plans[name]
            if (plan !== undefined) links[name] = RelationshipPlan.apply(stored.links[name], plan)
          }
          return { ...s, people: new Map(s.people).set(k, { ...stored, person, links }), changes: [...s.changes, record] }
        })
        return person
      }),

    related: (workspaceId, ids: IdsByKind) =>
      Effect.map(Ref.get(store), (s) => {
        const found: Array<RelatedResource> = []
        for (const name of kindNames) {
          for (const id of ids[name] ?? []) {
            const r = s.related.get(relatedKey(workspaceId, name, id))
            if (r !== undefined && Option.isNone(r.deletedAt)) found.push(r.resource)
          }
        }
        return found
      }),

    changes: (workspaceId, personId: PersonId) =>
      Effect.map(Ref.get(store), (s) =>
        s.changes.filter((c) => c.workspace_id === workspaceId && c.person_id === personId)),

    changesPage: (query) =>
      Effect.map(Ref.get(store), (s) =>
        s.changes
          .filter((c) =>
            c.workspace_id === query.workspaceId && c.person_id === query.personId &&
            Option.match(query.before, { onNone: () => true, onSome: (before) => c.to_version < before }))
          .sort((a, b) => b.to_version - a.to_version)
          .slice(0, Math.max(0, query.limit)))
  })

  const apiKeys = ApiKeyRepository.of({
    findBySecret: (secret) =>
      Effect.gen(function*() {
        const hash = yield* sha256Hex(Redacted.value(secret))
        const now = new Date(yield* Clock.currentTimeMillis)
        const found = (yield* Ref.get(store)).apiKeys.get(hash)
        if (found === undefined) return Option.none()
        yield* Ref.update(store, (s) => ({ ...s, apiKeys: new Map(s.apiKeys).set(hash, { ...found, lastUsedAt: Option.some(now) }) }))
        return Option.some(found.key)
      })
  })

  const fixtures = FixtureLoader.of({
    load: (data) =>
      Effect.gen(function*() {
        const now = new Date(yield* Clock.currentTimeMillis)
        const current = yield* Ref.get(store)
        yield* Ref.set(store, yield* loadFixtures(current, data, now))
      })
  })

  return { store, transactor, people, apiKeys, fixtures }
})

/** Every port on one fresh in-memory store, loaded with `fixtures` when given. */
export const layer = (
  fixtures?: Fixtures
): Layer.Layer<PersonRepository | ApiKeyRepository | Transactor | FixtureLoader> =>
  Layer.scopedContext(
    Effect.gen(function*() {
      const ports = yield* makePorts
      if (fixtures !== undefined) yield* ports.fixtures.load(fixtures)
      return Context.make(PersonRepository, ports.people).pipe(
        Context.add(ApiKeyRepository, ports.apiKeys),
        Context.add(Transactor, ports.transactor),
        Context.add(FixtureLoader, ports.fixtures)
      )
    })
  )
