#!/usr/bin/env bash
# Checks that the workspace builds with the oldest Rust it promises
# (rust-version in Cargo.toml): features newer than that compile fine on
# the default toolchain and would otherwise go unnoticed.
#
# Installs that toolchain (minimal profile) with rustup when missing, and
# fails loudly when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
[ -n "$msrv" ] || { echo "msrv: no rust-version in Cargo.toml" >&2; exit 1; }
case "$msrv" in *.*.*) ;; *) msrv="$msrv.0" ;; esac

if ! cargo "+$msrv" --version >/dev/null 2>&1; then
    echo "msrv: installing Rust $msrv"
    rustup toolchain install "$msrv" --profile minimal ||
        { echo "msrv: cannot install Rust $msrv" >&2; exit 1; }
fi
CARGO_TARGET_DIR=target/msrv cargo "+$msrv" check --workspace --all-targets --locked --quiet
echo "msrv: the workspace builds with Rust $msrv"
