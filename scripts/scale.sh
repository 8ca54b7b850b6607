#!/usr/bin/env bash
# make scale: a burst of small objects (ELBSHIP_SCALE_OBJECTS, default 2,000) within a minute, then a backfill of
# 10,000 older ones (ELBSHIP_BACKFILL_OBJECTS) on the backfill state machine, on a local stack with release-built
# functions and AWS's per-API rates enforced by the router; fails unless every object is verified.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build-local.sh --release
trap 'python3 tests/local/stack.py down' EXIT
ELBSHIP_LOCAL_RELEASE=1 ELBSHIP_LOCAL_CONCURRENCY="${ELBSHIP_LOCAL_CONCURRENCY:-8}" python3 tests/local/stack.py up > /dev/null
set -a; source .local/env; set +a
time cargo bench -p elbship-e2e --bench scale
time cargo bench -p elbship-e2e --bench backfill_scale
