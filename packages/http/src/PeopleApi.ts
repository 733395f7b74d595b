/**
 * The `people` group of the API as a value: endpoints with their path, query, payload, success
 * and error schemas. Clients build an `HttpApiClient` from it; `PeopleHttp` implements it.
 */
import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Ids } from "@peoplekit/core"
import { Schema } from "effect"
import { Authentication } from "./Authentication.js"
import { ChangesDocument } from "./Changes.js"
import { PatchDocument } from "./Document.js"
import { PersonDocument } from "./Render.js"
import { BodyLimits } from "./RequestBody.js"

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** The `person_id` path parameter. */
export const PersonPath = Schema.Struct({ person_id: Ids.PersonId })

/** Query parameters of both endpoints. Unknown `fields[<type>]` are refused by the handlers. */
export const PersonQuery = Schema.Struct({
  workspaceId: optional(Ids.WorkspaceId),
  /** Alias of `workspaceId`. */
  workspace_id: optional(Ids.WorkspaceId),
  /** Comma-separated kinds: `companies,emails,phones,web_links`. */
  include: optional(Schema.String),
  "fields[people]": optional(Schema.String),
  "fields[companies]": optional(Schema.String),
  "fields[email]": optional(Schema.String),
  "fields[phone]": optional(Schema.String),
  "fields[web_link]": optional(Schema.String)
})

/** GET /people/:person_id: one person as a JSON:API document. */
export const getPerson = HttpApiEndpoint.get("getPerson", "/people/:person_id")
  .setPath(PersonPath)
  .setUrlParams(PersonQuery)
  .addSuccess(PersonDocument)

/** PATCH /people/:person_id: update a person's attributes and relationships. */
export const patchPerson = HttpApiEndpoint.patch("patchPerson", "/people/:person_id")
  .setPath(PersonPath)
  .setUrlParams(PersonQuery)
  .setPayload(PatchDocument)
  .addSuccess(PersonDocument)

/** Query parameters of the change history: the workspace, the page size and the cursor. */
export const ChangesQuery = Schema.Struct({
  workspaceId: optional(Ids.WorkspaceId),
  /** Alias of `workspaceId`. */
  workspace_id: optional(Ids.WorkspaceId),
  /** Page size, 1–100 (default 20). */
  limit: optional(Schema.String),
  /** Opaque: the `cursor` of a previous page's `links.next`. */
  cursor: optional(Schema.String)
})

/** The person's change records, newest first, cursor-paginated (needs `people:read`). */
export const listChanges = HttpApiEndpoint.get("listChanges", "/people/:person_id/changes")
  .setPath(PersonPath)
  .setUrlParams(ChangesQuery)
  .addSuccess(ChangesDocument)

/**
 * The group. Middleware added last runs first: authentication (401) answers before the body's
 * media type and size (415/413), which answer before anything is decoded (400).
 */
export const group = HttpApiGroup.make("people")
  .add(getPerson)
  .add(patchPerson)
  .add(listChanges)
  .middleware(BodyLimits)
  .middleware(Authentication)
