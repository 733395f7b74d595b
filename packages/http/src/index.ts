/**
 * @peoplekit/http — the HTTP contract of peoplekit: the `/v1` HttpApi (JSON:API documents),
 * bearer-key authentication, the error envelope, and handlers that each make one core call.
 */
import { type HttpApi, HttpApiBuilder } from "@effect/platform"
import type { ApiKeyRepository, PersonRepository, Transactor } from "@peoplekit/core"
import { Layer } from "effect"
import { Api } from "./Api.js"
import * as Authentication from "./Authentication.js"
import * as ErrorEnvelope from "./ErrorEnvelope.js"
import * as Operations from "./Operations.js"
import * as PeopleHttp from "./PeopleHttp.js"
import * as RequestBody from "./RequestBody.js"

/** The `/v1` API definition (a value: build an `HttpApiClient` from it). */
export { Api } from "./Api.js"
/** The `people` group and its endpoints, to mount in another API. */
export * as PeopleApi from "./PeopleApi.js"
/** The error envelope: classes, the domain-error mapping, the middleware (`ErrorEnvelope.layer(api)`). */
export * as ErrorEnvelope from "./ErrorEnvelope.js"
/** Bearer-key middleware (`Authentication.layer`) and workspace resolution. */
export * as Authentication from "./Authentication.js"
/** Media type and 1 MiB limit of request bodies (`RequestBody.layer`). */
export * as RequestBody from "./RequestBody.js"
/** Request document decoding into core's `PersonPatch`. */
export * as Document from "./Document.js"
/** Response document rendering, `include` and `fields`. */
export * as Render from "./Render.js"
/** The change history document, its `limit`/`cursor` query and rendering. */
export * as Changes from "./Changes.js"
/** `/healthz`, `/readyz` (`Operations.Readiness`), `/openapi.json` and `/docs` (`Operations.layer(api)`). */
export * as Operations from "./Operations.js"
/** One JSON-ready log line per request (`RequestLog.middleware(Api, Operations.routes)`). */
export * as RequestLog from "./RequestLog.js"
/** The cleaned OpenAPI 3.1 document of an API (`OpenApiSpec.make(Api)`). */
export * as OpenApiSpec from "./OpenApiSpec.js"
/** The offline API reference page. */
export * as DocsPage from "./DocsPage.js"
/** The handlers of the `people` group (`PeopleHttp.layer`). */
export * as PeopleHttp from "./PeopleHttp.js"

/**
 * The whole API, ready for `HttpApiBuilder.serve` or `HttpApiBuilder.toWebHandler`: handlers,
 * middleware, the error envelope and the operations routes (`/healthz`, `/readyz`,
 * `/openapi.json`, `/docs`). Needs only core's ports; provide `Operations.Readiness` for real
 * readiness checks.
 */
export const layer: Layer.Layer<
  HttpApi.Api,
  never,
  PersonRepository | ApiKeyRepository | Transactor
> = HttpApiBuilder.api(Api).pipe(
  Layer.provide([PeopleHttp.layer, Operations.layer(Api)]),
  Layer.provide([Authentication.layer, RequestBody.layer, ErrorEnvelope.layer(Api, Operations.routes)])
)
