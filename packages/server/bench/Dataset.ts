/**
 * The benchmark's dataset, loaded with set-based SQL (`generate_series`), so 10,000 people with
 * their 60,000 links load in about a second. Ids are deterministic (`md5(<kind>:<n>)` as a uuid),
 * so the load generator computes them instead of reading them back.
 */
import { createHash, randomBytes } from "node:crypto"
import pg from "pg"
import { Database } from "@peoplekit/postgres"
import { Effect, Redacted } from "effect"

export interface Sizes {
  readonly people: number
  readonly companies: number
  /** Company links per person (default 3). */
  readonly companyLinks: number
  /** Emails per person, each linked to its person (default 2; the first is primary). */
  readonly emails: number
  /** Phones per person, each linked to its person (default 1, primary). */
  readonly phones: number
}

export const defaultSizes: Sizes = { people: 10_000, companies: 1_000, companyLinks: 3, emails: 2, phones: 1 }

/** The id `md5(<prefix>:<n>)` formatted as a uuid; the SQL below computes the same. */
export const idOf = (prefix: string, n: number): string => {
  const hex = createHash("md5").update(`${prefix}:${n}`).digest("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
const sqlId = (prefix: string, n: string) => `md5('${prefix}:' || ${n})::uuid`

export const WORKSPACE = idOf("workspace", 0)
export const KEY_ID = idOf("key", 0)
export const personId = (i: number) => idOf("person", i)
export const companyId = (i: number) => idOf("company", i)

/**
 * The companies person `p` links to in generation `g`: three consecutive companies shifted by
 * 3 per generation, so generation g+1 never shares a company with generation g. The dataset is
 * generation 0; the load generator uses 1, 2, ... per person, so every request really replaces
 * the three links with three others.
 */
export const companiesOf = (sizes: Sizes, p: number, g: number): ReadonlyArray<number> =>
  Array.from({ length: sizes.companyLinks }, (_, k) => (p * 7 + g * sizes.companyLinks + k) % sizes.companies)

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`

/** Drops and recreates database `name` on the server of `adminUrl`; returns its URL. */
export const recreateDatabase = async (adminUrl: string, name: string): Promise<string> => {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
    await client.query(`CREATE DATABASE ${quoteIdent(name)}`)
  } finally {
    await client.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** Applies the product's migrations to `url`. */
export const migrate = (url: string): Promise<void> =>
  Effect.runPromise(
    Database.migrate.pipe(Effect.provide(Database.layer({ url: Redacted.make(url), maxConnections: 1 })), Effect.asVoid, Effect.orDie)
  )

export interface Loaded {
  /** The API key's secret (`people:write` on the workspace). */
  readonly secret: string
  readonly millis: number
}

/** Loads the dataset into the migrated, empty database at `url`. */
export const load = async (url: string, sizes: Sizes = defaultSizes): Promise<Loaded> => {
  const started = performance.now()
  const secret = `pk_${KEY_ID}_${randomBytes(24).toString("base64url")}`
  const hash = createHash("sha256").update(secret, "utf8").digest()
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const { people, companies, companyLinks, emails, phones } = sizes
  const statements: ReadonlyArray<readonly [string, ReadonlyArray<unknown>]> = [
    ["BEGIN", []],
    [`INSERT INTO workspaces (id, name) VALUES ($1, 'Bench workspace')`, [WORKSPACE]],
    [`INSERT INTO api_keys (id, secret_sha256, scopes, default_workspace_id) VALUES ($1, $2, '{people:write}', $3)`, [KEY_ID, hash, WORKSPACE]],
    [`INSERT INTO api_key_workspaces (api_key_id, workspace_id) VALUES ($1, $2)`, [KEY_ID, WORKSPACE]],
    [`INSERT INTO companies (workspace_id, id, name, domain, description)
      SELECT $1, ${sqlId("company", "i")}, 'Company ' || i, 'company' || i || '.example', 'Bench company number ' || i
      FROM generate_series(0, $2::int - 1) i`, [WORKSPACE, companies]],
    [`INSERT INTO people (workspace_id, id, first_name, last_name, job_title, full_name)
      SELECT $1, ${sqlId("person", "i")}, 'First' || i, 'Last' || i, 'Engineer', 'First' || i || ' Last' || i
      FROM generate_series(0, $2::int - 1) i`, [WORKSPACE, people]],
    [`INSERT INTO person_companies (workspace_id, person_id, company_id, relationship_type)
      SELECT $1, ${sqlId("person", "i")}, ${sqlId("company", "((i * 7 + k) % $3::int)")}, 'employee'
      FROM generate_series(0, $2::int - 1) i, generate_series(0, $4::int - 1) k
      ORDER BY i, k`, [WORKSPACE, people, companies, companyLinks]],
    [`INSERT INTO emails (workspace_id, id, value, label)
      SELECT $1, ${sqlId("email", "(i * $3::int + k)")}, 'person' || i || '.' || k || '@bench.example',
             CASE WHEN k = 0 THEN 'work' ELSE 'personal' END
      FROM generate_series(0, $2::int - 1) i, generate_series(0, $3::int - 1) k`, [WORKSPACE, people, emails]],
    [`INSERT INTO person_emails (workspace_id, person_id, email_id, is_primary)
      SELECT $1, ${sqlId("person", "i")}, ${sqlId("email", "(i * $3::int + k)")}, k = 0
      FROM generate_series(0, $2::int - 1) i, generate_series(0, $3::int - 1) k
      ORDER BY i, k`, [WORKSPACE, people, emails]],
    [`INSERT INTO phones (workspace_id, id, e164_number, label)
      SELECT $1, ${sqlId("phone", "(i * $3::int + k)")}, '+1555' || lpad((i * $3::int + k)::text, 8, '0'), 'mobile'
      FROM generate_series(0, $2::int - 1) i, generate_series(0, $3::int - 1) k`, [WORKSPACE, people, phones]],
    [`INSERT INTO person_phones (workspace_id, person_id, phone_id, is_primary)
      SELECT $1, ${sqlId("person", "i")}, ${sqlId("phone", "(i * $3::int + k)")}, k = 0
      FROM generate_series(0, $2::int - 1) i, generate_series(0, $3::int - 1) k
      ORDER BY i, k`, [WORKSPACE, people, phones]],
    ["COMMIT", []],
    // Fresh tables have no statistics; the product's plans assume a database that has them.
    ["ANALYZE", []]
  ]
  try {
    for (const [text, params] of statements) await client.query(text, params as Array<unknown>)
  } finally {
    await client.end()
  }
  return { secret, millis: performance.now() - started }
}

/**
 * Brings the database to the same state before every measured run: dead rows of the previous
 * run vacuumed and dirty pages written, so that no run pays for the one before it (the product's
 * runs used to follow the baseline's and inherit its autovacuum and checkpoint work).
 * `CHECKPOINT` needs a superuser or `pg_checkpoint`; without either it is skipped.
 */
export const settle = async (url: string): Promise<void> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query("VACUUM (ANALYZE)")
    await client.query("CHECKPOINT").catch(() => undefined)
  } finally {
    await client.end()
  }
}
