#!/usr/bin/env bash
# Every test: formatting, lints, a build with the oldest Rust promised, the
# Rust test suites with doctests, then the Python package built with maturin,
# its type stubs and its pytest suite, the supply-chain checks (cargo-deny),
# then every fuzz target for a few seconds on nightly.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
cargo fmt --manifest-path fuzz/Cargo.toml -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo doc -D warnings (every public item documented, every link resolved)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
echo "== cargo +MSRV check (the rust-version in Cargo.toml)"
bash scripts/msrv.sh
echo "== cargo test (unit, integration, property, doc)"
cargo test --workspace --locked
echo "== Python: pip install ./python, stubtest, pytest"
bash scripts/test-python.sh
echo "== supply chain: cargo deny check licenses bans sources"
bash scripts/supply-chain.sh
echo "== fuzz smoke (nightly, cargo-fuzz; a few seconds per target)"
bash scripts/fuzz-smoke.sh
