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

/** A company a person can be linked to. */
export class Company extends Schema.TaggedClass<Company>()("companies", {
  ...common,
  name: Schema.String,
  description: Schema.Option(Schema.String),
  domain: Schema.Option(Schema.String)
}) {}

/** The labels an email address may carry. */
export const EmailLabel = Schema.Literal("work", "personal", "other")
/** An email address a person can be linked to. */
export class Email extends Schema.TaggedClass<Email>()("emails", {
  ...common,
  value: Schema.String,
  label: EmailLabel
}) {}

/** The labels a phone number may carry. */
export const PhoneLabel = Schema.Literal("mobile", "work", "home", "other")
/** A phone number a person can be linked to. */
export class Phone extends Schema.TaggedClass<Phone>()("phones", {
  ...common,
  e164_number: Schema.String,
  label: PhoneLabel
}) {}

/** The platforms a web link may name. */
export const WebLinkPlatform = Schema.Literal("twitter", "linkedin", "github", "instagram", "facebook", "website", "other")
/** A web link (profile or site) a person can be linked to. */
export class WebLink extends Schema.TaggedClass<WebLink>()("web_links", {
  ...common,
  url: Schema.String,
  platform: WebLinkPlatform
}) {}

/** A related resource; its `_tag` is the relationship kind it is linked through. */
export type RelatedResource = Company | Email | Phone | WebLink
export const RelatedResource = Schema.Union(Company, Email, Phone, WebLink)
