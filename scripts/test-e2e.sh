#!/usr/bin/env bash
# End to end: the built package (js/dist) imported by name from a scratch project, in every engine
# the package claims, the way a user gets each one (tests/e2e/engines.mjs): Node (native; wasm with
# --no-addons; js-fallback without WebAssembly or with RUVECTOR_BACKEND=js), Deno, Bun, Cloudflare's
# workerd, Vercel's Edge Runtime, Chromium, Firefox and WebKitGTK, each running the engine suite
# (tests/e2e/engine-suite.mjs: vectorOps case tables, error codes, HNSW recall and bytes,
# learning). The engines and drivers are npm packages in tools/engines, the browsers Debian's
# (scripts/setup.sh). RUVECTOR_ENGINES="deno workerd" runs a subset. Then SemanticMemory's
# IndexedDB store is run in Chromium (tests/e2e/memory-browser.mjs) and the example page
# (examples/semantic-memory) is clicked through (tests/e2e/demo-page.mjs).
# Ends with "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tally.sh

echo "== end to end: the engine suite in each engine"
engines=()
if [ -n "${RUVECTOR_ENGINES:-}" ]; then read -r -a engines <<<"$RUVECTOR_ENGINES"; fi
count() {  # $@: the command; counts its "ok - " / "not ok - " lines
  local out rc ok bad
  out=$("$@" 2>&1)
  rc=$?
  echo "$out"
  ok=$(grep -c "^ok - " <<<"$out")
  bad=$(grep -c "^not ok - " <<<"$out")
  pass "$ok"
  [ "$bad" -eq 0 ] || fail "$bad"
  # A crash before the checks ran (or after) is one more failure.
  if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then fail; fi
  if [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ]; then fail; fi
}
count node tests/e2e/engines.mjs "${engines[@]}"

echo "== end to end: SemanticMemory kept in IndexedDB in Chromium (reload, LOCKED, quota)"
count node tests/e2e/memory-browser.mjs

echo "== end to end: examples/semantic-memory clicked through in Chromium"
count node tests/e2e/demo-page.mjs

tally_exit
