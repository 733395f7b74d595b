/**
 * @peoplekit/core — the Update Person domain: entities, pure diff and reconciliation, the ports
 * adapters implement, and the programs that use them. Imports nothing but `effect`.
 */
/** Branded, lower-case UUID ids. */
export * as Ids from "./Ids.js"
/** The person entity, its attribute rules and the `PersonPatch` command. */
export * as Person from "./Person.js"
/** The four relationship kinds described as data; links and their meta. */
export * as Relationship from "./Relationship.js"
/** Companies, emails, phones and web links as rendered in `included`. */
export * as Related from "./Related.js"
/** Pure attribute diff `{ field: { from, to } }`. */
export * as AttributeDiff from "./AttributeDiff.js"
/** Pure per-kind reconciliation: attach, detach, re-tag. */
export * as RelationshipPlan from "./RelationshipPlan.js"
/** The record one effective change leaves behind. */
export * as ChangeRecord from "./ChangeRecord.js"
/** Domain failures (no HTTP statuses). */
export * as Errors from "./Errors.js"
/** API keys, principals and the 401/403 policy. */
export * as Access from "./Access.js"
/** Resolving a bearer secret to an active key. */
export * as Authenticate from "./Authenticate.js"
/** The JSON format of loadable data, and the port that loads it. */
export * as Fixtures from "./Fixtures.js"
/** The Update Person program. */
export * as UpdatePerson from "./UpdatePerson.js"
/** The read of one person. */
export * as GetPerson from "./GetPerson.js"
/** A person's change history, newest first, paginated. */
export * as ListChanges from "./ListChanges.js"
/** API-key administration: `createKey` (secret shown once), `revokeKey`, `listKeys`, the `ApiKeyAdmin` port. */
export * as KeyAdmin from "./KeyAdmin.js"
// Ports: what an adapter implements (`@peoplekit/postgres`, `@peoplekit/core/testing`).
/** Port: the person aggregate — load it (locked) with its links, save one change set, read changes. */
export { PersonRepository } from "./PersonRepository.js"
/** The data `PersonRepository` takes and returns: load requests, loaded state, change sets, pages. */
export type { ChangeSet, ChangesQuery, IdsByKind, LoadedPerson, LoadRequest } from "./PersonRepository.js"
/** Port: resolves a bearer secret to its API key (only hashes of secrets are stored). */
export { ApiKeyRepository } from "./ApiKeyRepository.js"
/** Port: the unit of work (`withTransaction`); a program's writes commit or roll back together. */
export { Transactor } from "./Transactor.js"
/** Port: loads a fixtures file in one unit of work (demo data, `peoplekit seed`). */
export { FixtureLoader } from "./Fixtures.js"
