#!/usr/bin/env bash
# Installs what the local stack needs, pinned, when it is missing: moto (S3, CloudWatch Logs, Step Functions) and
# cargo-lambda. Both come from PyPI; cargo-lambda's wheel ships its binary.
set -euo pipefail
MOTO_VERSION=5.2.1
CARGO_LAMBDA_VERSION=1.9.2

have() { python3 -m pip show "$1" 2>/dev/null | grep -q "^Version: $2$"; }
want=()
have moto "$MOTO_VERSION" || want+=("moto[server]==$MOTO_VERSION")
have cargo-lambda "$CARGO_LAMBDA_VERSION" || want+=("cargo-lambda==$CARGO_LAMBDA_VERSION")
if [ ${#want[@]} -gt 0 ]; then
  echo "installing ${want[*]}"
  python3 -m pip install --quiet --disable-pip-version-check "${want[@]}"
fi
command -v cargo-lambda >/dev/null || { echo "cargo-lambda is not on PATH after install" >&2; exit 1; }
