/**
 * `PersonRepository` on Postgres. `load` and `save` are one statement each whatever the number
 * of links (arrays as parameters, data-modifying CTEs), so an update costs a constant number of
 * round trips. Infrastructure failures become defects here, at the edge.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import {
  AttributeDiff,
  type ChangeRecord,
  type ChangeSet,
  type ChangesQuery,
  Ids,
  type IdsByKind,
  type LoadedPerson,
  type LoadRequest,
  Person,
  PersonRepository,
  Related,
  type Relationship
} from "@peoplekit/core"
import { Effect, Layer, Option, Schema } from "effect"
import * as Unavailable from "./Unavailable.js"
import { LinkChangesJson } from "./ChangeJson.js"
import { type KindTable, kindTables } from "./Tables.js"

// ---------------------------------------------------------------------------------------------
// Statements are built once from the kind tables. Parameters are named; a name used twice binds
// one placeholder. Their number is fixed: link lists travel as arrays.

/** A compiled SQL statement: its text and parameters. */
export interface Compiled {
  readonly text: string
  readonly params: (values: Readonly<Record<string, unknown>>) => ReadonlyArray<unknown>
}

type Bind = (name: string, type: string) => string

const compile = (build: (bind: Bind) => string): Compiled => {
  const names: Array<string> = []
  const text = build((name, type) => {
    let index = names.indexOf(name)
    if (index < 0) index = names.push(name) - 1
    return `$${index + 1}::${type}`
  })
  return {
    text,
    params: (values) =>
      names.map((name) => {
        if (!(name in values)) throw new Error(`missing SQL parameter ${name}`)
        return values[name]
      })
  }
}

const PERSON_COLUMNS = "workspace_id, id, first_name, last_name, job_title, full_name, version, created_at, updated_at"

/**
 * The target lookups below end in `OFFSET 0`: it keeps each one a per-row primary-key probe.
 * Without it the planner may flatten them into a join, and on tables without statistics yet
 * (fresh databases) it picked nested loops that scan a workspace's targets once per link.
 */
const liveTarget = (k: KindTable, workspace: string, id: string) =>
  `EXISTS (SELECT FROM ${k.table} t
          WHERE t.workspace_id = ${workspace} AND t.id = ${id} AND t.deleted_at IS NULL OFFSET 0)`

/** A kind's live links as `[{id, meta}]`, oldest first. Links to soft-deleted targets are hidden. */
const linksColumn = (k: KindTable) => {
  const meta = k.meta.map((m) => `'${m.name}', l.${m.name}`).join(", ")
  return `(SELECT coalesce(json_agg(json_build_object('id', l.${k.target}, 'meta', json_build_object(${meta}))
                                    ORDER BY l.link_seq), '[]'::json)
     FROM ${k.junction} l
     WHERE l.workspace_id = p.workspace_id AND l.person_id = p.id
       AND ${liveTarget(k, "l.workspace_id", `l.${k.target}`)}) AS ${k.kind}_links`
}

/** The requested ids of a kind that are not live resources of the workspace, first-seen order. */
const missingColumn = (k: KindTable, bind: Bind) =>
  `ARRAY(SELECT x.id FROM unnest(${bind(`${k.kind}_targets`, "uuid[]")}) WITH ORDINALITY AS x(id, n)
     WHERE NOT ${liveTarget(k, "p.workspace_id", "x.id")}
     GROUP BY x.id ORDER BY min(x.n)) AS ${k.kind}_missing`

/**
 * The person (locked when asked), its links and the missing targets in one statement.
 * `snapshot_version` is the version the statement's snapshot sees: under READ COMMITTED a lock
 * that waited for another writer returns that writer's row while the link subqueries still read
 * the older snapshot. A mismatch tells the caller to read again (now holding the lock).
 */
