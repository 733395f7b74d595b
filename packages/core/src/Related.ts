/**
 * The related resources a person links to, as far as this API renders them (`included`).
 * They are created elsewhere; this service only reads them.
 */
import { Schema } from "effect"
import { RelatedId, WorkspaceId } from "./Ids.js"

const common = {
  id: RelatedId,
  workspace_id: WorkspaceId,
  created_at: Schema.DateFromSelf,
  updated_at: Schema.DateFromSelf
}

export class Company extends Schema.TaggedClass<Company>()("companies", {
  ...common,
  name: Schema.String,
  description: Schema.Option(Schema.String),
  domain: Schema.Option(Schema.String)
}) {}

export const EmailLabel = Schema.Literal("work", "personal", "other")
export class Email extends Schema.TaggedClass<Email>()("emails", {
  ...common,
  value: Schema.String,
  label: EmailLabel
}) {}

export const PhoneLabel = Schema.Literal("mobile", "work", "home", "other")
export class Phone extends Schema.TaggedClass<Phone>()("phones", {
  ...common,
  e164_number: Schema.String,
  label: PhoneLabel
}) {}

export const WebLinkPlatform = Schema.Literal("twitter", "linkedin", "github", "instagram", "facebook", "website", "other")
export class WebLink extends Schema.TaggedClass<WebLink>()("web_links", {
  ...common,
  url: Schema.String,
  platform: WebLinkPlatform
}) {}

/** A related resource; its `_tag` is the relationship kind it is linked through. */
export type RelatedResource = Company | Email | Phone | WebLink
export const RelatedResource = Schema.Union(Company, Email, Phone, WebLink)
