#!/usr/bin/env bash
# The C++ tests: the core suite (ctest on build/native, as scripts/build-native.sh leaves it), the
# same suite under AddressSanitizer + UndefinedBehaviorSanitizer (build/asan), and each libFuzzer
# target run for a bounded time (build/fuzz, clang-14). Ends with "tests: N passed, N failed, N skipped".
# Env: RUVECTOR_FUZZ_SECONDS, when set, is the total fuzzing time, split evenly over the targets
# (default: each target's own budget below, ~90 s in all).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tally.sh

# libFuzzer targets of tests/fuzz: "target seconds [seeder]". The seeder, when given, is run as
# `seeder <corpus folder>` to write valid inputs the fuzzer starts from, or, as `files:GLOB`, names
# seed files to copy there (the generated test models: scripts/make-test-models.sh). Add a line per target.
fuzz_targets=(
  "hnsw_deserialize_fuzz 30 hnsw_fuzz_seed"
  "tokenizer_fuzz 20 files:tests/fuzz/seeds/tokenizer/*"
  "onnx_fuzz 20 files:build/models/micro/onnx/model.onnx build/models/micro-quantized/onnx/model_quantized.onnx"
  "safetensors_fuzz 15 files:build/models/micro/model.safetensors"
  "bundle_fuzz 15 files:build/models/micro.ruvmodel"
  "learn_fuzz 15 learn_fuzz_seed"
  "metadata_filter_fuzz 15 files:tests/fuzz/seeds/filter/*"
  "memory_snapshot_fuzz 15 memory_fuzz_seed"
)
# The C++ tests read the generated models (RUV_TEST_MODELS) and the fuzzers seed from them.
if [ -z "${RUV_TEST_MODELS:-}" ]; then
  bash scripts/make-test-models.sh || exit 1
  export RUV_TEST_MODELS="$PWD/build/models"
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

show_ctest_failures() {  # the tail above hides them: print each failing test's output
  grep -E -B2 -A25 "^\[  FAILED  \]|Failure$|: Failure" "$1" | head -120
  # A crash, a timeout or a sanitizer report has no gtest failure line: show the report, and name
  # each failing test on a line of its own ("ctest ... FAILED:"), which test.sh lists at the end.
  grep -E -A30 "ERROR: [A-Za-z]+Sanitizer|runtime error:|\*\*\*(Timeout|Exception)" "$1" | head -120
  sed -n '/^The following tests FAILED:/,$p' "$1" | grep -E "^[[:space:]]+[0-9]+ - " \
    | sed -E "s/^[[:space:]]+[0-9]+ - /ctest $2 FAILED: /"
}

count_ctest() {  # "100% tests passed, 0 tests failed out of 57"; no such line: one failure
  # ctest counts a skipped test (GTEST_SKIP, "The following tests did not run: ... (Skipped)") in
  # its "passed" percentage; here it is counted apart.
  local line total bad skips
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$1" | tail -1)
  if [ -z "$line" ]; then fail; return; fi
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  skips=$(grep -cE "^[[:space:]]+[0-9]+ - .* \((Skipped|Disabled|Not Run)\)$" "$1")
  [ "$skips" -eq 0 ] || grep -E "^[[:space:]]+[0-9]+ - .* \((Skipped|Disabled|Not Run)\)$" "$1" | head -20
  pass $((total - bad - skips))
  skip "$skips"
  [ "$bad" -eq 0 ] || fail "$bad"
}

run_ctest() {  # $1: build folder, $2: log name; extra env comes from the caller
  ctest --test-dir "$1" --output-on-failure -j2 2>&1 | tee "$logs/$2.log" | tail -3
  [ "${PIPESTATUS[0]}" -eq 0 ] || { status=1; show_ctest_failures "$logs/$2.log" "$2"; }
  count_ctest "$logs/$2.log"
}

echo "== C++ core tests (release build)"
run_ctest build/native ctest

echo "== C++ core tests under AddressSanitizer + UndefinedBehaviorSanitizer"
if cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRUV_SANITIZE=address,undefined \
     -DRUV_BUILD_NODE=OFF >"$logs/asan-build.log" 2>&1 \
   && cmake --build build/asan -j2 >>"$logs/asan-build.log" 2>&1; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest build/asan asan
else
  tail -60 "$logs/asan-build.log"; echo "asan: build FAILED"; fail
fi

per_target_seconds=""
if [ -n "${RUVECTOR_FUZZ_SECONDS:-}" ]; then
  per_target_seconds=$(( (RUVECTOR_FUZZ_SECONDS + ${#fuzz_targets[@]} - 1) / ${#fuzz_targets[@]} ))
fi
echo "== libFuzzer: ${#fuzz_targets[@]} target(s) on untrusted bytes, each bounded in time"
fuzz_build_targets=()
for entry in "${fuzz_targets[@]}"; do
  read -r target _ seeder <<<"$entry"
  fuzz_build_targets+=("$target")
  case "${seeder:-}" in ""|files:*) ;; *) fuzz_build_targets+=("$seeder") ;; esac
done
if CC=clang-14 CXX=clang++-14 cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
     -DRUV_BUILD_FUZZ=ON -DRUV_BUILD_NODE=OFF -DRUV_BUILD_TESTS=OFF -DRUV_SANITIZE=address,undefined \
     >"$logs/fuzz-build.log" 2>&1 \
   && cmake --build build/fuzz -j2 --target "${fuzz_build_targets[@]}" >>"$logs/fuzz-build.log" 2>&1; then
  for entry in "${fuzz_targets[@]}"; do
    read -r target seconds seeder <<<"$entry"
    seconds=${per_target_seconds:-$seconds}
    corpus=build/fuzz/corpus/$target
    rm -rf "$corpus" && mkdir -p "$corpus"
    if [[ "${seeder:-}" == files:* ]]; then
      # shellcheck disable=SC2086  # the glob is meant to expand
      cp ${seeder#files:} "$corpus"/ || { echo "fuzz $target: seed files ${seeder#files:} missing"; fail; continue; }
    elif [ -n "${seeder:-}" ] && ! build/fuzz/tests/fuzz/"$seeder" "$corpus" >"$logs/$target-seed.log" 2>&1; then
      cat "$logs/$target-seed.log"; echo "fuzz $target: seeder $seeder FAILED"; fail; continue
    fi
    if build/fuzz/tests/fuzz/"$target" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 \
         "$corpus" >"$logs/$target.log" 2>&1; then
      echo "fuzz $target: $(grep -E '^stat::number_of_executed_units' "$logs/$target.log" | awk '{print $2}') inputs in ${seconds} s, no crash"
      pass
    else
      tail -40 "$logs/$target.log"; echo "fuzz $target: FAILED"; fail
    fi
  done
else
  tail -60 "$logs/fuzz-build.log"; echo "fuzz: build FAILED"; fail "${#fuzz_targets[@]}"
fi

tally_exit
