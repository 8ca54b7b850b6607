#!/usr/bin/env bash
# Builds the functions and the CLI as the local stack runs them: with the `cargo-lambda-watch` feature (the local
# stand-in's deadlines; see functions/app/src/context.rs), which no deployed build has. Arguments go to cargo build (--release).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --workspace --bins --features "$(python3 tests/local/stack.py features)" "$@"