const loadStatement = (forUpdate: boolean) =>
  compile((bind) => `
WITH p AS (
  SELECT ${PERSON_COLUMNS}
  FROM people
  WHERE workspace_id = ${bind("workspace", "uuid")} AND id = ${bind("person", "uuid")} AND deleted_at IS NULL
  ${forUpdate ? "FOR UPDATE" : ""}
)
SELECT p.*,
  (SELECT s.version FROM people s WHERE s.workspace_id = p.workspace_id AND s.id = p.id) AS snapshot_version,
  ${kindTables.map(linksColumn).join(",\n  ")},
  ${kindTables.map((k) => missingColumn(k, bind)).join(",\n  ")}
FROM p`)

const loadLocked = loadStatement(true)
const loadUnlocked = loadStatement(false)

const WRITABLE = ["first_name", "last_name", "job_title", "full_name"] as const

/**
 * The whole change set in one statement: the person's attributes, version and `updated_at`
 * (strictly increasing, at millisecond precision), every kind's detach / retag / attach, and
 * the change record. Every part joins `upd`, so nothing is written unless the person row is
 * the expected version. Attached rows are inserted in request order, so `link_seq` keeps it.
 */
const saveStatement = compile((bind) => {
  const attributes = bind("attributes", "jsonb")
  const set = (column: string) =>
    `${column} = CASE WHEN ${attributes} ? '${column}' THEN ${attributes} -> '${column}' ->> 'to' ELSE ${column} END`
  const ctes = [
    `upd AS (
  UPDATE people SET ${WRITABLE.map(set).join(",\n    ")},
    version = version + 1,
    updated_at = greatest(date_trunc('milliseconds', clock_timestamp()), updated_at + interval '1 millisecond')
  WHERE workspace_id = ${bind("workspace", "uuid")} AND id = ${bind("person", "uuid")}
    AND version = ${bind("version", "integer")} AND deleted_at IS NULL
  RETURNING ${PERSON_COLUMNS}
)`
  ]
  const counts: Array<string> = []
  for (const k of kindTables) {
    const ofPerson = `l.workspace_id = upd.workspace_id AND l.person_id = upd.id`
    ctes.push(`${k.kind}_detach AS (
  DELETE FROM ${k.junction} l USING upd
  WHERE ${ofPerson} AND l.${k.target} = ANY(${bind(`${k.kind}_detach`, "uuid[]")})
  RETURNING 1
)`)
    counts.push(`(SELECT count(*) FROM ${k.kind}_detach)::int AS ${k.kind}_detached`)
    const metaNames = k.meta.map((m) => m.name)
    if (k.meta.length > 0) {
      const arrays = k.meta.map((m) => bind(`${k.kind}_retag_${m.name}`, `${m.type}[]`))
      ctes.push(`${k.kind}_retag AS (
  UPDATE ${k.junction} l SET ${metaNames.map((n) => `${n} = r.${n}`).join(", ")}
  FROM upd, unnest(${[bind(`${k.kind}_retag`, "uuid[]"), ...arrays].join(", ")}) AS r(id, ${metaNames.join(", ")})
  WHERE ${ofPerson} AND l.${k.target} = r.id
  RETURNING 1
)`)
      counts.push(`(SELECT count(*) FROM ${k.kind}_retag)::int AS ${k.kind}_retagged`)
    }
    const attachArrays = [
      bind(`${k.kind}_attach`, "uuid[]"),
      ...k.meta.map((m) => bind(`${k.kind}_attach_${m.name}`, `${m.type}[]`))
    ]
    ctes.push(`${k.kind}_attach AS (
  INSERT INTO ${k.junction} (workspace_id, person_id, ${[k.target, ...metaNames].join(", ")})
  SELECT upd.workspace_id, upd.id, ${["a.id", ...metaNames.map((n) => `a.${n}`)].join(", ")}
  FROM upd, unnest(${attachArrays.join(", ")}) WITH ORDINALITY AS a(${["id", ...metaNames, "ord"].join(", ")})
  ORDER BY a.ord
  RETURNING 1
)`)
    counts.push(`(SELECT count(*) FROM ${k.kind}_attach)::int AS ${k.kind}_attached`)
  }
  ctes.push(`record AS (
  INSERT INTO person_changes
    (workspace_id, person_id, from_version, to_version, actor_key_id, trace_id, occurred_at, attributes, links)
  SELECT upd.workspace_id, upd.id, upd.version - 1, upd.version, ${bind("actor", "uuid")}, ${bind("trace", "text")},
         upd.updated_at, ${attributes}, ${bind("links", "jsonb")}
  FROM upd
  RETURNING 1
)`)
  counts.push(`(SELECT count(*) FROM record)::int AS recorded`)
  return `WITH ${ctes.join(",\n")}
SELECT upd.*, ${counts.join(",\n  ")}
FROM upd`
})

