#!/usr/bin/env bash
# Builds everything and runs every test: the linters (scripts/lint.sh, check mode), the C++
# suite (scripts/test-cpp.sh: plain, under ASan+UBSan, libFuzzer), the node:test suites
# (scripts/test-js.sh: conformance on native, wasm and js; unit tests) and the end-to-end runs of
# the package per engine (scripts/test-e2e.sh). Each part also runs on its own after a build.
# Ends with a list of what failed, when anything did, and one summary line "tests: N passed,
# N failed, N skipped" counting every part; exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tally.sh
bash scripts/setup.sh || exit 1
bash scripts/build.sh || exit 1
bash scripts/make-test-models.sh || exit 1
export RUV_TEST_MODELS="$PWD/build/models"

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

parts=(lint test-cpp test-js test-e2e)
declare -A exit_code
for part in "${parts[@]}"; do
  bash "scripts/$part.sh" 2>&1 | tee "$logs/$part.log"
  rc=${PIPESTATUS[0]}
  exit_code[$part]=$rc
  before=$failed
  tally_from "$logs/$part.log"
  # A part that exits non-zero while counting no failure is one failure (the count stays honest).
  if [ "$rc" -ne 0 ] && [ "$failed" -eq "$before" ]; then fail; fi
done

# CI shows only the end of the output: name what failed right above the summary line. The
# markers: lint's and the fuzzers' "FAILED", gtest's "[  FAILED  ]", node:test's spec "✖", the
# e2e runs' "not ok - ".
if [ "$failed" -gt 0 ]; then
  echo
  echo "== what failed (each part's full output is above)"
  for part in "${parts[@]}"; do
    named=$(grep -E "FAILED|^\[  FAILED  \]|^ *✖ |^not ok - |printed no summary" "$logs/$part.log" \
      | grep -vE "^ *✖ failing tests:$" | sort -u | head -15 | sed "s/^ */$part: /")
    [ -z "$named" ] || echo "$named"
    # A part that failed without a marker line (a crash, a sanitizer report): say so, with its end.
    if [ "${exit_code[$part]}" -ne 0 ] && [ -z "$named" ]; then
      echo "$part: exited ${exit_code[$part]} without naming a failure; its last lines:"
      tail -8 "$logs/$part.log" | sed "s/^/$part:   /"
    fi
  done
fi

tally_exit
