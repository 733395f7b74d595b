#!/usr/bin/env node
// The `peoplekit` command. A built package runs dist/bin.js; a checkout runs the TypeScript
// sources through tsx (one child process, signals forwarded, its exit status passed on).
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const built = new URL("../dist/bin.js", import.meta.url)
if (existsSync(built)) {
  await import(built.href)
} else {
  const source = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
  const child = spawn(
    process.execPath,
    ["--conditions=@peoplekit/source", "--import", "tsx", source, ...process.argv.slice(2)],
    { stdio: "inherit" }
  )
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal))
  child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)))
}