const relatedFields: { readonly [K in Relationship.KindName]: ReadonlyArray<string> } = {
  companies: ["name", "description", "domain"],
  emails: ["value", "label"],
  phones: ["e164_number", "label"],
  web_links: ["url", "platform"]
}

/** The live resources among the ids of every kind, in kind order then the order asked. */
const relatedStatement = compile((bind) =>
  kindTables.map((k, index) => `SELECT ${index} AS k, x.n, '${k.kind}' AS kind, t.id, t.workspace_id, t.created_at,
         t.updated_at, json_build_object(${relatedFields[k.kind].map((f) => `'${f}', t.${f}`).join(", ")}) AS fields
  FROM unnest(${bind(`${k.kind}_ids`, "uuid[]")}) WITH ORDINALITY AS x(id, n)
  JOIN ${k.table} t ON t.workspace_id = ${bind("workspace", "uuid")} AND t.id = x.id AND t.deleted_at IS NULL`)
    .join("\nUNION ALL\n") + "\nORDER BY k, n"
)

const changesStatement = compile((bind) => `
SELECT id, workspace_id, person_id, from_version, to_version, actor_key_id, trace_id, occurred_at, attributes, links
FROM person_changes
WHERE workspace_id = ${bind("workspace", "uuid")} AND person_id = ${bind("person", "uuid")}
ORDER BY to_version`)

// Newest first from a version down; served by the (workspace_id, person_id, to_version) unique index.
const changesPageStatement = compile((bind) => `
SELECT id, workspace_id, person_id, from_version, to_version, actor_key_id, trace_id, occurred_at, attributes, links
FROM person_changes
WHERE workspace_id = ${bind("workspace", "uuid")} AND person_id = ${bind("person", "uuid")}
  AND (${bind("before", "int")} IS NULL OR to_version < ${bind("before", "int")})
ORDER BY to_version DESC
LIMIT ${bind("limit", "int")}`)

/**
 * The statements as they are sent (text and parameter order), for tools that must issue exactly
 * the product's SQL, such as the benchmark's hand-written baseline.
 */
export const statements = { loadLocked, loadUnlocked, save: saveStatement, related: relatedStatement } as const

// ---------------------------------------------------------------------------------------------
// Rows

/** Rows are decoded by their row schema first; the class constructors need not validate again. */
const trusted = { disableValidation: true } as const

const PersonRow = Schema.Struct({ ...Person.Person.fields, job_title: Schema.OptionFromNullOr(Schema.String) })
const decodePerson = (row: unknown) =>
  Effect.map(Schema.decodeUnknown(PersonRow)(row), (fields) => Person.Person.make(fields, trusted))

