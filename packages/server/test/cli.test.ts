// The `peoplekit` CLI, in-process, on a fresh database (TEST_DATABASE_URL's server, else an
// embedded one): --help everywhere, migrate, seed (idempotent; a mistake is reported with its
// path and loads nothing, also when the database refuses a row), keys create / list / revoke.
import { NodeContext } from "@effect/platform-node"
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { ApiKeyRepository } from "@peoplekit/core"
import { Database, PgApiKeyRepository } from "@peoplekit/postgres"
import * as Testing from "@peoplekit/postgres/Testing"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { run } from "../src/Cli.js"

const example = fileURLToPath(new URL("../../../examples/fixtures.json", import.meta.url))

describe("peoplekit CLI", () => {
  it.live("--help, migrate, seed and keys against a real database", () =>
    Effect.gen(function*() {
      const url = yield* Testing.freshDatabase
      const config = ConfigProvider.fromMap(new Map([["DATABASE_URL", Redacted.value(url)], ["LOG_LEVEL", "WARN"]]))
      const cli = (...args: Array<string>) =>
        Effect.gen(function*() {
          const out: Array<string> = []
          const [log, error] = [console.log, console.error]
          console.log = (...a: Array<unknown>) => void out.push(a.map(String).join(" "))
          console.error = console.log
          const status = yield* run(["node", "peoplekit", ...args]).pipe(
            Effect.provide(NodeContext.layer),
            Effect.withConfigProvider(config),
            Effect.ensuring(Effect.sync(() => {
              console.log = log
              console.error = error
            }))
          )
          return { status, out: out.join("\n") }
        })
      const sql = <A extends object>(text: string) =>
        Effect.flatMap(SqlClient.SqlClient, (s) => s.unsafe<A>(text)).pipe(Effect.provide(Database.layer({ url, maxConnections: 1 })), Effect.orDie)
      const count = (table: string) => Effect.map(sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`), (rows) => rows[0]!.n)

      for (const args of [[], ["serve"], ["migrate"], ["seed"], ["keys"], ["keys", "create"], ["keys", "revoke"], ["keys", "list"]]) {
        const help = yield* cli(...args, "--help")
        expect(help.status, args.join(" ")).toBe(0)
        expect(help.out, args.join(" ")).toContain("USAGE")
      }
      expect((yield* cli("seed", "--help")).out).toContain("--file")
      expect((yield* cli("keys", "create", "--help")).out).toContain("--workspace")

      const early = yield* cli("keys", "list")
      expect(early).toMatchObject({ status: 1, out: expect.stringContaining("run `peoplekit migrate` first") })

      expect(yield* cli("migrate")).toEqual({ status: 0, out: "Applied 0001_initial" })
      expect(yield* cli("migrate")).toEqual({ status: 0, out: "Migrations up to date (latest 1)" })

      // A file with mistakes: every offending path is named, and nothing is loaded.
      const dir = mkdtempSync(join(tmpdir(), "peoplekit-cli-"))
      const good = JSON.parse(readFileSync(example, "utf8"))
      const bad = structuredClone(good)
      delete bad.people[0].first_name
      bad.links[1].person_id = "not-a-uuid"
      bad.colour = "blue"
      writeFileSync(join(dir, "bad.json"), JSON.stringify(bad))
      const refused = yield* cli("seed", "--file", join(dir, "bad.json"))
      expect(refused.status).toBe(1)
      expect(refused.out).toContain("nothing was loaded")
      expect(refused.out).toContain("people.0.first_name")
      expect(refused.out).toContain("links.1.person_id")
      expect(refused.out).toContain("colour: is unexpected")
      expect(refused.out).not.toContain("Expected undefined")
      writeFileSync(join(dir, "broken.json"), "{\"workspaces\": [")
      expect((yield* cli("seed", "--file", join(dir, "broken.json"))).out).toContain("is not valid JSON")
      // Well-formed, but the database refuses a link to a person that exists nowhere.
      const dangling = structuredClone(good)
      dangling.links.push({ ...good.links[0], person_id: "00000000-0000-4000-8000-00000000dead" })
      writeFileSync(join(dir, "dangling.json"), JSON.stringify(dangling))
      const rolledBack = yield* cli("seed", "--file", join(dir, "dangling.json"))
      expect(rolledBack.status).toBe(1)
      expect(rolledBack.out).toContain("nothing was loaded")
      expect([yield* count("workspaces"), yield* count("people"), yield* count("api_keys")]).toEqual([0, 0, 0])

      const seeded = yield* cli("seed", "--file", example)
      expect(seeded.status).toBe(0)
      expect(seeded.out).toContain("1 workspaces, 1 people")
      expect((yield* cli("seed", "--file", example)).status).toBe(0)
      expect([yield* count("workspaces"), yield* count("people"), yield* count("person_emails"), yield* count("api_keys")]).toEqual([1, 1, 1, 1])

      const workspace = good.workspaces[0].id as string
      const created = yield* cli("keys", "create", "--workspace", workspace, "--scope", "people:read")
      expect(created.status).toBe(0)
      const [, id, secret] = /Created API key (\S+)\nSecret .*: (pk_\S+)$/.exec(created.out)!
      expect(secret).toMatch(new RegExp(`^pk_${id}_`))
      const found = yield* Effect.flatMap(ApiKeyRepository, (r) => r.findBySecret(Redacted.make(secret!))).pipe(
        Effect.provide(PgApiKeyRepository.layer),
        Effect.provide(Database.layer({ url, maxConnections: 1 }))
      )
      expect(Option.getOrThrow(found)).toMatchObject({ id, scopes: ["people:read"], workspaces: [workspace] })
      expect((yield* cli("keys", "create", "--workspace", "00000000-0000-4000-8000-000000000000", "--scope", "people:read")).out)
        .toContain("No workspace with id")

      const listed = yield* cli("keys", "list")
      expect(listed.out).toContain(id)
      expect(listed.out).not.toContain(secret)
      expect((yield* cli("keys", "revoke", id!)).out).toBe(`Revoked API key ${id}`)
      const json = (yield* cli("keys", "list", "--json")).out.split("\n").map((l) => JSON.parse(l))
      expect(json.find((k) => k.id === id).revoked_at).toEqual(expect.any(String))
      expect((yield* cli("keys", "revoke", "00000000-0000-4000-8000-000000000000")).status).toBe(1)
    }).pipe(Effect.scoped), { timeout: 90_000 })
})

describe("the installed command", () => {
  // The README's `npx peoplekit …` needs the bin linked by `npm ci`, which takes it from the
  // lockfile's record of the workspace (a stale lockfile once left it out).
  it("npx peoplekit --help runs from the repository root", () => {
    const root = fileURLToPath(new URL("../../../", import.meta.url))
    const result = spawnSync("npx", ["--no-install", "peoplekit", "--help"], { cwd: root, encoding: "utf8", timeout: 60_000 })
    expect(result.stderr).not.toContain("could not determine executable")
    expect(result.status).toBe(0)
    expect(result.stdout).toContain("peoplekit 0.1.0")
  }, 60_000)
})
