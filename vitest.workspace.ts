// The list of test projects. The root vitest.config.ts reads it into `test.projects`, which keeps
// this file as the single list without vitest's deprecated workspace-file mode.
export default ["packages/*", "examples"]
