#!/usr/bin/env bash
# Install what the tests need and run every test (unit, integration against
# real namespaces/TUN/SSH/NETCONF, interop with Scapy, ncclient, yanglint).
# Safe to run repeatedly on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --test
npm run --silent typecheck
npm run --silent lint
exec npm run --silent test:jest -- "$@"
