import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const source = fileURLToPath(new URL("../src", import.meta.url))
const files = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : []
  })
const specifiers = (text: string) =>
  [...text.matchAll(/(?:import|export)\s[^"']*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm)]
    .map((m) => m[1] ?? m[2] ?? m[3]!)

describe("core's dependencies", () => {
  it("imports nothing but effect and its own modules", () => {
    const found = files(source)
    expect(found.length).toBeGreaterThan(10)
    for (const file of found) {
      for (const spec of specifiers(readFileSync(file, "utf8"))) {
        expect.soft(spec === "effect" || spec.startsWith("./") || spec.startsWith("../"), `${file} imports ${spec}`).toBe(true)
      }
    }
  })
  it("the check recognises a forbidden import", () => {
    expect(specifiers(`import { x } from "node:fs"\nimport "pg"\nconst y = await import("@effect/sql")`)).toEqual(["node:fs", "pg", "@effect/sql"])
  })
})
