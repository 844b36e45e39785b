#!/bin/sh
# Installs Directus (default 12.4.0) from the npm registry into a cache folder outside the
# repository, keyed by version, for the real-Directus tests (packages/freshet/test/directus/).
# Idempotent: does nothing when the version is already there. Prints the folder on stdout.
#
# Facts this relies on (DESIGN.md): 12.4.1 does not install (its @directus/app@18.0.1 is not on
# the registry); on Node 24 isolated-vm 5.0.3 cannot build and its prebuilt binary is
# unreachable, so npm `overrides` pins 7.0.1. Start it with
# node <dir>/node_modules/@directus/api/dist/cli/run.js (the `directus` bin checks the registry).
set -eu

VERSION="${FRESHET_DIRECTUS_VERSION:-12.4.0}"
ROOT="${FRESHET_DIRECTUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/freshet-directus}"
DIR="$ROOT/$VERSION"
RUN="$DIR/node_modules/@directus/api/dist/cli/run.js"

log() { echo "[freshet] [ensure-directus] $*" >&2; }

if [ -f "$DIR/.installed" ] && [ -f "$RUN" ]; then
  log "Directus $VERSION is installed in $DIR"
  echo "$DIR"
  exit 0
fi

mkdir -p "$ROOT"
# One installer at a time (parallel test runs, several worktrees).
LOCK="$ROOT/.lock-$VERSION"
if ! mkdir "$LOCK" 2>/dev/null; then
  log "another install of $VERSION is running (lock $LOCK); waiting up to 15 minutes"
  i=0
  while [ -d "$LOCK" ] && [ $i -lt 900 ]; do sleep 2; i=$((i + 2)); done
  if [ -f "$DIR/.installed" ]; then echo "$DIR"; exit 0; fi
  log "the other install did not finish; remove $LOCK if no install is running"
  exit 1
fi
trap 'rmdir "$LOCK" 2>/dev/null || true' EXIT

STAGE="$ROOT/.stage-$VERSION-$$"
rm -rf "$STAGE"
mkdir -p "$STAGE"
cat > "$STAGE/package.json" <<JSON
{
  "name": "freshet-directus-$VERSION",
  "private": true,
  "dependencies": { "directus": "$VERSION", "sqlite3": "^5.1.7" },
  "overrides": { "isolated-vm": "7.0.1" }
}
JSON
# Directus 12 and its native modules (isolated-vm 7, sqlite3) need Node >= 22 and must be built
# for the Node that runs the tests: bring freshet's Node when the one on PATH is older, and build
# against that Node's own headers (a machine's npm may point `nodedir` at the system Node's).
here="$(cd "$(dirname "$0")" && pwd)"
newer="$(bash "$here/ensure-node.sh")"
if [ -n "$newer" ]; then PATH="$newer:$PATH"; export PATH; fi
npm_config_nodedir="$(node -p 'require("path").dirname(require("path").dirname(process.execPath))')"
export npm_config_nodedir
log "building against Node $(node --version) ($npm_config_nodedir)"
log "installing Directus $VERSION into $DIR (about 4 minutes)"
( cd "$STAGE" && npm install --no-audit --no-fund --loglevel=error >&2 )
if [ ! -f "$STAGE/node_modules/@directus/api/dist/cli/run.js" ]; then
  log "npm installed Directus $VERSION but @directus/api/dist/cli/run.js is missing"
  exit 1
fi
touch "$STAGE/.installed"
rm -rf "$DIR"
mv "$STAGE" "$DIR"
log "installed Directus $VERSION in $DIR"
echo "$DIR"
