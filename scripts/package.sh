#!/usr/bin/env bash
# Packages every crate meant for crates.io as `cargo publish` would, without
# publishing: the members are read from `cargo metadata` (a new crate is
# covered as soon as it is a member; `publish = false` ones are left out),
# their manifests checked for what crates.io needs, then `cargo package`
# builds each packaged crate from its .crate file, in dependency order
# (the crates depend on each other through a local registry of the ones
# just packaged), and each .crate is checked for its licence texts and
# readme and for path dependencies left in its manifest.
#
# The verification builds share target/ with the rest of the test command,
# so only the packaged crates themselves are compiled again. It needs the
# crates.io index (as any build). Uncommitted changes are packaged as they
# are, so that this runs before a commit too.
set -euo pipefail
cd "$(dirname "$0")/.."

crates=$(python3 scripts/crates.py plan)
[ -n "$crates" ] || { echo "package: no crate to package" >&2; exit 1; }
args=()
for c in $crates; do
    args+=(-p "$c")
done
echo "package: $(echo $crates | tr '\n' ' ')"
cargo package --locked --allow-dirty "${args[@]}"
python3 scripts/crates.py verify target/package
