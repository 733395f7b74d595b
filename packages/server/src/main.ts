/** `npm start`: migrate, load the demo data when configured, and serve until SIGINT/SIGTERM. */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Logger } from "effect"
import { AppConfig } from "./Config.js"
import { ServiceLive } from "./Layers.js"

const main = Effect.gen(function*() {
  const config = yield* AppConfig
  return yield* Layer.launch(ServiceLive).pipe(Logger.withMinimumLogLevel(config.logLevel))
})

NodeRuntime.runMain(main)
