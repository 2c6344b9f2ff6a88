#!/usr/bin/env bash
# Builds every cargo-fuzz target (nightly, address sanitizer) and runs each
# for a few seconds over its seeds: catches a target that no longer builds
# and a seed or a shallow input that breaks an invariant. Long runs are done
# by hand: cargo +nightly fuzz run <target> fuzz/corpus/<target> fuzz/seeds/<target>
#
# Installs the nightly toolchain and cargo-fuzz when missing, and fails
# loudly when it cannot. FUZZ_SMOKE_SECONDS sets the time per target (5).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SMOKE_SECONDS:-5}"

fail() {
    echo "fuzz smoke: $*" >&2
    exit 1
}

command -v rustup >/dev/null || fail "rustup is required to install the nightly toolchain"
if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz smoke: installing the nightly toolchain"
    rustup toolchain install nightly --profile minimal ||
        fail "cannot install the nightly toolchain (cargo-fuzz needs it)"
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz smoke: installing cargo-fuzz"
    cargo install cargo-fuzz --locked || fail "cannot install cargo-fuzz from crates.io"
fi

targets=$(cargo +nightly fuzz list)
[ -n "$targets" ] || fail "no fuzz targets found"

cargo +nightly fuzz build || fail "the fuzz targets do not build"

corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
for t in $targets; do
    [ -d "seeds/$t" ] || fail "no seeds for target $t (fuzz/seeds/$t)"
    mkdir -p "$corpus/$t"
    log="$corpus/$t.log"
    if ! cargo +nightly fuzz run "$t" "$corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -timeout=10 >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        fail "target $t broke an invariant (crash input under fuzz/artifacts/$t/)"
    fi
    grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | sed "s/^/$t: /" || true
done
echo "fuzz smoke: every target ran ${seconds}s without a finding"
