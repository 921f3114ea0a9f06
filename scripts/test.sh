#!/usr/bin/env bash
# Every test: native (engine, content, app logic), wasm-bindgen-test in headless Chromium, Playwright end-to-end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec cargo xtask test "$@"
