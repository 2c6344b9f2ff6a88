#!/usr/bin/env bash
# Supply-chain checks with cargo-deny and deny.toml: the licences, bans and
# sources of every dependency of the workspace, then of the fuzz crate (its
# own workspace, with libFuzzer). These need nothing beyond
# crates.io. Installs cargo-deny (from crates.io) when missing, and fails
# loudly when it cannot.
#
# Advisories (the RustSec database) are fetched from GitHub, which CI cannot
# reach; run them where it can: USERSIG_ADVISORIES=1 scripts/supply-chain.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo deny --version >/dev/null 2>&1; then
    echo "supply chain: installing cargo-deny"
    cargo install cargo-deny --locked ||
        { echo "supply chain: cannot install cargo-deny from crates.io" >&2; exit 1; }
fi
checks=(licenses bans sources)
if [ "${USERSIG_ADVISORIES:-0}" = 1 ]; then
    checks+=(advisories)
fi
cargo deny --locked check --hide-inclusion-graph "${checks[@]}"
cargo deny --manifest-path fuzz/Cargo.toml --locked check --hide-inclusion-graph "${checks[@]}"
