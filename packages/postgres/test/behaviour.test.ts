// The core behaviour suite (SPEC §2) against the Postgres adapters on a fresh database.
import { Layer } from "effect"
import { behaviourSuite } from "../../core/test/behaviour.js"
import { testLayer } from "../src/Testing.js"

behaviourSuite("postgres", testLayer.pipe(Layer.orDie))
