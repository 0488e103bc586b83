#!/bin/sh
# Installs the rivals (vectra, @lancedb/lancedb 0.31.0 with apache-arrow, its peer) exactly as
# pinned in package-lock.json. LanceDB ships prebuilt Node-API binaries in its npm packages; no
# install script runs. Idempotent: does nothing when both already load; --force reinstalls.
set -eu
cd "$(dirname "$0")"
if [ "${1:-}" != "--force" ] && node --input-type=module -e "await import('vectra'); await import('@lancedb/lancedb')" 2>/dev/null; then
  echo "bench/memory: vectra and lancedb already installed"
  exit 0
fi
npm ci --no-audit --no-fund
node --input-type=module -e "await import('vectra'); await import('@lancedb/lancedb')"
echo "bench/memory: rivals installed"