const common = {
  id: Ids.RelatedId,
  workspace_id: Ids.WorkspaceId,
  created_at: Schema.DateFromSelf,
  updated_at: Schema.DateFromSelf
}
const optionalText = Schema.OptionFromNullOr(Schema.String)
const CompanyRow = Schema.Struct({ ...common, name: Schema.String, description: optionalText, domain: optionalText })
const EmailRow = Schema.Struct({ ...common, value: Schema.String, label: Related.EmailLabel })
const PhoneRow = Schema.Struct({ ...common, e164_number: Schema.String, label: Related.PhoneLabel })
const WebLinkRow = Schema.Struct({ ...common, url: Schema.String, platform: Related.WebLinkPlatform })

const decodeRelated = (
  kind: Relationship.KindName,
  row: Record<string, unknown>
): Effect.Effect<Related.RelatedResource, unknown> => {
  switch (kind) {
    case "companies":
      return Effect.map(Schema.decodeUnknown(CompanyRow)(row), (r) => Related.Company.make(r, trusted))
    case "emails":
      return Effect.map(Schema.decodeUnknown(EmailRow)(row), (r) => Related.Email.make(r, trusted))
    case "phones":
      return Effect.map(Schema.decodeUnknown(PhoneRow)(row), (r) => Related.Phone.make(r, trusted))
    case "web_links":
      return Effect.map(Schema.decodeUnknown(WebLinkRow)(row), (r) => Related.WebLink.make(r, trusted))
  }
}

const ChangeRow = Schema.Struct({
  id: Ids.ChangeId,
  workspace_id: Ids.WorkspaceId,
  person_id: Ids.PersonId,
  from_version: Schema.Int,
  to_version: Schema.Int,
  actor_key_id: Ids.ApiKeyId,
  trace_id: Schema.OptionFromNullOr(Schema.String),
  occurred_at: Schema.DateFromSelf,
  attributes: AttributeDiff.AttributeDiffJson,
  links: LinkChangesJson
})

/** Drops keys whose value is `undefined` (decoded optional fields), as exact optional types want. */
const defined = <A extends object>(value: A): { [K in keyof A]: Exclude<A[K], undefined> } =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never

const encodeAttributes = Schema.encodeSync(AttributeDiff.AttributeDiffJson)
const encodeLinks = Schema.encodeSync(LinkChangesJson)

type Row = Record<string, unknown>

// ---------------------------------------------------------------------------------------------

