#!/bin/sh
# Makes sure Debian's Varnish (7.1) and varnish-modules (0.20, for xkey) are installed, for the
# Varnish layer's tests (packages/freshet/src/targets/varnish/, packages/freshet/test/varnish.*).
# Idempotent: does nothing when both are there. Installs only from the Debian archive.
set -eu

VARNISHD=/usr/sbin/varnishd

have_xkey() {
  [ -n "$(find /usr/lib -name libvmod_xkey.so 2>/dev/null | head -n 1)" ]
}

if [ -x "$VARNISHD" ] && have_xkey; then
  echo "[freshet] [ensure-varnish] installed: $("$VARNISHD" -V 2>&1 | head -n 1)"
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "[freshet] [ensure-varnish] varnishd or the xkey vmod is missing and this is not root: run 'sudo apt-get install -y varnish varnish-modules'" >&2
  exit 1
fi

echo "[freshet] [ensure-varnish] installing Debian's varnish and varnish-modules packages"
export DEBIAN_FRONTEND=noninteractive
# The package's service would start on :6081; tests start their own varnishd on ephemeral ports.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# Another apt-get (another job on the machine) may hold the lock: wait for it.
apt-get -o DPkg::Lock::Timeout=600 update
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends varnish varnish-modules

if [ ! -x "$VARNISHD" ] || ! have_xkey; then
  echo "[freshet] [ensure-varnish] apt-get ran but varnishd or libvmod_xkey.so is still missing" >&2
  exit 1
fi
echo "[freshet] [ensure-varnish] installed: $("$VARNISHD" -V 2>&1 | head -n 1)"
