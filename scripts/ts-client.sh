#!/usr/bin/env bash
# A second generated client: TypeScript types from openapi/approval.json and
# openapi/assessment.json with openapi-typescript (from npm, pinned, installed under
# target/ts-client), then `tsc --noEmit --strict` over tests/ts/*.ts, which use the generated
# types for a webhook subscription and for feed events of two kinds. Every file in
# tests/ts/fail/ must NOT type-check (a renamed field, a wrong kind): that shows the check bites.
# `make test` runs it; it fails when the types and the code that uses them disagree.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dir="$root/target/ts-client"
oat_version="7.13.0"
ts_version="5.9.3"
mkdir -p "$dir"
want="openapi-typescript@$oat_version typescript@$ts_version"
if [ "$(cat "$dir/.installed" 2>/dev/null)" != "$want" ]; then
  cat > "$dir/package.json" <<JSON
{ "name": "ts-client-check", "private": true,
  "devDependencies": { "openapi-typescript": "$oat_version", "typescript": "$ts_version" } }
JSON
  (cd "$dir" && npm install --no-audit --no-fund --silent >&2)
  echo "$want" > "$dir/.installed"
fi
rm -rf "$dir/src"
mkdir -p "$dir/src/generated" "$dir/fail"
# The approval document reuses handler names as operationIds (`list`, `get`, … on several
# paths; OpenAPI wants them unique), which openapi-typescript turns into duplicate keys of its
# `operations` interface. Here, and only for the generator, a repeated operationId gets the
# path appended (`list` on /v1/departments → `list_v1_departments`); the types of `paths` and
# `components` are what the code below uses and do not depend on it.
for svc in approval assessment; do
  node -e '
    const fs = require("fs");
    const d = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const ops = [];
    for (const [path, item] of Object.entries(d.paths || {}))
      for (const op of Object.values(item))
        if (op && typeof op === "object" && op.operationId) ops.push([path, op]);
    const n = {};
    for (const [, op] of ops) n[op.operationId] = (n[op.operationId] || 0) + 1;
    for (const [path, op] of ops)
      if (n[op.operationId] > 1) op.operationId += "_" + path.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_|_$/g, "");
    fs.writeFileSync(process.argv[2], JSON.stringify(d));
  ' "openapi/$svc.json" "$dir/$svc.json"
  "$dir/node_modules/.bin/openapi-typescript" "$dir/$svc.json" -o "$dir/src/generated/$svc.ts" --silent >&2
done
cp tests/ts/*.ts "$dir/src/"
tsc="$dir/node_modules/.bin/tsc"
opts=(--noEmit --strict --target es2022 --module es2022 --moduleResolution bundler --skipLibCheck false)
"$tsc" "${opts[@]}" "$dir"/src/*.ts >&2
echo "ts-client: tests/ts/*.ts type-check against the generated types" >&2
for f in tests/ts/fail/*.ts; do
  cp "$f" "$dir/src/_fail.ts"
  if "$tsc" "${opts[@]}" "$dir/src/_fail.ts" > "$dir/fail/$(basename "$f").log" 2>&1; then
    echo "ts-client: $f type-checks, but it must not" >&2
    exit 1
  fi
  rm "$dir/src/_fail.ts"
done
echo "ts-client: every tests/ts/fail/*.ts is refused, as it must be" >&2