/** Builds the repository on the ambient `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const run = (statement: Compiled, values: Readonly<Record<string, unknown>>) =>
    sql.unsafe<Row>(statement.text, statement.params(values))

  const readOnce = (request: LoadRequest) => {
    const values: Record<string, unknown> = { workspace: request.workspaceId, person: request.personId }
    for (const k of kindTables) values[`${k.kind}_targets`] = request.targets[k.kind] ?? []
    return run(request.forUpdate ? loadLocked : loadUnlocked, values)
  }

  const toLoaded = (row: Row) =>
    Effect.gen(function*() {
      const person = yield* decodePerson(row)
      const links: { [K in Relationship.KindName]?: ReadonlyArray<Relationship.Link> } = {}
      const missing: { [K in Relationship.KindName]?: ReadonlyArray<Ids.RelatedId> } = {}
      for (const k of kindTables) {
        // Built by the statement above from uuid and meta columns: trusted shapes.
        links[k.kind] = row[`${k.kind}_links`] as ReadonlyArray<Relationship.Link>
        const absent = row[`${k.kind}_missing`] as ReadonlyArray<Ids.RelatedId>
        if (absent.length > 0) missing[k.kind] = absent
      }
      return { person, links: links as Relationship.LinkSets, missing } satisfies LoadedPerson
    })

  const load = Effect.fn("PgPersonRepository.load")(function*(request: LoadRequest) {
    let rows = yield* readOnce(request)
    // Waited for another writer's lock: read again, now under the lock, with a fresh snapshot.
    if (rows[0] !== undefined && rows[0].snapshot_version !== rows[0].version) rows = yield* readOnce(request)
    const row = rows[0]
    if (row === undefined) return Option.none()
    return Option.some(yield* toLoaded(row))
  }, Unavailable.orDie)

  const save = Effect.fn("PgPersonRepository.save")(function*(changes: ChangeSet) {
    const { before } = changes
    const values: Record<string, unknown> = {
      workspace: before.workspace_id,
      person: before.id,
      version: before.version,
      attributes: JSON.stringify(encodeAttributes(changes.attributes)),
      actor: changes.actor,
      trace: Option.getOrNull(changes.traceId),
      links: JSON.stringify(encodeLinks(changes.plans))
    }
    for (const k of kindTables) {
      const plan = changes.plans[k.kind]
      values[`${k.kind}_detach`] = plan?.detach.map((link) => link.id) ?? []
      values[`${k.kind}_retag`] = plan?.retag.map((r) => r.id) ?? []
      values[`${k.kind}_attach`] = plan?.attach.map((link) => link.id) ?? []
      for (const m of k.meta) {
        values[`${k.kind}_retag_${m.name}`] = plan?.retag.map((r) => r.to[m.name]) ?? []
        values[`${k.kind}_attach_${m.name}`] = plan?.attach.map((link) => link.meta[m.name]) ?? []
      }
    }
    const [row] = yield* run(saveStatement, values)
    if (row === undefined) {
      return yield* Effect.dieMessage(
        `person ${before.id} is no longer at version ${before.version}; save must follow a locked load`
      )
    }
    // Every planned row must have been touched exactly; otherwise the plan was stale.
    for (const k of kindTables) {
      const plan = changes.plans[k.kind]
      const expected: Record<string, number> = {
        detached: plan?.detach.length ?? 0,
        attached: plan?.attach.length ?? 0,
        ...(k.meta.length > 0 ? { retagged: plan?.retag.length ?? 0 } : {})
      }
      for (const [what, count] of Object.entries(expected)) {
        if (row[`${k.kind}_${what}`] !== count) {
          return yield* Effect.dieMessage(`${k.kind}: ${String(row[`${k.kind}_${what}`])} links ${what}, planned ${count}`)
        }
      }
    }
    return yield* decodePerson(row)
  }, Unavailable.orDie)

  const related = Effect.fn("PgPersonRepository.related")(function*(workspaceId: Ids.WorkspaceId, ids: IdsByKind) {
    const values: Record<string, unknown> = { workspace: workspaceId }
    for (const k of kindTables) values[`${k.kind}_ids`] = ids[k.kind] ?? []
    const rows = yield* run(relatedStatement, values)
    return yield* Effect.forEach(rows, (row) =>
      decodeRelated(row.kind as Relationship.KindName, { ...row, ...(row.fields as Row) }))
  }, Unavailable.orDie)

  const decodeChanges = (rows: ReadonlyArray<Row>) =>
    Effect.forEach(rows, (row) =>
      Effect.map(Schema.decodeUnknown(ChangeRow)(row), (r): ChangeRecord.ChangeRecord => ({
        ...r,
        attributes: defined(r.attributes),
        links: r.links
      })))

  const changes = Effect.fn("PgPersonRepository.changes")(function*(workspaceId: Ids.WorkspaceId, personId: Ids.PersonId) {
    return yield* decodeChanges(yield* run(changesStatement, { workspace: workspaceId, person: personId }))
  }, Unavailable.orDie)

  const changesPage = Effect.fn("PgPersonRepository.changesPage")(function*(query: ChangesQuery) {
    const rows = yield* run(changesPageStatement, {
      workspace: query.workspaceId,
      person: query.personId,
      before: Option.getOrNull(query.before),
      limit: Math.max(0, query.limit)
    })
    return yield* decodeChanges(rows)
  }, Unavailable.orDie)

  return PersonRepository.of({ load, save, related, changes, changesPage })
})

/** `PersonRepository` over the ambient `SqlClient`. */
export const layer: Layer.Layer<PersonRepository, never, SqlClient.SqlClient> = Layer.effect(PersonRepository, make)
