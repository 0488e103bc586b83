#!/usr/bin/env bash
# The node:test suites of tests/ (conformance on native, wasm and js; unit tests), on the package
# js/dist as scripts/build.sh leaves it. Every backend must load and have an HNSW index: a missing
# one fails instead of skipping. Ends with "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tally.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# The embeddings suites read the generated models (scripts/make-test-models.sh).
if [ -z "${RUV_TEST_MODELS:-}" ]; then
  bash scripts/make-test-models.sh || exit 1
  export RUV_TEST_MODELS="$PWD/build/models"
fi

echo "== node:test suites (conformance on native, wasm and js; unit tests)"
RUVECTOR_REQUIRE_BACKENDS=native,wasm,js RUVECTOR_REQUIRE_HNSW=native,wasm,js \
  node --test --test-reporter=spec tests/ 2>&1 | tee "$log" | tail -12
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
# The tail above can cut a failure's name off behind its stack: print node:test's list of failing
# tests from the whole output (each "✖ name" line is what test.sh lists at the end).
if [ "$status" -ne 0 ]; then
  echo "== node:test's failing tests (from its whole output)"
  sed -n '/^✖ failing tests:$/,$p' "$log" | grep -vE "^ℹ " | head -150
fi
np=$(grep -E "^ℹ pass [0-9]+" "$log" | tail -1 | grep -oE "[0-9]+")
nf=$(grep -E "^ℹ (fail|cancelled) [0-9]+" "$log" | tail -2 | awk '{ n += $3 } END { print n + 0 }')
ns=$(grep -E "^ℹ (skipped|todo) [0-9]+" "$log" | tail -2 | awk '{ n += $3 } END { print n + 0 }')
if [ -z "${np:-}" ]; then
  echo "node:test printed no summary"; fail
else
  # Skipped and todo tests are counted apart (and listed); a cancelled test failed.
  pass "$np"
  skip "${ns:-0}"
  [ "${ns:-0}" -eq 0 ] || grep -E "^ *﹣ |# TODO$" "$log" | head -20
  [ "${nf:-0}" -eq 0 ] || fail "$nf"
fi
# A non-zero exit with no failed test (a crash, a file that did not load) still fails.
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || fail

tally_exit
