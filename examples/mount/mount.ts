/**
 * Mount: your own HttpApi, with your own endpoints and your own authentication, mounts
 * peoplekit's `people` group next to them. You implement the group's `Authentication`
 * middleware your way (here: your session tokens map to a peoplekit principal) and reuse
 * peoplekit's handlers and error envelope.
 *
 * Run it over a database: see `HostServer` at the bottom (PORT, DATABASE_URL).
 */
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSecurity
} from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Access, Ids } from "@peoplekit/core"
import { Authentication, ErrorEnvelope, PeopleApi, PeopleHttp, RequestBody } from "@peoplekit/http"
import * as Postgres from "@peoplekit/postgres"
import { Config, Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { createServer } from "node:http"
import { pathToFileURL } from "node:url"

// ---------------------------------------------------------------------------------------------
// Your users and your authentication (a session header), for your own endpoints.

export interface User {
  readonly name: string
  readonly workspaceId: Ids.WorkspaceId
}

/** Your session store (a stand-in: one session per user). */
export const sessions: ReadonlyMap<string, User> = new Map([
  ["session-ada", { name: "Ada", workspaceId: Ids.WorkspaceId.make("5f0c6c1e-2a4b-4c8d-9e0f-1a2b3c4d5e6f") }]
])

export class CurrentUser extends Context.Tag("host/CurrentUser")<CurrentUser, User>() {}

export class SessionAuth extends HttpApiMiddleware.Tag<SessionAuth>()("host/SessionAuth", {
  failure: ErrorEnvelope.Unauthorized,
  provides: CurrentUser,
  security: { session: HttpApiSecurity.apiKey({ in: "header", key: "x-session" }) }
}) {}

const unauthorized = ErrorEnvelope.fail({ status: 401, code: "UNAUTHORIZED", message: "A valid session is required" })

export const SessionAuthLive = Layer.succeed(SessionAuth, {
  session: (token) => Option.match(Option.fromNullable(sessions.get(Redacted.value(token))), { onNone: () => unauthorized, onSome: Effect.succeed })
})

// ---------------------------------------------------------------------------------------------
// Your API: your own group, and peoplekit's people group under /v1.

export const HostGroup = HttpApiGroup.make("host")
  .add(HttpApiEndpoint.get("whoami", "/whoami").addSuccess(Schema.Struct({ name: Schema.String })))
  .middleware(SessionAuth)

export const HostApi = ErrorEnvelope.addAll(
  HttpApi.make("host").add(HostGroup).add(PeopleApi.group.prefix("/v1"))
)

const HostGroupLive = HttpApiBuilder.group(HostApi, "host", (handlers) =>
  handlers.handle("whoami", () => Effect.map(CurrentUser, (user) => ({ name: user.name }))))

/** peoplekit's handlers, bound to your API. */
const PeopleLive = HttpApiBuilder.group(HostApi, "people", (handlers) =>
  handlers
    .handleRaw("getPerson", (input) => PeopleHttp.getPerson(input).pipe(Effect.catchAll(ErrorEnvelope.failWith)))
    .handleRaw("patchPerson", (input) => PeopleHttp.patchPerson(input).pipe(Effect.catchAll(ErrorEnvelope.failWith)))
    .handleRaw("listChanges", (input) => PeopleHttp.listChanges(input).pipe(Effect.catchAll(ErrorEnvelope.failWith))))

/**
 * The people group's authentication, your way: the bearer token is one of YOUR sessions, and
 * its user acts in their workspace with write access, recorded under one service key id.
 */
export const HOST_ACTOR = Ids.ApiKeyId.make("00000000-0000-4000-8000-00000000a11c")
const PeopleAuthLive = Layer.succeed(Authentication.Authentication, {
  bearer: (token) =>
    Option.match(Option.fromNullable(sessions.get(Redacted.value(token))), {
      onNone: () => unauthorized,
      onSome: (user) =>
        Effect.succeed(Access.ApiKey.make({
          id: HOST_ACTOR,
          scopes: ["people:write"],
          workspaces: [user.workspaceId],
          defaultWorkspace: user.workspaceId,
          expiresAt: Option.none(),
          revokedAt: Option.none()
        }))
    })
})

/** Your whole API; needs peoplekit's core ports (Postgres or in-memory). */
export const HostApiLive = HttpApiBuilder.api(HostApi).pipe(
  Layer.provide([HostGroupLive, PeopleLive]),
  Layer.provide([SessionAuthLive, PeopleAuthLive, RequestBody.layer, ErrorEnvelope.layer(HostApi)])
)

/** Serving it on Node over Postgres (PORT, DATABASE_URL). */
export const HostServer = HttpApiBuilder.serve().pipe(
  Layer.provide(HostApiLive),
  Layer.provide(NodeHttpServer.layerConfig(createServer, { port: Config.port("PORT").pipe(Config.withDefault(3100)) })),
  Layer.provide(Postgres.layer.pipe(Layer.provide(PgClient.layerConfig({ url: Config.redacted("DATABASE_URL") }))))
)

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) NodeRuntime.runMain(Layer.launch(HostServer))
