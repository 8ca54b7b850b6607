#!/usr/bin/env bash
# make demo: on a fresh clone, ship sample ELB logs of every kind through the whole pipeline on the local AWS
# stand-ins, backfill an archive with one execution of the backfill state machine, show what arrived in CloudWatch
# Logs, and stop everything.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Binaries are where cargo puts them: CARGO_TARGET_DIR when it is set (relative to this directory), else target/.
bin="${CARGO_TARGET_DIR:-target}/debug"

say "installing what is missing (pinned)"
scripts/install-deps.sh
say "building"
scripts/build-local.sh
say "starting the local stack: moto (S3, CloudWatch Logs, Step Functions), cargo lambda watch, router"
trap 'python3 tests/local/stack.py down' EXIT
python3 tests/local/stack.py up
set -a; source .local/env; set +a

say "writing and uploading sample logs of every kind to s3://$ELBSHIP_BUCKET"
"$bin/elbship-demo" upload
say "elbship ship s3://$ELBSHIP_BUCKET/ --wait"
"$bin/elbship" ship "s3://$ELBSHIP_BUCKET/" --wait
say "an archive already in the bucket: elbship backfill --dry-run, then one backfill on the Distributed Map"
"$bin/elbship-demo" archive
"$bin/elbship" backfill "s3://$ELBSHIP_BUCKET/" --since 30d --dry-run
"$bin/elbship" backfill "s3://$ELBSHIP_BUCKET/" --since 30d --poll-seconds 0.5
say "a few events read back from CloudWatch Logs"
"$bin/elbship-demo" show
say "elbship status: what each execution delivered, and how late"
"$bin/elbship" status --since 1h || true
