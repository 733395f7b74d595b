/**
 * Database round trips per PATCH, counted at the connection pool: every statement any pooled
 * connection sends is recorded, and a PATCH sent through the real HTTP stack (in process) is
 * split into the statements of its unit of work (BEGIN … COMMIT, both included) and those
 * before it (the API-key lookup). Each PATCH replaces n links of every kind with n others.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto"
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Http from "@peoplekit/http"
import { layerWith as postgresAdapters } from "@peoplekit/postgres"
import { Effect, Layer, Logger, LogLevel } from "effect"
import pg from "pg"

export interface Count {
  /** Statements from BEGIN to COMMIT, both included. */
  readonly unitOfWork: number
  /** Statements before BEGIN: the API-key lookup (0 when the key is cached). */
  readonly keyLookup: number
  /** Statements after COMMIT (none for a PATCH without `include`). */
  readonly after: number
  readonly status: number
}

const textOf = (query: unknown): string =>
  typeof query === "string" ? query : String((query as { readonly text?: unknown } | null)?.text ?? "")

/** A `pg` pool that records the text of every statement its connections send. */
export const countingPool = (url: string, log: Array<string>): pg.Pool => {
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: Array<unknown>) => unknown
    ;(client as unknown as { query: (...args: Array<unknown>) => unknown }).query = (...args) => {
      log.push(textOf(args[0]).trim())
      return query(...args)
    }
  })
  return pool
}

const kinds = [
  { kind: "companies", table: "companies", target: "company_id", type: "companies", columns: "name", values: (p: string) => `'${p} ' || i` },
  { kind: "emails", table: "emails", target: "email_id", type: "emails", columns: "value", values: (p: string) => `'${p}' || i || '@rt.example'` },
  { kind: "phones", table: "phones", target: "phone_id", type: "phones", columns: "e164_number", values: () => `'+1666' || lpad(i::text, 8, '0')` },
  { kind: "web_links", table: "web_links", target: "web_link_id", type: "web_links", columns: "url", values: (p: string) => `'https://rt.example/${p}/' || i` }
] as const

