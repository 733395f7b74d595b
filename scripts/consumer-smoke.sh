#!/usr/bin/env bash
# Consumer smoke test: the packages as an outside project meets them. Builds dist/, packs the
# packages, installs the tarballs plus the pinned Effect 3 peers from the registry into a fresh
# project under the OS temp dir (outside the workspace), then
#   (a) type-checks a file using the public API with tsc strict + moduleResolution NodeNext,
#   (b) runs a plain Node ESM script (no tsx) that updates a person through the in-memory layer,
#   (c) asserts exactly one copy of `effect` is installed, and that internals are not exported.
# Exits non-zero on any failure. KEEP_CONSUMER=1 keeps the temp project for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

step() { printf '\n== consumer: %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# The Effect 3 line (the registry's `latest` tags are Effect 4): the peers a consumer installs.
PEERS=(
  "effect@^3.22.4" "@effect/platform@^0.97.2" "@effect/platform-node@^0.108.2"
  "@effect/sql@^0.52.1" "@effect/sql-pg@^0.53.0" "@effect/experimental@^0.61.1"
  "@effect/cluster@^0.60.2" "@effect/rpc@^0.76.2" "@effect/workflow@^0.19.1"
)
TOOLS=("typescript@~5.9.3" "@types/node@^20.19.0")

