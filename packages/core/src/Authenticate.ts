/** Resolves a bearer secret to an active API key (the 401 decision). */
import { Clock, Effect, Option, type Redacted } from "effect"
import * as Access from "./Access.js"
import { ApiKeyRepository } from "./ApiKeyRepository.js"
import { Unauthenticated } from "./Errors.js"

/** Resolves a bearer secret to an active API key, or fails with `Unauthenticated`. */
export const authenticate = Effect.fnUntraced(function*(secret: Redacted.Redacted<string>) {
  const repository = yield* ApiKeyRepository
  const key = yield* repository.findBySecret(secret)
  if (Option.isNone(key)) return yield* new Unauthenticated({ reason: "unknown" })
  const now = new Date(yield* Clock.currentTimeMillis)
  return yield* Access.checkActive(key.value, now)
})
