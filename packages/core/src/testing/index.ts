/** Test support for users of @peoplekit/core: real in-memory adapters of every port. */
export * as InMemory from "./InMemory.js"
/** Fault injection around the ports (`Faults.layer`), for atomicity tests. */
export * as Faults from "./Faults.js"