WORK=$(mktemp -d "$(node -p 'require("os").tmpdir()')/peoplekit-consumer-XXXXXX")
case "$WORK" in "$REPO"/*) fail "temp dir $WORK is inside the workspace";; esac
cleanup() { if [ "${KEEP_CONSUMER:-}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

step "npm run build (clean)"
start=$(date +%s)
npm run clean --silent
npm run build --silent
echo "build: $(( $(date +%s) - start )) s"

step "npm pack"
mkdir -p "$WORK/tarballs"
for p in core postgres http server; do
  npm pack --silent --workspace "packages/$p" --pack-destination "$WORK/tarballs" >/dev/null
done
ls -1 "$WORK/tarballs"
# What a tarball holds: dist (no sources, no build info), the LICENSE, the manifest.
# (grep reads here-strings: `tar | grep -q` would trip pipefail when grep exits early.)
for t in "$WORK"/tarballs/*.tgz; do
  list=$(tar -tzf "$t")
  grep -q '^package/dist/.*\.js$' <<<"$list" || fail "$t has no dist/*.js"
  grep -q '^package/LICENSE$' <<<"$list" || fail "$t has no LICENSE"
  if grep -qE '^package/(src|test|bench)/|tsbuildinfo' <<<"$list"; then fail "$t ships sources or build info"; fi
  echo "$(basename "$t"): $(grep -c . <<<"$list") files, no sources"
done
grep -q '^package/dist/main.js$' <<<"$(tar -tzf "$WORK"/tarballs/peoplekit-server-*.tgz)" || fail "server tarball has no dist/main.js"

step "install into $WORK/app (outside the workspace)"
APP="$WORK/app"
mkdir -p "$APP"
cat >"$APP/package.json" <<'JSON'
{ "name": "peoplekit-consumer", "version": "1.0.0", "private": true, "type": "module" }
JSON
cd "$APP"
npm install --no-audit --no-fund --loglevel=error \
  "$WORK"/tarballs/peoplekit-core-*.tgz "$WORK"/tarballs/peoplekit-postgres-*.tgz "$WORK"/tarballs/peoplekit-http-*.tgz \
  "${PEERS[@]}" "${TOOLS[@]}"
[ -L node_modules/@peoplekit/core ] && fail "@peoplekit/core is a link into the workspace, not the tarball"

step "(a) tsc --strict, moduleResolution NodeNext"
cat >tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext",
    "strict": true, "noEmit": true, "skipLibCheck": true, "types": ["node"], "lib": ["ES2022", "DOM"]
  },
  "files": ["check.ts"]
}
JSON
cat >check.ts <<'TS'
// Uses the public API as a host service would.
import { HttpApi, HttpApiBuilder, HttpApiClient } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Option, Redacted } from "effect"
import { createServer } from "node:http"
import { Access, Fixtures, Ids, UpdatePerson, type PersonRepository, type Transactor } from "@peoplekit/core"
import { InMemory } from "@peoplekit/core/testing"
import * as Postgres from "@peoplekit/postgres"
import * as PostgresTesting from "@peoplekit/postgres/Testing"
import * as Http from "@peoplekit/http"

// updatePerson with the in-memory layer
const principal: Access.Principal = {
  keyId: Ids.ApiKeyId.make("5f0c6b8e-8f4e-4b1a-9a57-0d6f4b3e2a10"),
  workspaceId: Ids.WorkspaceId.make("0e7c1f4a-2b3d-4c5e-8f60-718293a4b5c6"),
  scopes: ["people:write"]
}
export const update: Effect.Effect<UpdatePerson.UpdatePersonResult, UpdatePerson.UpdatePersonError> = UpdatePerson
  .updatePerson({
    principal,
    personId: Ids.PersonId.make("c4d5e6f7-8a9b-40c1-92d3-e4f5a6b7c8d9"),
    patch: { job_title: Option.some("Founder and CEO") }
  })
  .pipe(Effect.provide(InMemory.layer()))
export const seeded = (input: Fixtures.FixturesInput) =>
  Effect.flatMap(Fixtures.decode(input), (fixtures) => Effect.provide(update, InMemory.layer(fixtures)))

// the Postgres layer's constructor: every port over a pool
export const postgresPorts: Layer.Layer<PersonRepository | Transactor, unknown> = Postgres.layer.pipe(
  Layer.provide(Postgres.Database.layer({ url: Redacted.make("postgres://app@127.0.0.1:5432/app"), maxConnections: 4 }))
)
export const migrate = Postgres.Database.migrate
export const testDatabase = PostgresTesting.testLayer

// mounting the people group in the host's own API
// (the handlers answer with peoplekit's error envelopes, so the host API declares them)
class HostApi extends Http.ErrorEnvelope.addAll(HttpApi.make("host").add(Http.PeopleApi.group).prefix("/v1")) {}
const catchAll = Effect.catchAll(Http.ErrorEnvelope.failWith)
const PeopleLive = HttpApiBuilder.group(HostApi, "people", (handlers) =>
  handlers
    .handleRaw("getPerson", (input) => Http.PeopleHttp.getPerson(input).pipe(catchAll))
    .handleRaw("patchPerson", (input) => Http.PeopleHttp.patchPerson(input).pipe(catchAll))
    .handleRaw("listChanges", (input) => Http.PeopleHttp.listChanges(input).pipe(catchAll)))
export const HostLive = HttpApiBuilder.api(HostApi).pipe(
  Layer.provide(PeopleLive),
  Layer.provide([Http.Authentication.layer, Http.RequestBody.layer, Http.ErrorEnvelope.layer(HostApi)])
)
// ... or serve peoplekit's own `/v1` API as it is, and call it with a typed client
export const served = HttpApiBuilder.serve().pipe(
  Layer.provide(Http.layer),
  Layer.provide(InMemory.layer()),
  Layer.provide(NodeHttpServer.layer(createServer, { port: 0 }))
)
export const client = HttpApiClient.make(Http.Api, { baseUrl: "http://127.0.0.1:3000" })

// skipLibCheck (as most projects set it) turns a declaration that fails to resolve into any
// silently. Each line below must be a type error; if the public types degraded, it is not, and
// tsc fails on the unused directive (this is what catches a missing ./dist/*.d.ts export).
type ErrorOf<T> = T extends Effect.Effect<infer _A, infer E, infer _R> ? E : never
// @ts-expect-error a number is no UpdatePersonError
export const notAnUpdateError: UpdatePerson.UpdatePersonError = 1
// @ts-expect-error a number is no error of the PATCH handler (core's errors, through http)
export const notAHandlerError: ErrorOf<ReturnType<typeof Http.PeopleHttp.patchPerson>> = 1
// @ts-expect-error the Postgres adapters need a SqlClient
export const noSqlClientNeeded: Layer.Layer<PersonRepository, unknown, never> = Postgres.layer
TS
npx tsc -p tsconfig.json
echo "tsc: clean"

step "(b) plain node ESM script (no tsx)"
cat >run.mjs <<'JS'
import { Effect, Option } from "effect"
import { Fixtures, UpdatePerson } from "@peoplekit/core"
import { InMemory } from "@peoplekit/core/testing"
import * as Http from "@peoplekit/http"
import * as Postgres from "@peoplekit/postgres"
import assert from "node:assert/strict"

const W = "0e7c1f4a-2b3d-4c5e-8f60-718293a4b5c6", P = "c4d5e6f7-8a9b-40c1-92d3-e4f5a6b7c8d9"
const C = "b2c3d4e5-6f70-4812-93a4-b5c6d7e8f9a0", K = "5f0c6b8e-8f4e-4b1a-9a57-0d6f4b3e2a10"
const input = {
  workspaces: [{ id: W, name: "Acme" }],
  people: [{ id: P, workspace_id: W, first_name: "Remy", last_name: "Okafor", job_title: "Founder" }],
  companies: [{ id: C, workspace_id: W, name: "Okafor Robotics" }],
  emails: [], phones: [], web_links: [],
  links: [{ workspace_id: W, person_id: P, kind: "companies", id: C, relationship_type: "owner" }],
  api_keys: []
}
const principal = { keyId: K, workspaceId: W, scopes: ["people:write"] }
const program = Effect.gen(function*() {
  const fixtures = yield* Fixtures.decode(input)
  const update = (patch) => UpdatePerson.updatePerson({ principal, personId: P, patch })
  return yield* Effect.all([
    update({ job_title: Option.some("Founder and CEO") }),
    update({ job_title: Option.some("Founder and CEO") })
  ]).pipe(Effect.provide(InMemory.layer(fixtures)))
})
const [first, second] = await Effect.runPromise(program)
assert.equal(first.changed, true)
assert.deepEqual(first.person.job_title, Option.some("Founder and CEO"))
assert.equal(first.person.first_name, "Remy")
assert.deepEqual(first.links.companies.map((link) => link.id), [C])
assert.equal(second.changed, false, "the same patch again changes nothing")
// The other entry points load under plain Node too.
assert.equal(typeof Http.layer, "object")
assert.equal(typeof Postgres.Database.layer, "function")
// Internals are not reachable through `exports`.
for (const internal of ["@peoplekit/core/Person", "@peoplekit/core/src/index.ts", "@peoplekit/postgres/Database", "@peoplekit/http/Api"]) {
  await assert.rejects(import(internal), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" }, internal)
}
console.log(`run.mjs: updated job_title to "${Option.getOrThrow(first.person.job_title)}" (changed: ${first.changed}, repeat changed: ${second.changed}); internals not exported`)
JS
node run.mjs

step "(c) exactly one copy of effect"
npm ls effect --all || fail "npm ls effect reports problems"
copies=$(find node_modules -path '*node_modules/effect/package.json' | sort)
echo "$copies"
[ "$(echo "$copies" | grep -c .)" = 1 ] || fail "expected exactly one effect in node_modules, found: $copies"
version=$(node -p 'require("effect/package.json").version')
case "$version" in 3.*) ;; *) fail "effect $version is not the Effect 3 line";; esac
echo "one effect@$version"
echo "consumer smoke: OK"
