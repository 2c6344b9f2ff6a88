#!/usr/bin/env bash
# Tests the usersig Python package as its users get it:
#
#  1. scripts/dist.sh builds dist/ (the wheel, the sdist, ...), unless
#     USERSIG_DIST_BUILT=1 says it has just been run (scripts/test.sh does);
#  2. the wheel from dist/ goes into a fresh virtual environment
#     (target/python-venv) with the test dependencies from PyPI, and the whole
#     pytest suite, the type-stub check (stubtest, in test_stubs.py) included,
#     runs against that installed wheel, from the repository root (no source
#     tree shadows it), with no cargo, rustc or maturin on PATH;
#  3. the sdist from dist/ is pip-installed into another fresh environment
#     (target/python-sdist-venv), which builds the extension from it with
#     Rust, and imported: the official vectors and the installed files are
#     checked there;
#  4. so is `pip install ./python`, the in-tree build (target/python-src-venv).
#
# Needs: Python >= 3.10 with pip and venv, access to PyPI; for 1, 3 and 4 a
# Rust toolchain and crates.io. Extra arguments go to pytest in step 2.
#
#   scripts/test-python.sh                      # all of it
#   USERSIG_PY_SOURCES=0 scripts/test-python.sh -k vectors   # 1 and 2 only, some tests
#   USERSIG_DIST_BUILT=1 USERSIG_PY_SOURCES=0 scripts/test-python.sh   # the suite against dist/ as it is
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="${USERSIG_VENV:-$target/python-venv}"
dist="${DIST:-$root/dist}"

fail() {
    echo "test-python: $*" >&2
    exit 1
}

if [ "${USERSIG_DIST_BUILT:-0}" != 1 ]; then
    DIST="$dist" bash "$root/scripts/dist.sh"
fi
wheels=("$dist"/usersig-*.whl)
sdists=("$dist"/usersig-*.tar.gz)
[ ${#wheels[@]} = 1 ] && [ -f "${wheels[0]}" ] || fail "not one wheel in $dist: run scripts/dist.sh"
[ ${#sdists[@]} = 1 ] && [ -f "${sdists[0]}" ] || fail "not one sdist in $dist: run scripts/dist.sh"
wheel=${wheels[0]}
sdist=${sdists[0]}

fresh_venv() {
    rm -rf "$1"
    "$python" -m venv "$1"
}

pip_install() {
    local py=$1
    shift
    "$py" -m pip install --quiet --disable-pip-version-check "$@"
}

# PATH without any directory that holds cargo, rustc or maturin.
no_rust_path=""
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
    [ -n "$d" ] || continue
    if [ -e "$d/cargo" ] || [ -e "$d/rustc" ] || [ -e "$d/maturin" ]; then
        continue
    fi
    no_rust_path="${no_rust_path:+$no_rust_path:}$d"
done
without_rust() {
    env -u CARGO -u CARGO_HOME -u RUSTUP_HOME -u RUSTUP_TOOLCHAIN -u RUSTC \
        PATH="$venv/bin${no_rust_path:+:$no_rust_path}" "$@"
}

took() {
    echo "test-python: $1 ($((SECONDS - started)) s)"
    started=$SECONDS
}
started=$SECONDS

echo "test-python: the wheel $(basename "$wheel") in a fresh $venv, no Rust on PATH"
fresh_venv "$venv"
without_rust bash -c '
    for tool in cargo rustc maturin; do
        if found=$(command -v "$tool"); then
            echo "test-python: $tool is still on PATH: $found" >&2
            exit 1
        fi
    done'
# The wheel, then the test extra's dependencies from PyPI.
without_rust "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel[test]"
took "the wheel and the test dependencies installed"
cd "$root"
without_rust "$venv/bin/python" -m pytest tests/python "$@"
took "the suite against the wheel"

if [ "${USERSIG_PY_SOURCES:-1}" = 0 ]; then
    echo "test-python: the sdist and ./python builds skipped (USERSIG_PY_SOURCES=0)"
    exit 0
fi

# The sources, each built with Rust in a fresh environment and checked
# against the official vectors. The sdist is built in a target directory of
# its own: in target/, cargo would find the tree's build of the same crates
# fresh and compile nothing from the sdist. ./python is the tree itself, and
# reuses target/.
check_built() {
    local env=$1 cargo_target=$2
    shift 2
    fresh_venv "$env"
    CARGO_TARGET_DIR="$cargo_target" pip_install "$env/bin/python" "$@"
    "$env/bin/python" -m pytest -q tests/python/test_vectors.py tests/python/test_distribution.py
}
echo "test-python: the sdist $(basename "$sdist") built in a fresh environment"
check_built "$target/python-sdist-venv" "$target/sdist-build" "$sdist[test]"
took "the sdist built, installed and checked"
echo "test-python: pip install ./python in a fresh environment"
check_built "$target/python-src-venv" "$target" "$root/python[test]"
took "./python built, installed and checked"
