/**
 * Real-HTTP test harness for the reliability suites: the API served by Node on a free loopback
 * port, over the Postgres adapters with a pool of its own, on a fresh migrated database (the
 * machine's Postgres with TEST_DATABASE_URL, else a throwaway embedded one).
 */
import { connect, createServer as createNetServer } from "node:net"
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import type * as SqlClient from "@effect/sql/SqlClient"
import { Fixtures } from "@peoplekit/core"
import * as Http from "@peoplekit/http"
import { Database, layer as PostgresAdapters } from "@peoplekit/postgres"
import * as Testing from "@peoplekit/postgres/Testing"
import { Context, type Duration, Effect, HashMap, Layer, Logger, LogLevel, type Redacted } from "effect"
import { makeServer } from "../src/NodeServer.js"

export interface LogLine {
  readonly level: string
  readonly message: unknown
  readonly annotations: Record<string, unknown>
}

export interface Served {
  readonly base: string
  /** The database URL the server's pool uses. */
  readonly url: Redacted.Redacted<string>
  readonly context: Context.Context<SqlClient.SqlClient | Fixtures.FixtureLoader>
  /** Every log line the server wrote (all levels). */
  readonly logs: ReadonlyArray<LogLine>
}

export interface Options {
  /** Defaults to a fresh database. */
  readonly url?: Redacted.Redacted<string>
  readonly maxConnections?: number
  readonly connectTimeout?: Duration.DurationInput
  readonly statementTimeout?: Duration.DurationInput
  readonly lockTimeout?: Duration.DurationInput
  readonly fixtures?: Fixtures.FixturesInput
}

/** A server shared by the tests of one file (`layer(servedLayer(...))`); each test loads its own world. */
export class ServedApi extends Context.Tag("@peoplekit/server/test/ServedApi")<ServedApi, Served>() {}

export const servedLayer = (options: Omit<Options, "fixtures"> = {}) => Layer.scoped(ServedApi, serve(options))

/** The shared server, after loading `fixtures` into its database. */
export const servedWith = (fixtures: Fixtures.FixturesInput) =>
  Effect.gen(function*() {
    const served = yield* ServedApi
    const loader = Context.get(served.context, Fixtures.FixtureLoader)
    yield* loader.load(yield* Fixtures.decode(fixtures).pipe(Effect.orDie))
    return served
  })

/** Serves the API over Postgres for the scope. */
export const serve = (options: Options = {}) =>
  Effect.gen(function*() {
    const url = options.url ?? (yield* Testing.freshDatabase)
    const database = Database.layer({
      url,
      maxConnections: options.maxConnections ?? 20,
      ...(options.connectTimeout === undefined ? {} : { connectTimeout: options.connectTimeout }),
      ...(options.statementTimeout === undefined ? {} : { statementTimeout: options.statementTimeout }),
      ...(options.lockTimeout === undefined ? {} : { lockTimeout: options.lockTimeout })
    })
    const ports = yield* Layer.build(PostgresAdapters.pipe(Layer.provideMerge(database)))
    yield* Effect.provide(Database.migrate, ports)
    if (options.fixtures !== undefined) {
      const loader = Context.get(ports, Fixtures.FixtureLoader)
      yield* loader.load(yield* Fixtures.decode(options.fixtures).pipe(Effect.orDie))
    }
    const logs: Array<LogLine> = []
    const capture = Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ annotations, logLevel, message }) => {
        const record: Record<string, unknown> = {}
        for (const [key, value] of HashMap.toEntries(annotations)) record[key] = value
        logs.push({ level: logLevel.label, message, annotations: record })
      })
    )
    const server = HttpApiBuilder.serve().pipe(
      Layer.provide(Http.layer),
      Layer.provideMerge(NodeHttpServer.layer(() => makeServer(), { host: "127.0.0.1", port: 0 })),
      Layer.provide(Layer.succeedContext(ports)),
      Layer.provide(capture),
      Layer.provide(Logger.minimumLogLevel(LogLevel.All))
    )
    const built = yield* Layer.build(server)
    const address = Context.get(built, HttpServer.HttpServer).address
    const port = address._tag === "TcpAddress" ? address.port : 0
    return { base: `http://127.0.0.1:${port}`, url, context: ports, logs } satisfies Served
  })

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

/** One request over real HTTP; a string body is sent as is, anything else as JSON. */
export const request = (
  base: string,
  path: string,
  init: { readonly method?: string; readonly key?: string; readonly headers?: Record<string, string>; readonly body?: unknown } = {}
): Promise<Reply> => {
  const headers: Record<string, string> = { ...init.headers }
  if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`
  const body = init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body)
  if (body !== undefined && headers["content-type"] === undefined) headers["content-type"] = "application/json"
  return fetch(`${base}${path}`, { method: init.method ?? "GET", headers, ...(body === undefined ? {} : { body }) })
    .then(async (response) => {
      const text = await response.text()
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
      return { status: response.status, headers: response.headers, text, json }
    })
}

export const uuid = (): string => crypto.randomUUID()

/** A workspace with `people` people, `companies` companies and a write key. */
export const world = (n: { readonly people: number; readonly companies: number }) => {
  const workspace = uuid()
  const people = Array.from({ length: n.people }, uuid)
  const companies = Array.from({ length: n.companies }, uuid)
  const keyId = uuid()
  const key = `pk_${keyId}_${uuid()}`
  const fixtures: Fixtures.FixturesInput = {
    workspaces: [{ id: workspace, name: "Reliability" }],
    people: people.map((id, i) => ({ id, workspace_id: workspace, first_name: "Person", last_name: `No${i}`, job_title: "start" })),
    companies: companies.map((id, i) => ({ id, workspace_id: workspace, name: `Company ${i}` })),
    api_keys: [{ id: keyId, secret: key, scopes: ["people:write"], workspaces: [workspace] }]
  }
  return { workspace, people, companies, key, keyId, fixtures }
}

/** A PATCH document for `person` (attributes and relationships as given). */
export const patchDoc = (
  person: string,
  attributes: Record<string, unknown>,
  relationships: Record<string, unknown> = {}
) => ({ data: { type: "people", id: person, attributes, relationships } })

/** A TCP port free on 127.0.0.1 right now (for a service the test starts itself). */
export const freePort = Effect.async<number>((resume) => {
  const server = createNetServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Sends raw bytes to 127.0.0.1:port (possibly not a finished request) and returns all that was answered. */
export const exchange = (port: number, request: string) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect(port, "127.0.0.1")
    let answer = ""
    socket.on("data", (chunk) => (answer += chunk.toString("utf8")))
    socket.on("end", () => resolve(answer))
    socket.on("error", reject)
    socket.write(request)
  })
