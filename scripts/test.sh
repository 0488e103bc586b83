#!/usr/bin/env bash
# Builds everything and runs every test: the C++ suite (plain, then under ASan+UBSan), and the
# node:test suites (backend conformance on native, wasm and js; runtime and pool unit tests).
# Ends with one summary line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
bash scripts/build.sh || exit 1

logs=$(mktemp -d)
status=0
passed=0
failed=0

show_ctest_failures() {  # the tail above hides them: print each failing test's output
  grep -E -B2 -A25 "^\[  FAILED  \]|Failure$|: Failure" "$1" | head -120
}

count_ctest() {  # "100% tests passed, 0 tests failed out of 57"
  local line total bad
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$1" | tail -1)
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + ${total:-0} - ${bad:-0})); failed=$((failed + ${bad:-0}))
}

echo "== test models (tools/models/make_bert_model.py, seeded; the C++ tests read RUV_TEST_MODELS)"
export RUV_TEST_MODELS="$PWD/build/models"
make_model() {  # $1: folder name under build/models, then the generator's options
  local name=$1; shift
  /usr/bin/python3 tools/models/make_bert_model.py "$@" --out "$RUV_TEST_MODELS/$name" >"$logs/model-$name.log" 2>&1 \
    || { cat "$logs/model-$name.log"; echo "test model $name: FAILED"; status=1; }
}
make_model tiny --preset tiny
make_model minilm --preset minilm
make_model micro --preset micro  # also the seed of the onnx/safetensors fuzz targets
# bert.-prefixed safetensors, LayerNormalization op (opset 17), gelu_new, CLS pooling.
make_model tiny-variant --preset tiny --prefix-bert --layernorm op --act gelu_new --pooling cls --seed 99

echo "== C++ core tests (release build)"
ctest --test-dir build/native --output-on-failure -j2 2>&1 | tee "$logs/ctest.log" | tail -3
[ "${PIPESTATUS[0]}" -eq 0 ] || { status=1; show_ctest_failures "$logs/ctest.log"; }
count_ctest "$logs/ctest.log"

echo "== C++ core tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRUV_SANITIZE=address,undefined \
  -DRUV_BUILD_NODE=OFF >/dev/null && cmake --build build/asan -j2 >"$logs/asan-build.log" 2>&1 \
  || { cat "$logs/asan-build.log"; status=1; }
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j2 2>&1 | tee "$logs/asan.log" | tail -3
[ "${PIPESTATUS[0]}" -eq 0 ] || { status=1; show_ctest_failures "$logs/asan.log"; }
count_ctest "$logs/asan.log"

echo "== libFuzzer: untrusted HNSW bytes (bounded: RUVECTOR_FUZZ_SECONDS, default 60 s)"
fuzz_seconds=${RUVECTOR_FUZZ_SECONDS:-60}
if CC=clang-14 CXX=clang++-14 cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
     -DRUV_BUILD_FUZZ=ON -DRUV_BUILD_NODE=OFF -DRUV_BUILD_TESTS=OFF -DRUV_SANITIZE=address,undefined \
     >"$logs/fuzz-build.log" 2>&1 \
   && cmake --build build/fuzz -j2 --target hnsw_deserialize_fuzz hnsw_fuzz_seed >>"$logs/fuzz-build.log" 2>&1; then
  rm -rf build/fuzz/corpus && mkdir -p build/fuzz/corpus
  build/fuzz/tests/fuzz/hnsw_fuzz_seed build/fuzz/corpus >/dev/null
  if build/fuzz/tests/fuzz/hnsw_deserialize_fuzz -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 \
       -print_final_stats=1 build/fuzz/corpus >"$logs/fuzz.log" 2>&1; then
    echo "fuzz: $(grep -E '^stat::number_of_executed_units' "$logs/fuzz.log" | awk '{print $2}') inputs, no crash"
    passed=$((passed + 1))
  else
    tail -40 "$logs/fuzz.log"; echo "fuzz: FAILED"; failed=$((failed + 1)); status=1
  fi
else
  cat "$logs/fuzz-build.log"; echo "fuzz: build FAILED"; failed=$((failed + 1)); status=1
fi

echo "== node:test suites (conformance on native, wasm and js; unit tests)"
RUVECTOR_REQUIRE_BACKENDS=native,wasm,js RUVECTOR_REQUIRE_HNSW=native,wasm,js node --test --test-reporter=spec tests/ 2>&1 | tee "$logs/node.log" | tail -12
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
np=$(grep -E "^ℹ pass [0-9]+" "$logs/node.log" | tail -1 | grep -oE "[0-9]+")
nf=$(grep -E "^ℹ fail [0-9]+" "$logs/node.log" | tail -1 | grep -oE "[0-9]+")
passed=$((passed + ${np:-0})); failed=$((failed + ${nf:-0}))
[ -n "${np:-}" ] || { echo "node:test printed no summary"; status=1; }

rm -rf "$logs"
echo
echo "tests: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ] || status=1
exit $status
