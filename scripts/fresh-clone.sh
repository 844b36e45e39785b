#!/usr/bin/env bash
# The README's first command as a new user runs it, on this machine's system Node only: a fresh
# clone of this repository's HEAD (commit first) into DIR, then `npm install && npm start` until
# /readyz answers on the embedded store, then a clean stop. Before that, the system Node alone
# must refuse in one line when it is older than freshet's floor. `.ci/run` then runs `npm test`
# in DIR with the same PATH (the README's second command).
set -euo pipefail
dir="${1:?usage: scripts/fresh-clone.sh DIR}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
commit="$(git -C "$repo" rev-parse HEAD)"
say() { echo "[freshet] [fresh-clone] $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

# Only the system's directories: no nvm, no ensure-node, no node_modules/.bin of a checkout.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
unset NODE_OPTIONS
rm -rf "$dir"
git clone --quiet --no-checkout "$repo" "$dir"
git -C "$dir" checkout --quiet "$commit"
cd "$dir"
say "clone of $commit in $dir; system node: $(command -v node) $(node --version)"

if ! node --input-type=module -e "import { nodeSupported } from './packages/freshet/bin/node-check.js'; process.exit(nodeSupported(process.versions.node) ? 0 : 1)"; then
  set +e
  out="$(node packages/freshet/bin/freshet.js --version 2>&1)"
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || fail "freshet on the system's $(node --version) exited 0"
  [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "freshet on an old Node printed more than one line: $out"
  say "system Node refused in one line (exit $rc): $out"
fi

say 'npm install'
npm install --no-audit --no-fund

log="$dir/.fresh-clone-start.log"
say 'npm start (PORT=0: a free port)'
PORT=0 setsid npm start >"$log" 2>&1 &
pid=$!
stop() { kill -TERM -- "-$pid" 2>/dev/null || true; }
trap stop EXIT
ready=''
for _ in $(seq 1 300); do
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail 'npm start exited'; }
  port="$(grep -o '"port":[0-9]*' "$log" | head -n 1 | cut -d: -f2 || true)"
  if [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; then ready=1; break; fi
  sleep 1
done
[ -n "$ready" ] || { cat "$log" >&2; fail 'npm start: /readyz did not answer within 300 s'; }
grep -q '"store":"embedded' "$log" || fail 'npm start did not use the embedded store'
say "npm start serves on port $port, embedded store: $(curl -s "http://127.0.0.1:$port/readyz")"
stop
trap - EXIT
wait "$pid" 2>/dev/null || true
rm -rf "$dir/.freshet" "$log"
