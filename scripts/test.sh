#!/usr/bin/env bash
# Every test: formatting, lints, the Rust test suites with doctests, then the
# Python package built with maturin, its type stubs and its pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test (unit, integration, property, doc)"
cargo test --workspace --locked
echo "== Python: pip install ./python, stubtest, pytest"
bash scripts/test-python.sh
