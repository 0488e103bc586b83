#!/bin/sh
# Installs the rivals (onnxruntime-node, onnxruntime-web) exactly as pinned in package-lock.json.
# Idempotent: does nothing when both already load; --force reinstalls with npm ci.
# ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node's npm package already holds the CPU binaries
# (linux x64/arm64, darwin, win32); its install script would only fetch the CUDA ones.
set -eu
cd "$(dirname "$0")"
if [ "${1:-}" != "--force" ] && node -e "require('onnxruntime-node'); require.resolve('onnxruntime-web')" 2>/dev/null; then
  echo "bench/embed-js: onnxruntime-node and onnxruntime-web already installed"
  exit 0
fi
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund
node -e "require('onnxruntime-node'); require.resolve('onnxruntime-web')"
echo "bench/embed-js: rivals installed"
