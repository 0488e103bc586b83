#!/usr/bin/env bash
# Builds the whole product: the native core + Node addon (and the C++ tests), the wasm module,
# and the TypeScript package, leaving a usable package in js/dist.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-native.sh
bash scripts/build-wasm.sh
(cd js && npx tsc -p .)
node scripts/bundle-web.mjs
chmod +x js/dist/cli.js 2>/dev/null || true
