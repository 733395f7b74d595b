// Which database errors mean "unreachable" (→ StoreUnavailable, a 503) and which stay defects (500).
import { SqlError } from "@effect/sql/SqlError"
import { describe, expect, it } from "@effect/vitest"
import { Errors } from "@peoplekit/core"
import { Cause, Effect, Exit } from "effect"
import * as Unavailable from "../src/Unavailable.js"

const pgError = (code: string | undefined, message = "x") => Object.assign(new Error(message), code === undefined ? {} : { code })
const sqlError = (cause: unknown) => new SqlError({ cause, message: "Failed to execute statement" })

describe("Unavailable", () => {
  it("classifies connection-class errors, whatever wraps them", () => {
    const unreachable = [
      pgError("ECONNREFUSED"), pgError("ECONNRESET"), pgError("ETIMEDOUT"), pgError("08006"), pgError("08001"),
      pgError("57P01"), pgError("57P02"), pgError("57P03"), pgError("53300"), pgError("57014"),
      pgError(undefined, "Connection terminated unexpectedly"), pgError(undefined, "timeout exceeded when trying to connect"),
      pgError(undefined, "Client has encountered a connection error and is not queryable")
    ]
    for (const error of unreachable) {
      expect(Unavailable.isConnectionError(sqlError(error)), String(error.message)).toBe(true)
      expect(Unavailable.toDefect(sqlError(error))).toBeInstanceOf(Errors.StoreUnavailable)
    }
    const other = [pgError("23505"), pgError("40001"), pgError("40P01"), pgError("55P03"), pgError("P0001", "injected fault"), pgError("42601")]
    for (const error of other) {
      expect(Unavailable.isConnectionError(sqlError(error)), String(error.code)).toBe(false)
      expect(Unavailable.toDefect(sqlError(error))).toBeInstanceOf(SqlError)
    }
    // SqlError's own generic message is not mistaken for a connection failure.
    expect(Unavailable.isConnectionError(new SqlError({ cause: pgError("22P02"), message: "Connection error" }))).toBe(false)
  })

  it.effect("orDie dies with StoreUnavailable for connection failures and with the error otherwise", () =>
    Effect.gen(function*() {
      const lost = yield* Effect.exit(Unavailable.orDie(Effect.fail(sqlError(pgError("57P01")))))
      expect(Exit.isFailure(lost) && Cause.squash(lost.cause) instanceof Errors.StoreUnavailable).toBe(true)
      const broken = yield* Effect.exit(Unavailable.orDie(Effect.fail(sqlError(pgError("23505")))))
      expect(Exit.isFailure(broken) && Cause.squash(broken.cause) instanceof SqlError).toBe(true)
    }))
})
