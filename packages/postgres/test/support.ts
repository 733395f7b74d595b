/** Shared helpers of the adapter tests: random ids, fixtures, statement counting, real sleeps. */
import { randomUUID } from "node:crypto"
import { Fixtures, type Ids } from "@peoplekit/core"
import { Effect, Tracer } from "effect"

export const uuid = (): string => randomUUID()
export const related = (): Ids.RelatedId => randomUUID() as Ids.RelatedId

/** Sleeps in real time (the tests run on a TestClock). */
export const sleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

export const loadFixtures = (input: Fixtures.FixturesInput) =>
  Effect.gen(function*() {
    const loader = yield* Fixtures.FixtureLoader
    yield* loader.load(yield* Fixtures.decode(input))
  }).pipe(Effect.orDie)

/** Runs `self` and returns its result with the text of every SQL statement it executed. */
export const withStatements = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const base = yield* Effect.tracer
    const statements: Array<string> = []
    const tracer = Tracer.make({
      context: (f, fiber) => base.context(f, fiber),
      span: (name, parent, context, links, startTime, kind, options) => {
        const span = base.span(name, parent, context, links, startTime, kind, options)
        if (name !== "sql.execute") return span
        const attribute = span.attribute.bind(span)
        return Object.assign(span, {
          attribute: (key: string, value: unknown) => {
            if (key === "db.query.text") statements.push(String(value))
            attribute(key, value)
          }
        })
      }
    })
    const result = yield* Effect.withTracer(self, tracer)
    return [result, statements] as const
  })

/** A workspace with one person and `n` live resources of every kind (plus fixture input). */
export const workspaceWith = (n: number) => {
  const workspace = uuid()
  const person = uuid()
  const companies = Array.from({ length: n }, related)
  const emails = Array.from({ length: n }, related)
  const phones = Array.from({ length: n }, related)
  const webLinks = Array.from({ length: n }, related)
  const fixtures: Fixtures.FixturesInput = {
    workspaces: [{ id: workspace, name: "Acme" }],
    people: [{ id: person, workspace_id: workspace, first_name: "Ada", last_name: "Lovelace", job_title: null }],
    companies: companies.map((id, i) => ({ id, workspace_id: workspace, name: `Company ${i}` })),
    emails: emails.map((id, i) => ({ id, workspace_id: workspace, value: `ada${i}@example.com` })),
    phones: phones.map((id, i) => ({ id, workspace_id: workspace, e164_number: `+4420${String(i).padStart(8, "0")}` })),
    web_links: webLinks.map((id, i) => ({ id, workspace_id: workspace, url: `https://example.com/${i}` }))
  }
  return {
    workspace: workspace as Ids.WorkspaceId,
    person: person as Ids.PersonId,
    companies,
    emails,
    phones,
    webLinks,
    fixtures
  }
}
