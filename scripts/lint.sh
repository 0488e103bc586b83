#!/usr/bin/env bash
# The linters, each counted as one test: prettier and eslint (typescript-eslint) on js/src and
# tests/, clang-format (.clang-format) on core/, bindings/ and tests/fuzz, clang-tidy (.clang-tidy)
# on the core's sources against build/native/compile_commands.json (scripts/build-native.sh).
#   bash scripts/lint.sh          check only (what scripts/test.sh runs)
#   bash scripts/lint.sh --fix    prettier --write, eslint --fix, clang-format -i, then check
# The JS linters live in tools/lint (scripts/setup.sh installs them). Ends with "tests: N passed,
# N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tally.sh

fix=0
case "${1:-}" in
  --fix) fix=1 ;;
  "") ;;
  *) echo "usage: bash scripts/lint.sh [--fix]"; exit 2 ;;
esac

bin=tools/lint/node_modules/.bin
js_paths=(js/src tests examples eslint.config.js)
mapfile -t cxx_files < <(find core bindings tests/fuzz -type f \( -name '*.cc' -o -name '*.h' -o -name '*.c' \) \
  -not -path '*/node_modules/*' | sort)
# clang-tidy: the core's own sources (tests and the bindings are left to the compiler warnings).
mapfile -t tidy_files < <(find core/src core/capi -type f -name '*.cc' -not -name '*_test.cc' | sort)

log=$(mktemp)
trap 'rm -f "$log"' EXIT

report() {  # $1: name, $2: exit code of the check, $3: findings summary
  if [ "$2" -eq 0 ]; then echo "lint $1: clean"; pass; else echo "lint $1: FAILED ($3)"; fail; fi
}

if [ ! -x "$bin/eslint" ] || [ ! -x "$bin/prettier" ]; then
  echo "lint: tools/lint has no node_modules (run bash scripts/setup.sh)"; fail 2
else
  if [ "$fix" -eq 1 ]; then
    "$bin/prettier" --write --log-level warn "${js_paths[@]}"
    "$bin/eslint" -c eslint.config.js --fix "${js_paths[@]}" >/dev/null
  fi
  echo "== prettier --check ${js_paths[*]}"
  "$bin/prettier" --check --log-level warn "${js_paths[@]}" >"$log" 2>&1
  rc=$?; head -40 "$log"
  report prettier "$rc" "$(grep -c '^\[warn\] [^C]' "$log") files not formatted; run bash scripts/lint.sh --fix"

  echo "== eslint ${js_paths[*]}"
  "$bin/eslint" -c eslint.config.js --max-warnings 0 "${js_paths[@]}" >"$log" 2>&1
  rc=$?; tail -60 "$log"
  report eslint "$rc" "$(grep -oE '[0-9]+ problems?' "$log" | tail -1)"
fi

echo "== clang-format-14 --dry-run -Werror (${#cxx_files[@]} files)"
if [ "$fix" -eq 1 ]; then clang-format-14 -i "${cxx_files[@]}"; fi
clang-format-14 --dry-run -Werror "${cxx_files[@]}" >"$log" 2>&1
rc=$?
grep -E "error:" "$log" | cut -d: -f1 | sort | uniq -c | sed 's/^/  /' | head -40
report clang-format "$rc" "$(grep -E 'error:' "$log" | cut -d: -f1 | sort -u | wc -l) files; run bash scripts/lint.sh --fix"

echo "== clang-tidy-14 (${#tidy_files[@]} files, -j2)"
if [ ! -f build/native/compile_commands.json ]; then
  echo "lint: build/native/compile_commands.json missing (run bash scripts/build-native.sh)"; fail
else
  printf '%s\n' "${tidy_files[@]}" | xargs -P2 -n3 clang-tidy-14 -p build/native --quiet >"$log" 2>&1
  rc=$?
  findings=$(grep -E "(warning|error): .*\[[a-z0-9.,-]+\]$" "$log" | sort -u)
  [ -z "$findings" ] || { echo "$findings" | sed "s|^$PWD/||"; rc=1; }
  report clang-tidy "$rc" "$(grep -c . <<<"$findings") findings"
fi

tally_exit
