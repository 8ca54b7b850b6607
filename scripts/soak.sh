#!/usr/bin/env bash
# make soak: a simulated day (ELBSHIP_SOAK_OBJECTS, default 5,760 objects) with random faults of every kind, on a
# local stack with release-built functions; fails unless every line arrived once.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build-local.sh --release
trap 'python3 tests/local/stack.py down' EXIT
ELBSHIP_LOCAL_RELEASE=1 ELBSHIP_LOCAL_CONCURRENCY="${ELBSHIP_LOCAL_CONCURRENCY:-8}" python3 tests/local/stack.py up > /dev/null
set -a; source .local/env; set +a
time cargo bench -p elbship-e2e --bench soak
