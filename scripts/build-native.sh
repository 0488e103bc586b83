#!/usr/bin/env bash
# Builds the native core, its C++ tests and the Node-API addon into build/native, and copies the
# addon to js/dist/native/ruvector_native.node. Idempotent (incremental CMake build).
# Env: RUV_BUILD_TYPE (default Release), RUV_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

build_type="${RUV_BUILD_TYPE:-Release}"
jobs="${RUV_JOBS:-2}"

# node-addon-api headers live in bindings/node/node_modules (a build-only package).
if [ ! -f bindings/node/node_modules/node-addon-api/napi.h ]; then
  (cd bindings/node && npm ci --no-audit --no-fund --loglevel=error)
fi

generator=()
if [ ! -f build/native/CMakeCache.txt ] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
cmake -S . -B build/native "${generator[@]}" -DCMAKE_BUILD_TYPE="$build_type" -DRUV_BUILD_NODE=ON
cmake --build build/native -j"$jobs"

mkdir -p js/dist/native
cp -f build/native/bindings/node/ruvector_native.node js/dist/native/ruvector_native.node
echo "build-native: js/dist/native/ruvector_native.node"
