#!/bin/sh
# Makes sure Debian's Prometheus (2.42, with promtool) is installed for the alert-rules test
# (packages/freshet/test/prometheus.e2e.test.ts). Idempotent: does nothing when both are there.
# Never downloads anything but the Debian package. The package's own service is not started:
# the test runs its own Prometheus on a loopback port.
set -eu

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  echo "[freshet] [ensure-prometheus] installed: $(prometheus --version 2>&1 | head -n 1)"
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "[freshet] [ensure-prometheus] prometheus is missing and this is not root: run 'sudo apt-get install -y prometheus'" >&2
  exit 1
fi

echo "[freshet] [ensure-prometheus] installing Debian's prometheus package"
export DEBIAN_FRONTEND=noninteractive
# Debian's postinst starts the service where systemd or init scripts run it; here there is
# neither, and the test never uses that instance. policy-rc.d keeps init scripts from starting it.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update
apt-get install -y --no-install-recommends prometheus

if ! command -v promtool >/dev/null 2>&1; then
  echo "[freshet] [ensure-prometheus] apt-get installed prometheus but promtool is still missing" >&2
  exit 1
fi
echo "[freshet] [ensure-prometheus] installed: $(prometheus --version 2>&1 | head -n 1)"
