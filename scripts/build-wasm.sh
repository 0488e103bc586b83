#!/usr/bin/env bash
# Builds the Emscripten modules (Debian's emcc 3.1.6) into build/wasm and build/wasm-mt and copies
# them to js/dist/wasm/. Idempotent (incremental CMake builds).
# Env: RUV_BUILD_TYPE (default Release), RUV_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

build_type="${RUV_BUILD_TYPE:-Release}"
jobs="${RUV_JOBS:-2}"
# Debian's emcc runs its JS optimizer with the system node, which needs Debian's acorn.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}

# Two modules from one tree: build/wasm (single thread, runs everywhere) and build/wasm-mt (the
# same core with pthreads, RUV_WASM_THREADS: Node and cross-origin-isolated pages).
build_one() {
  local dir="$1"; shift
  local generator=()
  if [ ! -f "$dir/CMakeCache.txt" ] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
  emcmake cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE="$build_type" \
    -DRUV_BUILD_TESTS=OFF -DRUV_BUILD_NODE=OFF "$@"
  cmake --build "$dir" -j"$jobs"
}
build_one build/wasm -DRUV_WASM_THREADS=OFF
build_one build/wasm-mt -DRUV_WASM_THREADS=ON

mkdir -p js/dist/wasm
cp -f build/wasm/bindings/wasm/ruvector_wasm.mjs build/wasm/bindings/wasm/ruvector_wasm.wasm js/dist/wasm/
mt=build/wasm-mt/bindings/wasm/ruvector_wasm_mt
cp -f "$mt.mjs" "$mt.wasm" "$mt.worker.js" "$mt.worker.cjs" js/dist/wasm/
echo "build-wasm: js/dist/wasm/ruvector_wasm.{mjs,wasm} and ruvector_wasm_mt.{mjs,wasm,worker.js,worker.cjs}"
