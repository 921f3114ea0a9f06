#!/usr/bin/env bash
# One command from a fresh machine to a served app: http://127.0.0.1:${PORT:-8080}/
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo xtask serve "${PORT:-8080}"
