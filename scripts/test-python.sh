#!/usr/bin/env bash
# Builds the usersig Python package (pip install ./python, maturin backend)
# into a virtual environment with its test dependencies, then checks the
# type stubs against the built module and runs the pytest suite.
#
# Needs: a Rust toolchain, Python >= 3.10 with pip and venv, access to PyPI
# and crates.io. Extra arguments go to pytest.
#
#   scripts/test-python.sh            # the whole suite
#   PYTHON=python3.11 scripts/test-python.sh -k vectors
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
venv="${USERSIG_VENV:-$root/target/python-venv}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
py="$venv/bin/python"

# Builds the extension (release profile, into the workspace's target/) and
# installs it with the test extra: pytest, tls-sig-api-v2, mypy, flask.
"$py" -m pip install --quiet --disable-pip-version-check "$root/python[test]"

# Run from the repository root, where no usersig/ directory shadows the
# installed package.
cd "$root"
"$py" -m mypy.stubtest usersig._native
"$py" -m pytest tests/python "$@"
