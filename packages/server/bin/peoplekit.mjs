#!/usr/bin/env node
// The `peoplekit` command. In a checkout (src/ present) it runs the TypeScript sources through
// tsx — one child process, signals forwarded, its exit status passed on — so a stale dist/ never
// shadows the code; a published package or an image ships only dist/ and runs dist/bin.js.
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const source = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
if (!existsSync(source)) {
  await import(new URL("../dist/bin.js", import.meta.url).href)
} else {
  const child = spawn(
    process.execPath,
    // The service's heap settings (src/NodeFlags.ts); flags this process was given come later and win.
    ["--max-semi-space-size=8", "--heap-growing-percent=60", ...process.execArgv, "--conditions=@peoplekit/source", "--import", "tsx", source, ...process.argv.slice(2)],
    { stdio: "inherit" }
  )
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal))
  child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)))
}
