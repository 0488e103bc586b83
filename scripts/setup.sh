#!/usr/bin/env bash
# Installs everything the build and the tests need, from Debian's and npm's registries only.
# Idempotent: packages already present are not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  build-essential cmake ninja-build pkg-config
  libgtest-dev googletest libbenchmark-dev   # C++ tests and micro-benchmarks
  libhwy-dev                                 # Google Highway: portable SIMD with run-time dispatch
  nlohmann-json3-dev                         # JSON: tokenizer.json, config.json
  unicode-data                               # UCD 15.0 for tools/unicode/gen_unicode_tables.py
  emscripten binaryen                        # the wasm build (Debian's emcc 3.1.6)
  clang-14 libclang-rt-14-dev                # libFuzzer targets (tests/fuzz)
  python3-torch python3-onnx                 # tools/models/make_bert_model.py: the test models
  clang-format-14 clang-tidy-14              # scripts/lint.sh (.clang-format, .clang-tidy)
  chromium firefox-esr webkit2gtk-driver xvfb  # tests/e2e/engines.mjs: the suite in the browsers
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

npm_install() {  # $1: folder with package.json + package-lock.json
  if [ ! -d "$1/node_modules" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in $1"
    (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
npm_install js
npm_install bindings/node
export ONNXRUNTIME_NODE_INSTALL=skip  # transformers.js pulls onnxruntime-node: no CUDA download
npm_install tools                    # golden-id generators (tools/tokenizer/golden.mjs)
npm_install tools/lint   # eslint + typescript-eslint, prettier (scripts/lint.sh)
npm_install tools/engines  # the engines tests/e2e/engines.mjs runs the package in (workerd, ...)
