#!/bin/sh
# Installs the rivals (hnswlib-node, usearch) exactly as pinned in package-lock.json.
# Idempotent: does nothing when both already load; --force reinstalls with npm ci.
#   hnswlib-node compiles with node-gyp against Node's installed headers (nodedir=/usr here, so
#   node-gyp never downloads headers); usearch ships prebuilt Node-API binaries (linux-x64,
#   linux-arm64, darwin, win32) in its npm package and needs no compiler.
#   Both install scripts are approved in package.json "allowScripts" (npm 11).
set -eu
cd "$(dirname "$0")"
if [ "${1:-}" != "--force" ] && node -e "require('hnswlib-node'); require('usearch')" 2>/dev/null; then
  echo "bench/hnsw-js: hnswlib-node and usearch already installed"
  exit 0
fi
# Node's headers ship with the distribution's nodejs (/usr/include/node); elsewhere let node-gyp
# use its default.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then
  export npm_config_nodedir=/usr
fi
npm ci --no-audit --no-fund
node -e "require('hnswlib-node'); require('usearch')"
echo "bench/hnsw-js: rivals installed"
