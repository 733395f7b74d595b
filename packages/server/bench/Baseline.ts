/**
 * The raw baseline: scenario (b) on plain `node:http` + `pg`, the practical limit of the stack.
 * Per request it does what the product does — the same API-key lookup (and the same short-lived
 * key cache), the same SQL statements with the same parameters (imported from the product, not
 * copied) inside BEGIN … COMMIT, the same plan, the same change record and the same response
 * document — but by hand, without Effect, schemas or layers. Only what scenario (b) needs is
 * implemented; anything else is answered with a bare 400/401/404.
 *
 * Run as its own process: `node --import tsx Baseline.ts` with DATABASE_URL, PORT, POOL_SIZE
 * and KEY_CACHE_MS in the environment. It prints `listening` when ready.
 */
import { createHash, randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import pg from "pg"
import { PgApiKeyRepository, PgPersonRepository } from "@peoplekit/postgres"

const { FIND } = PgApiKeyRepository
const { statements } = PgPersonRepository

interface Key {
  readonly id: string
  readonly scopes: ReadonlyArray<string>
  readonly default_workspace_id: string
  readonly expires_at: Date | null
  readonly revoked_at: Date | null
  readonly workspaces: ReadonlyArray<string>
}

interface LinkJson {
  readonly id: string
  readonly meta: Record<string, string | boolean>
}

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_SIZE ?? 10),
  idleTimeoutMillis: 30_000
})
const keyCacheMs = Number(process.env.KEY_CACHE_MS ?? 0)
const keyCache = new Map<string, { readonly key: Key; readonly until: number }>()

const findKey = async (secret: string): Promise<Key | undefined> => {
  const hash = createHash("sha256").update(secret, "utf8").digest()
  const cacheKey = hash.toString("hex")
  const cached = keyCache.get(cacheKey)
  if (cached !== undefined && cached.until > Date.now()) return cached.key
  const { rows } = await pool.query<Key>(FIND, [hash])
  const key = rows[0]
  if (key !== undefined && keyCacheMs > 0) keyCache.set(cacheKey, { key, until: Date.now() + keyCacheMs })
  return key
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const PATH = /^\/v1\/people\/([^/?]+)(\?.*)?$/

const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers })
  res.end(body)
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const iso = (date: Date) => date.toISOString()

const render = (person: Record<string, any>, links: Record<string, ReadonlyArray<LinkJson>>) => {
  const linkage = (type: string, withMeta: boolean) => (link: LinkJson) =>
    withMeta ? { type, id: link.id, meta: link.meta } : { type, id: link.id }
  return JSON.stringify({
    data: {
      type: "people",
      id: person.id,
      attributes: {
        full_name: person.full_name,
        first_name: person.first_name,
        last_name: person.last_name,
        job_title: person.job_title,
        created_at: iso(person.created_at),
        updated_at: iso(person.updated_at)
      },
      relationships: {
        companies: { data: links.companies!.map(linkage("companies", true)) },
        emails: { data: links.emails!.map(linkage("email", true)) },
        phones: { data: links.phones!.map(linkage("phone", true)) },
        web_links: { data: links.web_links!.map(linkage("web_link", false)) }
      }
    },
    included: []
  })
}

