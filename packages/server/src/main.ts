/** `npm start`: migrate, load the demo data when configured, and serve until SIGINT/SIGTERM. */
import { NodeRuntime } from "@effect/platform-node"
import { Layer } from "effect"
import { ServiceLive } from "./Layers.js"

NodeRuntime.runMain(Layer.launch(ServiceLive))
