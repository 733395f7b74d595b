/**
 * The demo workspace `npm start` serves: the person and company of the operation's public
 * reference (same ids, names and `created_at`), a few more related resources, a second workspace
 * with a person of its own, and an API key for the first workspace.
 */
import { Effect, Redacted } from "effect"
import { Fixtures } from "@peoplekit/core"
import { createHash, randomBytes, randomUUID } from "node:crypto"

export const DEMO_WORKSPACE = "7d3b2a10-5c4e-4f6a-8b9c-0d1e2f3a4b5c"
export const OTHER_WORKSPACE = "9e8d7c6b-5a49-4382-9170-a6b5c4d3e2f1"
export const DEMO_PERSON = "c4d5e6f7-8a9b-40c1-92d3-e4f5a6b7c8d9"
export const DEMO_COMPANY = "b2c3d4e5-6f70-4812-93a4-b5c6d7e8f9a0"
export const OTHER_PERSON = "f1e2d3c4-b5a6-4978-8a1b-2c3d4e5f6a7b"

const ids = {
  northwind: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
  globex: "d4c3b2a1-6f5e-4b7a-9d8c-5c4b3a2f1e0d",
  workEmail: "e1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8",
  personalEmail: "e2b3c4d5-e6f7-4081-9203-b4c5d6e7f8a9",
  phone: "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9",
  webLink: "1b2c3d4e-5f60-4172-8384-a5b6c7d8e9f0",
  otherCompany: "2c3d4e5f-6071-4283-9495-b6c7d8e9f0a1"
}

/**
 * The demo key's id: the one a `pk_<key id>_<random>` secret names, else one derived from the
 * secret, so a fixed PEOPLEKIT_DEMO_KEY of any form loads idempotently.
 */
export const keyIdOf = (secret: string): string => {
  const named = /^pk_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_/i.exec(secret)
  if (named?.[1] !== undefined) return named[1].toLowerCase()
  const hex = createHash("sha256").update(`peoplekit-demo-key:${secret}`).digest("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** A fresh secret in the documented `pk_<key id>_<random>` form. */
export const newDemoSecret = (): string => `pk_${randomUUID()}_${randomBytes(24).toString("base64url")}`

export const demoFixtures = (secret: string): Fixtures.FixturesInput => ({
  workspaces: [
    { id: DEMO_WORKSPACE, name: "Demo workspace" },
    { id: OTHER_WORKSPACE, name: "Another tenant" }
  ],
  people: [
    { id: DEMO_PERSON, workspace_id: DEMO_WORKSPACE, first_name: "Remy", last_name: "Okafor", job_title: "Founder", created_at: "2026-01-12T09:31:00.000Z" },
    { id: OTHER_PERSON, workspace_id: OTHER_WORKSPACE, first_name: "Imani", last_name: "Rossi", job_title: "CTO", created_at: "2026-02-03T14:05:00.000Z" }
  ],
  companies: [
    { id: DEMO_COMPANY, workspace_id: DEMO_WORKSPACE, name: "Okafor Robotics", domain: "okafor-robotics.example", description: "Warehouse robots", created_at: "2026-01-10T08:00:00.000Z" },
    { id: ids.northwind, workspace_id: DEMO_WORKSPACE, name: "Northwind Traders", domain: "northwind.example", created_at: "2026-01-11T08:00:00.000Z" },
    { id: ids.globex, workspace_id: DEMO_WORKSPACE, name: "Globex", domain: "globex.example", created_at: "2026-01-11T09:00:00.000Z" },
    { id: ids.otherCompany, workspace_id: OTHER_WORKSPACE, name: "Initech", created_at: "2026-02-01T08:00:00.000Z" }
  ],
  emails: [
    { id: ids.workEmail, workspace_id: DEMO_WORKSPACE, value: "remy@okafor-robotics.example", label: "work", created_at: "2026-01-12T09:31:00.000Z" },
    { id: ids.personalEmail, workspace_id: DEMO_WORKSPACE, value: "remy.okafor@mail.example", label: "personal", created_at: "2026-01-12T09:31:00.000Z" }
  ],
  phones: [{ id: ids.phone, workspace_id: DEMO_WORKSPACE, e164_number: "+14155550123", label: "mobile", created_at: "2026-01-12T09:31:00.000Z" }],
  web_links: [{ id: ids.webLink, workspace_id: DEMO_WORKSPACE, url: "https://www.linkedin.com/in/remy-okafor-demo", platform: "linkedin", created_at: "2026-01-12T09:31:00.000Z" }],
  links: [
    { workspace_id: DEMO_WORKSPACE, person_id: DEMO_PERSON, kind: "companies", id: DEMO_COMPANY, relationship_type: "owner" },
    { workspace_id: DEMO_WORKSPACE, person_id: DEMO_PERSON, kind: "emails", id: ids.workEmail, is_primary: true },
    { workspace_id: DEMO_WORKSPACE, person_id: DEMO_PERSON, kind: "phones", id: ids.phone, is_primary: true },
    { workspace_id: DEMO_WORKSPACE, person_id: DEMO_PERSON, kind: "web_links", id: ids.webLink },
    { workspace_id: OTHER_WORKSPACE, person_id: OTHER_PERSON, kind: "companies", id: ids.otherCompany, relationship_type: "employee" }
  ],
  api_keys: [{ id: keyIdOf(secret), secret, scopes: ["people:write"], workspaces: [DEMO_WORKSPACE] }]
})

/** Loads the demo data (idempotent) with the given demo key secret. */
export const loadDemo = Effect.fn("Demo.loadDemo")(function*(secret: Redacted.Redacted<string>) {
  const loader = yield* Fixtures.FixtureLoader
  const fixtures = yield* Fixtures.decode(demoFixtures(Redacted.value(secret))).pipe(Effect.orDie)
  yield* loader.load(fixtures)
})

/** The example request of the operation's reference, ready to paste. */
export const exampleCurl = (baseUrl: string, secret: string): string =>
  [
    `curl -X PATCH ${baseUrl}/v1/people/${DEMO_PERSON} \\`,
    `  -H "Authorization: Bearer ${secret}" -H "Content-Type: application/json" \\`,
    `  -d '{"data":{"type":"people","id":"${DEMO_PERSON}","attributes":{"job_title":"Founder and CEO"}}}'`
  ].join("\n")
