/**
 * The adapter edge for infrastructure failures: a database error that means "the database cannot
 * be reached" (refused, reset, timed out, terminated, shutting down) becomes core's
 * `StoreUnavailable` defect, which the HTTP adapter answers with 503; every other database error
 * stays a defect as it is (a 500).
 */
import { SqlError } from "@effect/sql/SqlError"
import { Errors } from "@peoplekit/core"
import { Effect } from "effect"

// Node's network errors; SQLSTATE class 08 (connection exception), 57P01–57P03 (admin/crash
// shutdown, cannot connect now), 53300 (too many connections), 57014 (statement cancelled: the
// only canceller is `statement_timeout`, i.e. the database did not answer within its bound).
const CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EPIPE|EAI_AGAIN|08[0-9A-Z]{3}|57P0[1-3]|57014|53300)$/
// pg's own wording for a lost or never-made connection (these errors carry no code).
const MESSAGES =
  /connection terminated|timeout exceeded when trying to connect|connection timed out|not queryable|connection refused|server closed the connection/i

/** True when `error` (or what it wraps) says the connection to the database failed. */
export const isConnectionError = (error: unknown): boolean => {
  let current: unknown = error
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const { cause, code, message } = current as { cause?: unknown; code?: unknown; message?: unknown }
    if (typeof code === "string" && CODES.test(code)) return true
    // SqlError's own message is generic ("Failed to execute statement"); look at what it wraps.
    if (!(current instanceof SqlError) && typeof message === "string" && MESSAGES.test(message)) return true
    current = cause
  }
  return false
}

/** The defect to die with for a database error: `StoreUnavailable` for connection failures. */
export const toDefect = (error: unknown): unknown =>
  error instanceof Errors.StoreUnavailable || !isConnectionError(error)
    ? error
    : new Errors.StoreUnavailable({ message: "The database cannot be reached", cause: error })

/** Like `Effect.orDie`, with connection failures as `StoreUnavailable`. */
export const orDie = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, never, R> =>
  Effect.catchAll(self, (error) => Effect.die(toDefect(error)))
