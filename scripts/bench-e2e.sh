#!/usr/bin/env bash
# The end-to-end figures of make bench: a local stack with release-built functions, the ship and cost benchmarks,
# stop.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build-local.sh --release
trap 'python3 tests/local/stack.py down' EXIT
ELBSHIP_LOCAL_RELEASE=1 ELBSHIP_LOCAL_CONCURRENCY=4 python3 tests/local/stack.py up > /dev/null
set -a; source .local/env; set +a
cargo bench -p elbship-e2e --bench ship
cargo bench -p elbship-e2e --bench cost
cargo bench -p elbship-e2e --bench readback
