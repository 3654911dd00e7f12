#!/usr/bin/env bash
# Set everything up, then run the two-domain QKD-VPN demo (`qnfv demo`).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec node dist/bin/qnfv.js demo "$@"
