#!/usr/bin/env bash
# Builds the Emscripten module (Debian's emcc 3.1.6) into build/wasm and copies
# ruvector_wasm.{mjs,wasm} to js/dist/wasm/. Idempotent (incremental CMake build).
# Env: RUV_BUILD_TYPE (default Release), RUV_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

build_type="${RUV_BUILD_TYPE:-Release}"
jobs="${RUV_JOBS:-2}"
# Debian's emcc runs its JS optimizer with the system node, which needs Debian's acorn.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}

generator=()
if [ ! -f build/wasm/CMakeCache.txt ] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
emcmake cmake -S . -B build/wasm "${generator[@]}" -DCMAKE_BUILD_TYPE="$build_type" \
  -DRUV_BUILD_TESTS=OFF -DRUV_BUILD_NODE=OFF
cmake --build build/wasm -j"$jobs"

mkdir -p js/dist/wasm
cp -f build/wasm/bindings/wasm/ruvector_wasm.mjs build/wasm/bindings/wasm/ruvector_wasm.wasm js/dist/wasm/
echo "build-wasm: js/dist/wasm/ruvector_wasm.{mjs,wasm}"
