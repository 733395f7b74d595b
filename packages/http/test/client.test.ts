/**
 * The API value serves clients: an `HttpApiClient` built from `Api` talks to the in-process
 * handler, encodes the payload with the same schema and decodes documents and envelopes.
 */
import { FetchHttpClient, HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { Api, ErrorEnvelope } from "../src/index.js"
import { appLayerWith, examplePatch, ids, keys, makeAppOver, NOW, OKAFOR_ROBOTICS, portsWith, REMY, W1 } from "./support.js"
import { Ids, PersonRepository } from "@peoplekit/core"

const clientFor = (handler: (request: Request) => Promise<Response>, key: string) =>
  HttpApiClient.make(Api, {
    baseUrl: "http://localhost",
    transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(key))
  }).pipe(
    Effect.provide(FetchHttpClient.layer.pipe(
      Layer.provide(Layer.succeed(FetchHttpClient.Fetch, ((input: RequestInfo | URL, init?: RequestInit) =>
        handler(new Request(input, init))) as typeof globalThis.fetch))
    ))
  )

describe("HttpApiClient over Api", () => {
  it.scoped("patches and reads with typed documents; errors decode as envelopes", () =>
    Effect.gen(function*() {
      let store: any
      const app = yield* makeAppOver(appLayerWith(portsWith((ports) => {
        store = ports
        return {}
      })))
      const client = yield* clientFor(app.handler, keys.write)
      const personId = Ids.PersonId.make(REMY)
      const patched = yield* client.people.patchPerson({
        path: { person_id: personId },
        urlParams: {},
        payload: {
          data: {
            type: "people",
            id: personId,
            attributes: { job_title: "Founder and CEO" },
            relationships: {
              companies: {
                data: [{ type: "companies", id: Ids.RelatedId.make(OKAFOR_ROBOTICS), meta: { relationship_type: "employee" } }]
              }
            }
          }
        }
      })
      expect(patched.data.attributes.job_title).toBe("Founder and CEO")
      expect(patched.data.attributes.updated_at).toBe(NOW)
      expect(patched.included).toEqual([])

      const read = yield* client.people.getPerson({ path: { person_id: personId }, urlParams: { include: "emails" } })
      expect(read.included.map((r) => r.id)).toEqual([ids.workEmail])

      const missing = yield* client.people.getPerson({ path: { person_id: Ids.PersonId.make(ids.missing) }, urlParams: {} }).pipe(Effect.flip)
      expect(missing).toBeInstanceOf(ErrorEnvelope.NotFound)
      expect((missing as ErrorEnvelope.NotFound).code).toBe("NOT_FOUND")

      const anonymous = yield* clientFor(app.handler, "pk_nope")
      const denied = yield* anonymous.people.getPerson({ path: { person_id: personId }, urlParams: {} }).pipe(Effect.flip)
      expect(denied).toBeInstanceOf(ErrorEnvelope.Unauthorized)

      // The change record carries the request's trace id.
      const changes = yield* (store.people as PersonRepository["Type"]).changes(Ids.WorkspaceId.make(W1), personId)
      expect(changes).toHaveLength(1)
      expect(Option.isSome(changes[0]!.trace_id)).toBe(true)
    }))

  it.scoped("the change record's trace id is the traceparent's and the response's", () =>
    Effect.gen(function*() {
      let store: any
      const app = yield* makeAppOver(appLayerWith(portsWith((ports) => {
        store = ports
        return {}
      })))
      const traceId = "0af7651916cd43dd8448eb211c80319c"
      const reply = yield* app.fetch(`/v1/people/${REMY}`, {
        method: "PATCH",
        body: examplePatch,
        headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` }
      })
      expect(reply.headers.get("x-trace-id")).toBe(traceId)
      const changes = yield* (store.people as PersonRepository["Type"]).changes(Ids.WorkspaceId.make(W1), Ids.PersonId.make(REMY))
      expect(changes[0]!.trace_id).toEqual(Option.some(traceId))
    }))
})
