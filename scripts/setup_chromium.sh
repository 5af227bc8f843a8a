#!/usr/bin/env bash
# Install Debian's chromium for the report's browser test (tests/test_report_browser.py).
# Idempotent; never downloads a browser from anywhere but the Debian archive.
set -euo pipefail
log() { echo "[setup_chromium] $*"; }
if command -v chromium >/dev/null 2>&1; then
  log "chromium present: $(command -v chromium) (nothing to do)"
  exit 0
fi
if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  log "installing chromium with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  log "installed $(command -v chromium)"
else
  log "chromium missing and not root: run 'sudo apt-get install -y chromium'; the browser test will fail until it is installed"
fi
