import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import { heapFlags } from "../src/NodeFlags.js"

const read = (relative: string) => fs.readFileSync(fileURLToPath(new URL(relative, import.meta.url)), "utf8")

describe("the service's heap settings", () => {
  it("every way of starting the service passes them", () => {
    const scripts = JSON.parse(read("../package.json")).scripts as Record<string, string>
    const places = {
      "npm start": scripts.start!,
      "npm run start:dist": scripts["start:dist"]!,
      "the image's entry point": read("../../../Dockerfile").split("\n").find((line) => line.startsWith("ENTRYPOINT"))!,
      "the peoplekit command in a checkout": read("../bin/peoplekit.mjs")
    }
    for (const [place, text] of Object.entries(places)) {
      for (const flag of heapFlags) expect(text, `${place} lacks ${flag}`).toContain(flag)
    }
  })

  it("this Node accepts them and they bound the young generation", () => {
    // Short-lived garbage grows the young generation to its limit: 2 × 16 MB by default.
    const script = `const v8 = require("v8"); let most = 0, keep = []
      for (let i = 0; i < 2e6; i++) {
        keep.push({ i }); if (keep.length > 200000) keep = []
        if (i % 10000 === 0) most = Math.max(most, v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size)
      }
      console.log(most)`
    const youngest = (flags: ReadonlyArray<string>) => {
      const run = spawnSync(process.execPath, [...flags, "-e", script], { encoding: "utf8" })
      expect(run.stderr).toBe("")
      expect(run.status).toBe(0)
      return Number(run.stdout)
    }
    expect(youngest(heapFlags)).toBeLessThanOrEqual(16 * 1024 * 1024)
    expect(youngest([])).toBeGreaterThan(16 * 1024 * 1024)
  })
})