const patch = async (req: IncomingMessage, res: ServerResponse, personId: string) => {
  const header = req.headers.authorization ?? ""
  const token = /^bearer[ \t]+(.+)$/i.exec(header.trim())?.[1]?.trim()
  if (token === undefined || token === "") return send(res, 401, `{"code":"UNAUTHORIZED"}`)
  const key = await findKey(token)
  const now = Date.now()
  if (
    key === undefined || key.revoked_at !== null && key.revoked_at.getTime() <= now ||
    key.expires_at !== null && key.expires_at.getTime() <= now
  ) return send(res, 401, `{"code":"UNAUTHORIZED"}`)
  const text = await readBody(req)
  let body: any
  try {
    body = JSON.parse(text)
  } catch {
    return send(res, 400, `{"code":"INVALID_JSON"}`)
  }
  const id = personId.toLowerCase()
  const data = body?.data
  const sent: ReadonlyArray<any> | undefined = data?.relationships?.companies?.data
  if (data?.type !== "people" || String(data?.id).toLowerCase() !== id || !Array.isArray(sent)) {
    return send(res, 400, `{"code":"BAD_REQUEST"}`)
  }
  if (!key.scopes.includes("people:write")) return send(res, 403, `{"code":"FORBIDDEN"}`)
  const workspace = key.default_workspace_id
  // The desired set, deduplicated, with the default meta of a new link.
  const desired = new Map<string, string | undefined>()
  for (const link of sent) {
    if (!UUID.test(link.id)) return send(res, 400, `{"code":"SCHEMA_VALIDATION_ERROR"}`)
    const target = String(link.id).toLowerCase()
    if (!desired.has(target)) desired.set(target, link.meta?.relationship_type)
  }
  const targets = [...desired.keys()]

  const client = await pool.connect()
  let status = 200
  let out = ""
  let version = 0
  try {
    await client.query("BEGIN")
    const values: Record<string, unknown> = {
      workspace,
      person: id,
      companies_targets: targets,
      emails_targets: [],
      phones_targets: [],
      web_links_targets: []
    }
    let { rows } = await client.query(statements.loadLocked.text, statements.loadLocked.params(values) as Array<unknown>)
    if (rows[0] !== undefined && rows[0].snapshot_version !== rows[0].version) {
      ;({ rows } = await client.query(statements.loadLocked.text, statements.loadLocked.params(values) as Array<unknown>))
    }
    const row = rows[0]
    if (row === undefined) {
      status = 404
      out = `{"code":"NOT_FOUND"}`
    } else if (row.companies_missing.length > 0) {
      status = 404
      out = `{"code":"COMPANY_NOT_FOUND"}`
    } else {
      const current: ReadonlyArray<LinkJson> = row.companies_links
      const currentIds = new Set(current.map((link) => link.id))
      const attach: Array<LinkJson> = []
      for (const [target, type] of desired) {
        if (!currentIds.has(target)) attach.push({ id: target, meta: { relationship_type: type ?? "other" } })
      }
      const detach: Array<LinkJson> = []
      const retag: Array<{ id: string; from: LinkJson["meta"]; to: LinkJson["meta"] }> = []
      const kept: Array<LinkJson> = []
      for (const link of current) {
        if (!desired.has(link.id)) {
          detach.push(link)
          continue
        }
        const type = desired.get(link.id)
        if (type !== undefined && type !== link.meta.relationship_type) {
          retag.push({ id: link.id, from: link.meta, to: { relationship_type: type } })
          kept.push({ id: link.id, meta: { relationship_type: type } })
        } else kept.push(link)
      }
      let person: Record<string, any> = row
      const links = {
        companies: current,
        emails: row.emails_links,
        phones: row.phones_links,
        web_links: row.web_links_links
      }
      if (attach.length + detach.length + retag.length > 0) {
        const saveValues: Record<string, unknown> = {
          workspace,
          person: id,
          version: row.version,
          attributes: "{}",
          actor: key.id,
          trace: randomBytes(16).toString("hex"),
          links: JSON.stringify({ companies: { attached: attach, detached: detach, retagged: retag } }),
          companies_detach: detach.map((link) => link.id),
          companies_retag: retag.map((r) => r.id),
          companies_retag_relationship_type: retag.map((r) => r.to.relationship_type),
          companies_attach: attach.map((link) => link.id),
          companies_attach_relationship_type: attach.map((link) => link.meta.relationship_type),
          emails_detach: [],
          emails_retag: [],
          emails_retag_is_primary: [],
          emails_attach: [],
          emails_attach_is_primary: [],
          phones_detach: [],
          phones_retag: [],
          phones_retag_is_primary: [],
          phones_attach: [],
          phones_attach_is_primary: [],
          web_links_detach: [],
          web_links_attach: []
        }
        const saved = await client.query(statements.save.text, statements.save.params(saveValues) as Array<unknown>)
        person = saved.rows[0]
        links.companies = [...kept, ...attach]
      }
      version = person.version
      out = render(person, links)
    }
    await client.query("COMMIT")
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined)
    status = 500
    out = `{"code":"INTERNAL_ERROR"}`
    console.error(error)
  } finally {
    client.release()
  }
  send(res, status, out, status === 200 ? { etag: `"${version}"` } : {})
}

const server = createServer((req, res) => {
  const match = PATH.exec(req.url ?? "")
  if (req.method !== "PATCH" || match === null) return send(res, 404, `{"code":"ROUTE_NOT_FOUND"}`)
  if (!UUID.test(match[1]!)) return send(res, 400, `{"code":"SCHEMA_VALIDATION_ERROR"}`)
  patch(req, res, match[1]!).catch((error) => {
    console.error(error)
    if (!res.headersSent) send(res, 500, `{"code":"INTERNAL_ERROR"}`)
  })
})

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => console.log("listening"))

const stop = () => {
  server.close()
  pool.end().finally(() => process.exit(0))
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
