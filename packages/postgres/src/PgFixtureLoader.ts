/**
 * `FixtureLoader` on Postgres. Idempotent: rows whose key exists are left as they are
 * (`ON CONFLICT DO NOTHING`; on the junctions the conflict target is named, as a deferrable
 * exclusion constraint cannot be an arbiter). One statement per table, arrays as parameters, in one transaction.
 * Secrets are stored as their SHA-256 only; links of a person and kind keep their listed order.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Fixtures, Person } from "@peoplekit/core"
import { Effect, Layer, Redacted } from "effect"
import * as Unavailable from "./Unavailable.js"
import { hashSecret } from "./PgApiKeyRepository.js"
import { kindTables } from "./Tables.js"

const orNull = <A>(value: A | undefined): A | null => value ?? null

/** `created_at` defaults to the time of loading, `updated_at` to `created_at`. */
const STAMPS = "coalesce(r.created_at, now()), coalesce(r.updated_at, r.created_at, now()), r.deleted_at"
const STAMP_ARRAYS = "$3::timestamptz[], $4::timestamptz[], $5::timestamptz[]"

/** Builds the loader on the ambient `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  type Stamped = {
    readonly created_at?: Date | undefined
    readonly updated_at?: Date | undefined
    readonly deleted_at?: Date | undefined
  }
  const owned = (rows: ReadonlyArray<Stamped & { readonly id: string; readonly workspace_id: string }>) => [
    rows.map((r) => r.workspace_id),
    rows.map((r) => r.id),
    rows.map((r) => orNull(r.created_at)),
    rows.map((r) => orNull(r.updated_at)),
    rows.map((r) => orNull(r.deleted_at))
  ]
  /** Inserts `rows` into a table of workspace-owned rows with the given extra text columns. */
  const insertOwned = <Row extends Stamped & { readonly id: string; readonly workspace_id: string }>(
    table: string,
    rows: ReadonlyArray<Row>,
    columns: ReadonlyArray<{ readonly name: string; readonly value: (row: Row) => unknown; readonly type?: string }>
  ) => {
    if (rows.length === 0) return Effect.void
    const names = columns.map((c) => c.name)
    const arrays = columns.map((c, i) => `$${i + 6}::${c.type ?? "text"}[]`)
    return sql.unsafe(
      `INSERT INTO ${table} (workspace_id, id, created_at, updated_at, deleted_at, ${names.join(", ")})
       SELECT r.workspace_id, r.id, ${STAMPS}, ${names.map((n) => `r.${n}`).join(", ")}
       FROM unnest($1::uuid[], $2::uuid[], ${STAMP_ARRAYS}, ${arrays.join(", ")})
         AS r(workspace_id, id, created_at, updated_at, deleted_at, ${names.join(", ")})
       ON CONFLICT (workspace_id, id) DO NOTHING`,
      [...owned(rows), ...columns.map((c) => rows.map(c.value))]
    )
  }

  const load = Effect.fn("PgFixtureLoader.load")(function*(fixtures: Fixtures.Fixtures) {
    if (fixtures.workspaces.length > 0) {
      yield* sql.unsafe(
        `INSERT INTO workspaces (id, name) SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT DO NOTHING`,
        [fixtures.workspaces.map((w) => w.id), fixtures.workspaces.map((w) => w.name)]
      )
    }
    yield* insertOwned("people", fixtures.people, [
      { name: "first_name", value: (p) => p.first_name },
      { name: "last_name", value: (p) => p.last_name },
      { name: "job_title", value: (p) => p.job_title },
      { name: "full_name", value: (p) => Person.fullNameOf(p.first_name, p.last_name) }
    ])
    yield* insertOwned("companies", fixtures.companies, [
      { name: "name", value: (c) => c.name },
      { name: "description", value: (c) => c.description },
      { name: "domain", value: (c) => c.domain }
    ])
    yield* insertOwned("emails", fixtures.emails, [
      { name: "value", value: (e) => e.value },
      { name: "label", value: (e) => e.label }
    ])
    yield* insertOwned("phones", fixtures.phones, [
      { name: "e164_number", value: (p) => p.e164_number },
      { name: "label", value: (p) => p.label }
    ])
    yield* insertOwned("web_links", fixtures.web_links, [
      { name: "url", value: (w) => w.url },
      { name: "platform", value: (w) => w.platform }
    ])

    for (const k of kindTables) {
      const links = fixtures.links.filter((l) => l.kind === k.kind)
      if (links.length === 0) continue
      const meta = k.meta.map((m, i) => ({ ...m, param: `$${i + 4}::${m.type}[]` }))
      const names = meta.map((m) => m.name)
      // A missing meta value takes the column's default (relationship_type 'other', is_primary false).
      const metaValues = meta.map((m) =>
        links.map((l) => (m.name === "relationship_type" ? orNull(l.relationship_type) : orNull(l.is_primary))))
      yield* sql.unsafe(
        `INSERT INTO ${k.junction} (workspace_id, person_id, ${[k.target, ...names].join(", ")})
         SELECT r.workspace_id, r.person_id, ${["r.id", ...meta.map((m) => `coalesce(r.${m.name}, ${m.type === "boolean" ? "false" : "'other'"})`)].join(", ")}
         FROM unnest($1::uuid[], $2::uuid[], ${["$3::uuid[]", ...meta.map((m) => m.param)].join(", ")})
           WITH ORDINALITY AS r(workspace_id, person_id, id, ${[...names, "ord"].join(", ")})
         ORDER BY r.ord
         ON CONFLICT (workspace_id, person_id, ${k.target}) DO NOTHING`,
        [links.map((l) => l.workspace_id), links.map((l) => l.person_id), links.map((l) => l.id), ...metaValues]
      )
    }

    if (fixtures.api_keys.length > 0) {
      const keys = fixtures.api_keys
      const memberships = keys.flatMap((k) => k.workspaces.map((w) => [k.id, w] as const))
      // Memberships only for keys inserted now: an existing key is left as it is.
      yield* sql.unsafe(
        `WITH inserted AS (
           INSERT INTO api_keys (id, secret_sha256, scopes, default_workspace_id, expires_at, revoked_at)
           SELECT r.id, decode(r.secret, 'hex'), string_to_array(r.scopes, ' '), r.default_workspace_id,
                  r.expires_at, r.revoked_at
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::timestamptz[], $6::timestamptz[])
             AS r(id, secret, scopes, default_workspace_id, expires_at, revoked_at)
           ON CONFLICT DO NOTHING
           RETURNING id
         )
         INSERT INTO api_key_workspaces (api_key_id, workspace_id)
         SELECT m.api_key_id, m.workspace_id
         FROM unnest($7::uuid[], $8::uuid[]) AS m(api_key_id, workspace_id)
         JOIN inserted ON inserted.id = m.api_key_id
         ON CONFLICT DO NOTHING`,
        [
          keys.map((k) => k.id),
          keys.map((k) => hashSecret(Redacted.value(k.secret)).toString("hex")),
          keys.map((k) => k.scopes.join(" ")),
          keys.map((k) => k.default_workspace ?? k.workspaces[0]),
          keys.map((k) => orNull(k.expires_at)),
          keys.map((k) => orNull(k.revoked_at)),
          memberships.map(([key]) => key),
          memberships.map(([, workspace]) => workspace)
        ]
      )
    }
  }, (effect) => sql.withTransaction(effect), Unavailable.orDie)

  return Fixtures.FixtureLoader.of({ load })
})

/** `FixtureLoader` over the ambient `SqlClient`. */
export const layer: Layer.Layer<Fixtures.FixtureLoader, never, SqlClient.SqlClient> = Layer.effect(
  Fixtures.FixtureLoader,
  make
)
