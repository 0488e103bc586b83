#!/usr/bin/env bash
# End to end: the built package (js/dist) imported by name from a scratch project, in a fresh Node
# process per engine, the way a user gets each one: plain Node picks native, `--no-addons` (no
# Node-API) falls to wasm, RUVECTOR_BACKEND=js forces the pure-TypeScript engine. Each run does
# the engine suite (tests/e2e/smoke.mjs -> engine-suite.mjs); then the same suite inside the other
# engines (tests/e2e/engines.mjs: workerd, ...). Ends with "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tally.sh

project=$(mktemp -d)
trap 'rm -rf "$project"' EXIT
mkdir -p "$project/node_modules" "$project/tests"
ln -s "$PWD/js" "$project/node_modules/ruvector-runtime"
cp -r tests/e2e tests/conformance "$project/tests/"  # the suite and the case tables it runs

run() {  # $1: expected backend; the rest: env assignments and node flags
  local expect=$1; shift
  local envs=() flags=()
  for a in "$@"; do
    if [[ $a == *=* ]]; then envs+=("$a"); else flags+=("$a"); fi
  done
  echo "-- ${expect}: node ${flags[*]:-} ${envs[*]:-}"
  local out
  out=$(cd "$project" && env -u RUVECTOR_BACKEND EXPECT_BACKEND="$expect" "${envs[@]}" node "${flags[@]}" tests/e2e/smoke.mjs 2>&1)
  local rc=$?
  echo "$out"
  local ok bad
  ok=$(grep -c "^ok - " <<<"$out")
  bad=$(grep -c "^not ok - " <<<"$out")
  pass "$ok"
  [ "$bad" -eq 0 ] || fail "$bad"
  # A crash before the checks ran (or after) is one more failure.
  if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then fail; fi
  if [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ]; then fail; fi
}

echo "== end to end: the package by name in a fresh process, per engine"
run native
run wasm --no-addons
run js-fallback RUVECTOR_BACKEND=js

# The same suite inside the other engines, each through its export condition (tests/e2e/engines.mjs;
# the engines are npm packages in tools/engines). RUVECTOR_ENGINES picks a subset.
engines=${RUVECTOR_ENGINES:-workerd}
echo "== end to end: the engine suite inside other engines ($engines)"
# shellcheck disable=SC2086  # one argument per engine
out=$(node tests/e2e/engines.mjs $engines 2>&1)
rc=$?
echo "$out"
ok=$(grep -c "^ok - " <<<"$out")
bad=$(grep -c "^not ok - " <<<"$out")
pass "$ok"
[ "$bad" -eq 0 ] || fail "$bad"
if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then fail; fi
if [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ]; then fail; fi

tally_exit
