/**
 * `Transactor` on Postgres: one `sql.withTransaction` per unit of work. Serialisation failures
 * and deadlocks are retried a few times with jittered backoff, then reported as core's
 * `TransientConflict`; every other database failure is a defect.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import { Errors, Transactor } from "@peoplekit/core"
import { Cause, Chunk, Effect, Layer, Option } from "effect"
import { toDefect } from "./Unavailable.js"

/** Retried: the whole unit of work may succeed when run again. */
const RETRYABLE = new Set(["40001", "40P01"])
/** Not retried but still transient: a lock wait that hit `lock_timeout`. */
const CONFLICT = new Set([...RETRYABLE, "55P03"])

/** How often and how patiently a unit of work is retried after a transient conflict. */
export interface RetryPolicy {
  /** Attempts after the first one (default 3). */
  readonly retries: number
  /** Backoff before retry n (1-based) is up to `baseMillis * 2^(n-1)`, fully jittered. */
  readonly baseMillis: number
}

/** Three retries after about 0–20, 0–40 and 0–80 ms. */
export const defaultPolicy: RetryPolicy = { retries: 3, baseMillis: 20 }

/** The SQLSTATEs of the database errors in `cause`, whether failures or defects (`orDie`). */
export const sqlStates = (cause: Cause.Cause<unknown>): ReadonlyArray<string> => {
  const states: Array<string> = []
  const errors = Chunk.appendAll(Cause.failures(cause), Cause.defects(cause))
  for (const error of errors) {
    if (error instanceof SqlError) {
      const code = (error.cause as { readonly code?: unknown } | undefined)?.code
      if (typeof code === "string") states.push(code)
    }
  }
  return states
}

const isRetryable = (cause: Cause.Cause<unknown>) => sqlStates(cause).some((s) => RETRYABLE.has(s))
const isConflict = (cause: Cause.Cause<unknown>) => sqlStates(cause).some((s) => CONFLICT.has(s))

/**
 * Database failures (BEGIN/COMMIT) are defects: the port's error channel is the domain's. A lost
 * or refused connection is core's `StoreUnavailable` (a 503), and is not retried: the outcome of
 * a COMMIT whose connection broke is unknown, so the client decides.
 */
const dieOnSqlError = <E>(cause: Cause.Cause<E | SqlError>): Cause.Cause<E> => {
  // A broken connection usually fails twice (the statement, then the ROLLBACK, which dies):
  // whichever comes first, the unit of work as a whole could not reach the database.
  for (const error of Chunk.appendAll(Cause.failures(cause), Cause.defects(cause))) {
    const defect = toDefect(error)
    if (defect instanceof Errors.StoreUnavailable) return Cause.die(defect)
  }
  return Cause.flatMap(cause, (error) => (error instanceof SqlError ? Cause.die(error) : Cause.fail(error as E)))
}

// Real time, not the Clock service: a unit of work under a TestClock must not stall on backoff.
const pause = (millis: number) =>
  Effect.async<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(timer))
  })

/** Builds the transactor on the ambient `SqlClient`. */
export const make = (policy: RetryPolicy = defaultPolicy) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const withTransaction = <A, E, R>(
      self: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | Errors.TransientConflict, R> => {
      const attempt = (n: number): Effect.Effect<A, E | Errors.TransientConflict, R> =>
        sql.withTransaction(self).pipe(
          Effect.catchAllCause((cause) => {
            if (n < policy.retries && isRetryable(cause)) {
              const backoff = Math.random() * policy.baseMillis * 2 ** n
              return Effect.logDebug("PgTransactor: retrying the unit of work after a transient conflict").pipe(
                Effect.annotateLogs({ sqlstate: sqlStates(cause).join(","), retry: n + 1 }),
                Effect.zipRight(pause(backoff)),
                Effect.zipRight(attempt(n + 1))
              )
            }
            if (isConflict(cause)) return Effect.fail(new Errors.TransientConflict())
            return Effect.failCause(dieOnSqlError(cause))
          })
        )
      return Effect.flatMap(Effect.serviceOption(SqlClient.TransactionConnection), (outer) =>
        Option.isSome(outer)
          // Nested: a savepoint. Retrying inside a failed transaction is useless; the outermost
          // unit of work sees the same cause and retries as a whole.
          ? sql.withTransaction(self).pipe(Effect.catchAllCause((cause) => Effect.failCause(dieOnSqlError(cause))))
          : attempt(0)).pipe(Effect.withSpan("PgTransactor.withTransaction", { captureStackTrace: false }))
    }

    return Transactor.of({ withTransaction })
  })

/** `Transactor` over the ambient `SqlClient`, with the default retry policy. */
export const layer: Layer.Layer<Transactor, never, SqlClient.SqlClient> = Layer.effect(Transactor, make())
