#!/usr/bin/env bash
# Every test: formatting, lints, a build with the oldest Rust promised, the
# Rust test suites with doctests, every publishable crate packaged and built
# from its .crate, the release artifacts (wheel, sdist, man pages,
# completions) built into dist/, the Python suite run against the wheel
# installed where no Rust toolchain is on PATH (and the sdist and ./python
# built and imported), the supply-chain checks (cargo-deny), then every fuzz
# target for a few seconds on nightly. Each step prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
    local title=$1 start=$SECONDS
    shift
    echo "== $title"
    "$@"
    echo "   ($((SECONDS - start)) s)"
}

fmt() {
    cargo fmt --all -- --check
    cargo fmt --manifest-path fuzz/Cargo.toml -- --check
}

step "cargo fmt --check" fmt
step "cargo clippy -D warnings" cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo doc -D warnings (every public item documented, every link resolved)" \
    env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
step "cargo +MSRV check (the rust-version in Cargo.toml)" bash scripts/msrv.sh
step "cargo test (unit, integration, property, doc)" cargo test --workspace --locked
step "cargo package: every crate meant for crates.io, built from its .crate" bash scripts/package.sh
step "dist/: the abi3 wheel (release, manylinux), the sdist, man pages, completions" bash scripts/dist.sh
step "Python: the wheel in a fresh venv without Rust (stubtest, pytest); the sdist and ./python built" \
    env USERSIG_DIST_BUILT=1 bash scripts/test-python.sh
step "supply chain: cargo deny check licenses bans sources" bash scripts/supply-chain.sh
step "fuzz smoke (nightly, cargo-fuzz; a few seconds per target)" bash scripts/fuzz-smoke.sh
echo "== all passed in $SECONDS s"