const idSql = (prefix: string, n: string) => `md5('${prefix}:' || ${n})::uuid`
const idOf = (prefix: string, n: number) => {
  const hex = createHash("md5").update(`${prefix}:${n}`).digest("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * A workspace of its own with one person per size, each linked to `n` resources of every kind,
 * and `n` more resources of every kind to switch to; plus an API key. Set-based, so it is fast.
 */
const seed = async (url: string, sizes: ReadonlyArray<number>) => {
  const tag = randomBytes(4).toString("hex")
  const workspace = randomUUID()
  const keyId = randomUUID()
  const secret = `pk_${keyId}_${randomBytes(16).toString("base64url")}`
  const max = Math.max(...sizes)
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query("BEGIN")
    await client.query(`INSERT INTO workspaces (id, name) VALUES ($1, 'Round trips')`, [workspace])
    await client.query(
      `INSERT INTO api_keys (id, secret_sha256, scopes, default_workspace_id) VALUES ($1, $2, '{people:write}', $3)`,
      [keyId, createHash("sha256").update(secret).digest(), workspace]
    )
    await client.query(`INSERT INTO api_key_workspaces (api_key_id, workspace_id) VALUES ($1, $2)`, [keyId, workspace])
    await client.query(
      `INSERT INTO people (workspace_id, id, first_name, last_name, full_name)
       SELECT $1, ${idSql(`${tag}:person`, "n")}, 'Round', 'Trip ' || n, 'Round Trip ' || n FROM unnest($2::int[]) n`,
      [workspace, sizes]
    )
    for (const k of kinds) {
      // Resources 0 .. 2*max-1; person of size n starts linked to 0 .. n-1 and switches to max .. max+n-1.
      await client.query(
        `INSERT INTO ${k.table} (workspace_id, id, ${k.columns})
         SELECT $1, ${idSql(`${tag}:${k.kind}`, "i")}, ${k.values(tag)} FROM generate_series(0, $2::int * 2 - 1) i`,
        [workspace, max]
      )
      await client.query(
        `INSERT INTO person_${k.kind} (workspace_id, person_id, ${k.target})
         SELECT $1, ${idSql(`${tag}:person`, "n")}, ${idSql(`${tag}:${k.kind}`, "i")}
         FROM unnest($2::int[]) n, generate_series(0, n - 1) i ORDER BY n, i`,
        [workspace, sizes]
      )
    }
    await client.query("COMMIT")
  } finally {
    await client.end()
  }
  const body = (n: number) =>
    JSON.stringify({
      data: {
        type: "people",
        id: idOf(`${tag}:person`, n),
        relationships: Object.fromEntries(kinds.map((k) => [
          k.kind,
          { data: Array.from({ length: n }, (_, i) => ({ type: k.type, id: idOf(`${tag}:${k.kind}`, max + i) })) }
        ]))
      }
    })
  return { secret, person: (n: number) => idOf(`${tag}:person`, n), body }
}

/**
 * Round trips of one PATCH per size (n links of every kind replaced by n others), through the
 * product's HTTP layer and Postgres adapters on a counting pool. `url` must be a migrated
 * database; the data this adds lives in a workspace of its own.
 */
export const countRoundTrips = async (
  url: string,
  sizes: ReadonlyArray<number> = [1, 10, 100, 1000],
  options: { readonly keyCacheMs?: number } = {}
): Promise<{
  readonly counts: Readonly<Record<string, Count>>
  /** Key-lookup statements of the first PATCH and of the last one (0 when the key was cached). */
  readonly keyLookup: { readonly cold: number; readonly warm: number }
}> => {
  const data = await seed(url, sizes)
  const log: Array<string> = []
  const pool = countingPool(url, log)
  const database = PgClient.layerFromPool({
    acquire: Effect.acquireRelease(Effect.sync(() => pool), (p) => Effect.promise(() => p.end()))
  })
  const app = Layer.mergeAll(
    Http.layer.pipe(
      Layer.provide(postgresAdapters({ keyCacheTtl: `${options.keyCacheMs ?? 0} millis` })),
      Layer.provide(Layer.orDie(database))),
    HttpServer.layerContext,
    Logger.minimumLogLevel(LogLevel.Error)
  )
  const { dispose, handler } = HttpApiBuilder.toWebHandler(app)
  const send = async (n: number) => {
    log.length = 0
    const response = await handler(
      new Request(`http://localhost/v1/people/${data.person(n)}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${data.secret}`, "content-type": "application/json" },
        body: data.body(n)
      })
    )
    await response.arrayBuffer()
    const begin = log.findIndex((text) => /^BEGIN\b/i.test(text))
    const commit = log.findIndex((text) => /^COMMIT\b/i.test(text))
    const inside = begin >= 0 && commit >= begin ? commit - begin + 1 : 0
    return {
      unitOfWork: inside,
      keyLookup: begin >= 0 ? begin : log.length,
      after: commit >= 0 ? log.length - commit - 1 : 0,
      status: response.status
    } satisfies Count
  }
  try {
    // The first request also builds the pool's connection (its SELECT 1 is not a round trip of
    // a PATCH): warm up with a request whose answer does not matter, then count the key lookup
    // of a request as the server does it.
    log.length = 0
    await handler(new Request("http://localhost/v1/people/x", { headers: { authorization: "Bearer none" } }))
    const counts: Record<string, Count> = {}
    let cold = -1
    let warm = -1
    for (const n of sizes) {
      const count = await send(n)
      if (cold < 0) cold = count.keyLookup
      warm = count.keyLookup
      counts[String(n)] = count
    }
    return { counts, keyLookup: { cold, warm } }
  } finally {
    await dispose()
  }
}
