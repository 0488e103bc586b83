# Sourced by the test scripts: counts results and prints the one summary line they all end with.
# A script adds to `passed`/`failed`, sets `status` non-zero on any failure, and ends with
# `tally_exit`. test.sh reads each part's summary line back with `tally_from`.
passed=0
failed=0
status=0

pass() { passed=$((passed + ${1:-1})); }
fail() { failed=$((failed + ${1:-1})); status=1; }

# Adds the counts of the last "tests: N passed, N failed" line of log $1; a part that printed no
# summary (it crashed before the end) counts as one failure.
tally_from() {
  local line
  line=$(grep -E "^tests: [0-9]+ passed, [0-9]+ failed$" "$1" | tail -1)
  if [ -z "$line" ]; then
    echo "($1 printed no summary line: counted as one failure)"
    fail
    return
  fi
  passed=$((passed + $(sed -E 's/^tests: ([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.*passed, ([0-9]+) failed$/\1/' <<<"$line")))
}

tally_exit() {
  echo
  echo "tests: ${passed} passed, ${failed} failed"
  [ "$failed" -eq 0 ] || status=1
  exit "$status"
}
