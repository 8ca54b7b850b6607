#!/usr/bin/env bash
# Starts the local stack, runs the end-to-end tests against it, and stops it, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build-local.sh
trap 'python3 tests/local/stack.py down' EXIT
python3 tests/local/stack.py up > /dev/null
set -a; source .local/env; set +a
status=0
cargo test -p elbship-e2e --tests "$@" || status=$?
# Every request the functions made was judged against their own roles (as the template grants them): a denial
# fails the run even where the test itself tolerated the error.
python3 tests/local/stack.py iam || status=1
# And every function ran within its deployed memory and timeout.
python3 tests/local/stack.py limits || status=1
exit $status
