#!/bin/sh
# Makes sure Debian's Chromium is at /usr/bin/chromium for the web page's browser test
# (packages/freshet/test/page.browser.test.ts). Idempotent: does nothing when it is there.
# Never downloads a browser from anywhere but the Debian archive.
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "[freshet] [ensure-chromium] $CHROMIUM is installed: $("$CHROMIUM" --version 2>/dev/null || echo 'version unknown')"
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "[freshet] [ensure-chromium] $CHROMIUM is missing and this is not root: run 'sudo apt-get install -y chromium'" >&2
  exit 1
fi

echo "[freshet] [ensure-chromium] installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium fonts-dejavu-core

if [ ! -x "$CHROMIUM" ]; then
  echo "[freshet] [ensure-chromium] apt-get installed chromium but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "[freshet] [ensure-chromium] installed: $("$CHROMIUM" --version 2>/dev/null || echo 'version unknown')"
