#!/usr/bin/env bash
# Planted-defect check (issue 23): does each test catch the defect it is named for?
#
#   bash scripts/mutants.sh [NAME[,NAME...]]
#
# Clones the committed HEAD into build/mutants (a clean clone: uncommitted changes are not in
# it), builds it once (native, wasm, the package; later runs reuse that build), then for each
# mutant of tests/mutants.txt: applies it, rebuilds incrementally, runs its test command, and
# restores the file. Prints CAUGHT / SURVIVED per mutant and a summary; exits non-zero when one
# survived (without a written reason in the list) or no longer applies.
#
# Env: RUV_MUTANTS_FULL=1 runs the README's full test command for every mutant (hours);
#      RUV_MUTANTS_TIMEOUT per command in seconds (default 900; a timeout counts as caught);
#      RUV_MUTANTS_VERBOSE=1 prints every build and test log.
# Not part of CI (it rebuilds once per mutant): run it before resolving an issue.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
clone="$repo/build/mutants"

if [ ! -d "$clone/.git" ]; then
  git clone -q "$repo" "$clone"
else
  git -C "$clone" fetch -q "$repo" HEAD
  git -C "$clone" checkout -q --detach FETCH_HEAD
  git -C "$clone" reset -q --hard FETCH_HEAD
fi
echo "mutants: clone at $(git -C "$clone" log --oneline -1)"

# npm packages and the generated test models come from this checkout (set up already, or by
# the README's first command): linked, not downloaded again.
for dir in js/node_modules bindings/node/node_modules tools/node_modules tools/lint/node_modules \
  tools/engines/node_modules; do
  if [ -d "$repo/$dir" ] && [ ! -e "$clone/$dir" ]; then ln -s "$repo/$dir" "$clone/$dir"; fi
done
if [ ! -d "$repo/build/models" ]; then bash scripts/make-test-models.sh; fi
mkdir -p "$clone/build"
[ -e "$clone/build/models" ] || ln -s "$repo/build/models" "$clone/build/models"
# The tests read ../shared/models (the real tokenizer files) from the repository root.
[ -e "$repo/build/shared" ] || ln -s "$(cd "$repo/.." && pwd)/shared" "$repo/build/shared"

(cd "$clone" && bash scripts/build.sh >"$clone/build/mutants-build.log" 2>&1) || {
  tail -40 "$clone/build/mutants-build.log"
  echo "mutants: the clean clone does not build"
  exit 2
}

node scripts/lib/mutants.mjs "$clone" "$repo/tests/mutants.txt" "${1:-}"
