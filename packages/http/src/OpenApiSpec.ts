/**
 * The OpenAPI 3.1 document of an API built from this package's groups, generated from the same
 * `HttpApi` value the server runs and the client uses. The framework's generator documents the
 * 400 as `anyOf[HttpApiDecodeError, BadRequest]`; that decode error never reaches the wire (the
 * envelope middleware answers instead), so `clean` removes it, and adds what the generator cannot
 * know: the statuses answered before routing (408/414/431) and the JSON:API media type.
 */
import { type HttpApi, OpenApi } from "@effect/platform"

type Json = Record<string, any>

const DECODE_ERROR = "#/components/schemas/HttpApiDecodeError"
const FRAMEWORK_SCHEMAS = ["HttpApiDecodeError", "Issue", "PropertyKey"]

/** Statuses Node answers before the API sees the request, still in the envelope. */
const PRE_ROUTING: ReadonlyArray<readonly [string, string, string]> = [
  ["408", "Request Timeout", "RequestTimeout"],
  ["414", "URI Too Long", "UriTooLong"],
  ["431", "Request Header Fields Too Large", "HeadersTooLarge"]
]

const envelopeFor = (status: number, template: Json | undefined): Json => {
  const base: Json = template ?? {
    type: "object",
    required: ["code", "status", "title", "message", "meta"],
    properties: {
      code: { type: "string" },
      status: { type: "number" },
      title: { type: "string" },
      message: { type: "string" },
      details: { type: "object" },
      meta: {
        type: "object",
        required: ["trace_id", "log_id"],
        properties: { trace_id: { type: "string" }, log_id: { type: "string" } }
      }
    }
  }
  return { ...base, properties: { ...base.properties, status: { type: "number", enum: [status] } } }
}

const withoutDecodeError = (schema: Json): Json => {
  if (!Array.isArray(schema.anyOf)) return schema
  const rest = (schema.anyOf as Array<Json>).filter((s) => s.$ref !== DECODE_ERROR)
  if (rest.length === schema.anyOf.length) return schema
  const { anyOf: _, ...others } = schema
  return rest.length === 1 ? { ...others, ...rest[0] } : { ...others, anyOf: rest }
}

/**
 * `Schema.Unknown` becomes `{ "$id": "/schemas/unknown" }` wherever it is used; the same `$id`
 * defined twice makes the document invalid, and an id says nothing a reader needs. Drop them.
 */
const dropSchemaIds = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(dropSchemaIds)
  if (typeof value !== "object" || value === null) return value
  const out: Json = {}
  for (const [key, inner] of Object.entries(value)) {
    if (key === "$id" && typeof inner === "string" && inner.startsWith("/schemas/")) continue
    out[key] = dropSchemaIds(inner)
  }
  return out
}

/** The generated document without the framework's decode error, with the pre-routing statuses. */
export const clean = (spec: Json): Json => {
  const out = dropSchemaIds(spec) as Json
  const template = out.components?.schemas?.BadRequest as Json | undefined
  for (const operations of Object.values(out.paths ?? {}) as Array<Json>) {
    for (const [method, operation] of Object.entries(operations) as Array<[string, Json]>) {
      for (const [status, response] of Object.entries(operation.responses ?? {}) as Array<[string, Json]>) {
        for (const media of Object.values(response.content ?? {}) as Array<Json>) {
          if (media.schema !== undefined) media.schema = withoutDecodeError(media.schema)
        }
        if (status === "400") response.description = "Bad Request (the error envelope)"
      }
      if (operation.responses !== undefined && operation.responses["401"] !== undefined) {
        for (const [status, title, name] of PRE_ROUTING) {
          out.components ??= {}
          out.components.schemas ??= {}
          out.components.schemas[name] ??= envelopeFor(Number(status), template)
          operation.responses[status] ??= {
            description: `${title} (the error envelope; answered before routing)`,
            content: { "application/json": { schema: { $ref: `#/components/schemas/${name}` } } }
          }
        }
      }
      // A request body may also be JSON:API's media type; a PATCH answers in the request's.
      const json = operation.requestBody?.content?.["application/json"]
      if (json !== undefined && method === "patch") {
        operation.requestBody.content["application/vnd.api+json"] = json
        const ok = operation.responses?.["200"]?.content?.["application/json"]
        if (ok !== undefined) operation.responses["200"].content["application/vnd.api+json"] = ok
      }
    }
  }
  const schemas: Json = out.components?.schemas ?? {}
  for (const name of FRAMEWORK_SCHEMAS) {
    const { [name]: _, ...rest } = schemas
    if (!JSON.stringify({ ...out, components: { ...out.components, schemas: rest } }).includes(`#/components/schemas/${name}"`)) {
      delete schemas[name]
    }
  }
  return out
}

/** The `info` of the generated document: title, version and description. */
export interface Info {
  readonly title: string
  readonly version: string
  readonly description?: string
}

/** The cleaned OpenAPI 3.1 document of `api`. */
export const make = (
  api: HttpApi.HttpApi.Any,
  info: Info = {
    title: "peoplekit",
    version: "1.0.0",
    description: "Update Person (`PATCH /v1/people/{person_id}`), the person read and its change history. " +
      "Every error is the same JSON envelope `{code, status, title, message, details?, meta: {trace_id, log_id}}`."
  }
): Json => ({ ...clean(OpenApi.fromApi(api as HttpApi.HttpApi.AnyWithProps)), info: { ...info } })
