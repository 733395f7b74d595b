/** The unit-of-work port: runs an effect atomically, serialised against conflicting units. */
import { Context, type Effect } from "effect"
import type { TransientConflict } from "./Errors.js"

export class Transactor extends Context.Tag("@peoplekit/core/Transactor")<
  Transactor,
  {
    /**
     * Runs `self` in one transaction: every write commits together, or none does (on failure or
     * defect). Transient conflicts are retried a bounded number of times, then fail with
     * `TransientConflict`.
     */
    readonly withTransaction: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | TransientConflict, R>
  }
>() {}
