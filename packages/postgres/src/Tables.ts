/**
 * Where each relationship kind lives in the schema. Derived from core's kinds-as-data, so the
 * repository and the fixture loader build one generic statement over all four kinds.
 */
import { Relationship } from "@peoplekit/core"

/** A meta field stored as a junction column. */
export interface MetaColumn {
  /** The meta field's name, which is also its column. */
  readonly name: string
  readonly type: "text" | "boolean"
}

/** The tables and columns of one relationship kind. */
export interface KindTable {
  readonly kind: Relationship.KindName
  /** The related resources (`companies`). */
  readonly table: string
  /** The person → resource junction (`person_companies`). */
  readonly junction: string
  /** The junction's column naming the resource (`company_id`). */
  readonly target: string
  readonly meta: ReadonlyArray<MetaColumn>
}

const tableOf = (kind: Relationship.Kind): KindTable => ({
  kind: kind.name,
  table: kind.name,
  junction: `person_${kind.name}`,
  target: `${kind.resource}_id`,
  meta: kind.meta.map((field) => ({
    name: field.name,
    type: typeof field.default === "boolean" ? "boolean" : "text"
  }))
})

/** Every kind's tables, in core's kind order. */
export const kindTables: ReadonlyArray<KindTable> = Relationship.kindNames.map((name) =>
  tableOf(Relationship.kinds[name])
)
