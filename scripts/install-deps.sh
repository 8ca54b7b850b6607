#!/usr/bin/env bash
# Installs what the local stack and the validators need, pinned, when it is missing: moto (S3, CloudWatch Logs, Step
# Functions), cargo-lambda (its wheel ships its binary), cfn-lint (all three from PyPI), and the CDK app's npm
# packages from its lockfile (asl-validator among them).
set -euo pipefail
MOTO_VERSION=5.2.1
CARGO_LAMBDA_VERSION=1.9.2
CFN_LINT_VERSION=1.58.0

have() { python3 -m pip show "$1" 2>/dev/null | grep -q "^Version: $2$"; }
want=()
have moto "$MOTO_VERSION" || want+=("moto[server]==$MOTO_VERSION")
have cargo-lambda "$CARGO_LAMBDA_VERSION" || want+=("cargo-lambda==$CARGO_LAMBDA_VERSION")
have cfn-lint "$CFN_LINT_VERSION" || want+=("cfn-lint==$CFN_LINT_VERSION")
if [ ${#want[@]} -gt 0 ]; then
  echo "installing ${want[*]}"
  python3 -m pip install --quiet --disable-pip-version-check "${want[@]}"
fi
command -v cargo-lambda >/dev/null || { echo "cargo-lambda is not on PATH after install" >&2; exit 1; }

# The CDK app: the local stack runs the state machine definition it synthesizes.
if [ ! -x cdk/node_modules/.bin/asl-validator ]; then
  echo "installing the CDK app's packages (npm ci)"
  (cd cdk && npm ci --no-audit --no-fund --loglevel=error)
fi
