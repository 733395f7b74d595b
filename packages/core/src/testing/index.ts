/** Test support for users of @peoplekit/core: real in-memory adapters of every port. */
export * as InMemory from "./InMemory.js"
