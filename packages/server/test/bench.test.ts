// The benchmark's pieces (packages/server/bench): the round-trip counter, and a whole tiny run.
// No timing is asserted here; the performance targets live in `npm run bench`'s output.
import { describe, expect, it } from "@effect/vitest"
import * as Testing from "@peoplekit/postgres/Testing"
import { Effect, Redacted } from "effect"
import * as Dataset from "../bench/Dataset.js"
import { countRoundTrips } from "../bench/RoundTrips.js"
import { run, summary } from "../bench/Run.js"

const migratedDatabase = Effect.gen(function*() {
  const url = Redacted.value(yield* Testing.freshDatabase)
  yield* Effect.promise(() => Dataset.migrate(url))
  return url
})

describe("bench", () => {
  it.live("a PATCH takes as many round trips for 1,000 links of every kind as for 1, at most 4", () =>
    Effect.scoped(Effect.gen(function*() {
      const url = yield* migratedDatabase
      const { counts, keyLookup } = yield* Effect.promise(() => countRoundTrips(url, [1, 1000], { keyCacheMs: 5000 }))
      expect(counts["1"]!.status).toBe(200)
      expect(counts["1000"]!.status).toBe(200)
      expect(counts["1000"]!.unitOfWork).toBe(counts["1"]!.unitOfWork)
      expect(counts["1"]!.unitOfWork).toBeLessThanOrEqual(4)
      // The key lookup is outside the unit of work: one statement, then cached.
      expect(keyLookup).toEqual({ cold: 1, warm: 0 })
    })), { timeout: 60_000 })

  it.live("runs end to end on a tiny dataset (server and baseline as processes, autocannon, summary)", () =>
    Effect.scoped(Effect.gen(function*() {
      const url = yield* migratedDatabase
      const results = yield* Effect.promise(() =>
        run({
          url,
          database: "external",
          sizes: { ...Dataset.defaultSizes, people: 100, companies: 30 },
          duration: 1,
          connections: 4,
          rounds: 1,
          warmup: 0,
          poolSize: 4,
          keyCacheMs: 5000,
          runtime: "bundle",
          roundTripSizes: [1, 10],
          planSizes: [100, 1000],
          log: () => undefined
        })
      )
      for (const scenario of Object.values(results.scenarios)) {
        expect(scenario.rps).toBeGreaterThan(0)
        expect(scenario.non2xx + scenario.errors).toBe(0)
      }
      expect(results.baseline.rps).toBeGreaterThan(0)
      expect(results.baseline.non2xx + results.baseline.errors).toBe(0)
      expect(results.round_trips).toEqual({ "1": 4, "10": 4 })
      expect(Object.keys(results.plan_ms)).toEqual(["100", "1000"])
      expect(results.peak_rss_mb).toBeGreaterThan(0)
      expect(summary(results)).toContain("targets:")
    })), { timeout: 120_000 })
})
