/**
 * The JSON a change record stores in `person_changes.links`: per changed kind
 * `{ attached: [{id, meta}], detached: [{id, meta}], retagged: [{id, from, to}] }`.
 * Attributes use core's `AttributeDiff.AttributeDiffJson`.
 */
import { Ids } from "@peoplekit/core"
import { Schema } from "effect"

const Meta = Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Boolean) })
const Link = Schema.Struct({ id: Ids.RelatedId, meta: Meta })
const Retag = Schema.Struct({ id: Ids.RelatedId, from: Meta, to: Meta })

/** One kind's plan as stored; decodes to core's `Plan`. */
export const PlanJson = Schema.transform(
  Schema.Struct({ attached: Schema.Array(Link), detached: Schema.Array(Link), retagged: Schema.Array(Retag) }),
  Schema.typeSchema(
    Schema.Struct({ attach: Schema.Array(Link), detach: Schema.Array(Link), retag: Schema.Array(Retag) })
  ),
  {
    strict: true,
    decode: (json) => ({ attach: json.attached, detach: json.detached, retag: json.retagged }),
    encode: (plan) => ({ attached: plan.attach, detached: plan.detach, retagged: plan.retag })
  }
)

const kind = Schema.optionalWith(PlanJson, { exact: true })

/** Every changed kind's plan; kinds without changes are absent. */
export const LinkChangesJson = Schema.Struct({ companies: kind, emails: kind, phones: kind, web_links: kind })
