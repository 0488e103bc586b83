# Sourced by the test scripts: counts results and prints the one summary line they all end with.
# A script adds to `passed`/`failed`/`skipped`, sets `status` non-zero on any failure, and ends
# with `tally_exit`. test.sh reads each part's summary line back with `tally_from`.
#
# Skipped tests are counted apart, never as passed: the totals say what ran. Every part of the
# README's test command is required, so a skip fails the run (a test that skips in CI checks
# nothing) unless RUVECTOR_ALLOW_SKIPS=1 (a local run on a machine without some part).
passed=0
failed=0
skipped=0
status=0

pass() { passed=$((passed + ${1:-1})); }
fail() { failed=$((failed + ${1:-1})); status=1; }
skip() { skipped=$((skipped + ${1:-1})); }

# Adds the counts of the last "tests: N passed, N failed[, N skipped]" line of log $1; a part
# that printed no summary (it crashed before the end) counts as one failure.
tally_from() {
  local line
  line=$(grep -E "^tests: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$" "$1" | tail -1)
  if [ -z "$line" ]; then
    echo "($1 printed no summary line: counted as one failure)"
    fail
    return
  fi
  passed=$((passed + $(sed -E 's/^tests: ([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.*passed, ([0-9]+) failed.*/\1/' <<<"$line")))
  if [[ "$line" == *skipped ]]; then
    skipped=$((skipped + $(sed -E 's/.*failed, ([0-9]+) skipped$/\1/' <<<"$line")))
  fi
}

tally_exit() {
  echo
  echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
  [ "$failed" -eq 0 ] || status=1
  if [ "$skipped" -gt 0 ] && [ "${RUVECTOR_ALLOW_SKIPS:-0}" != 1 ]; then
    echo "${skipped} test(s) skipped: every part is required here (RUVECTOR_ALLOW_SKIPS=1 allows skips)"
    status=1
  fi
  exit "$status"
}
