// Tests run against SOURCE: the `@peoplekit/source` export condition (see each package.json)
// points the workspace packages at `src/*.ts`; without it they resolve to the built `dist/`.
// The rest is Vite's default server conditions (`defaultServerConditions`), which setting
// `conditions` would otherwise replace.
const sourceConditions = ["@peoplekit/source", "module", "node", "development|production"]

/** The `resolve` options every package's vitest project shares. */
export const resolveSource = {
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions } }
}
