/** The API-key port: resolves a bearer secret to its key. Only hashes of secrets are stored. */
import { Context, type Effect, type Option, type Redacted } from "effect"
import type { ApiKey } from "./Access.js"

export class ApiKeyRepository extends Context.Tag("@peoplekit/core/ApiKeyRepository")<
  ApiKeyRepository,
  {
    /**
     * The key whose secret is `secret` (looked up by its SHA-256 hash), revoked and expired ones
     * included so the caller can tell why it is refused. Records the use (`last_used_at`).
     */
    readonly findBySecret: (secret: Redacted.Redacted<string>) => Effect.Effect<Option.Option<ApiKey>>
  }
>() {}
