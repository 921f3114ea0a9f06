#!/usr/bin/env bash
# Installs what a fresh machine lacks. `setup.sh` for serving; `setup.sh --test` also brings the browser tools.
# Everything comes from the package registries (rustup's component, crates.io, Debian, npm): nothing else is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
cargo fetch --locked

if [ "${1:-}" = "--test" ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "setup: installing Chromium and ChromeDriver from Debian"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  if [ ! -d tests/e2e/node_modules/playwright-core ]; then
    echo "setup: installing playwright-core (pinned in tests/e2e/package-lock.json)"
    (cd tests/e2e && npm ci --no-audit --no-fund)
  fi
fi
