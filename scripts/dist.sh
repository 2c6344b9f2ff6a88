#!/usr/bin/env bash
# Builds the release artifacts into dist/ (replacing an earlier run's):
#
#   usersig-VERSION-cp310-abi3-manylinux_*.whl   the Python package: one abi3 wheel for
#                                                CPython 3.10+, release profile, stripped
#                                                (pyproject.toml), with
#                                                the lowest manylinux tag that maturin's own
#                                                audit accepts for this machine's build
#   usersig-VERSION.tar.gz                       the sdist (builds the extension with Rust)
#   man/usersig.1, man/usersig-SUBCOMMAND.1      a man page for the command and each subcommand
#   completions/usersig.bash, _usersig, usersig.fish, _usersig.ps1
#                                                bash, zsh, fish and PowerShell completions
#
# then prints the wheel's tags and size. Needs a Rust toolchain and maturin
# (from PATH, else installed from PyPI into target/dist-venv). DIST=DIR
# builds elsewhere.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="${DIST:-$root/dist}"
target="${CARGO_TARGET_DIR:-$root/target}"
python="${PYTHON:-python3}"

fail() {
    echo "dist: $*" >&2
    exit 1
}

# maturin: the one on PATH when it is recent enough for python/pyproject.toml.
maturin=$(command -v maturin || true)
if [ -n "$maturin" ] && ! "$python" - "$("$maturin" --version)" <<'EOF'
import sys
version = tuple(int(x) for x in sys.argv[1].split()[1].split(".")[:2])
sys.exit(0 if (1, 9) <= version < (2, 0) else 1)
EOF
then
    maturin=""
fi
if [ -z "$maturin" ]; then
    if [ ! -x "$target/dist-venv/bin/maturin" ]; then
        "$python" -m venv "$target/dist-venv"
        "$target/dist-venv/bin/python" -m pip install --quiet --disable-pip-version-check "maturin>=1.9.4,<2" ||
            fail "cannot install maturin from PyPI"
    fi
    maturin="$target/dist-venv/bin/maturin"
fi

# What an earlier run left (other files in DIR are left alone).
mkdir -p "$dist"
rm -rf "$dist"/usersig-*.whl "$dist"/usersig-*.tar.gz "$dist/man" "$dist/completions"

# --compatibility pypi: a tag PyPI takes (manylinux), never the plain
# `linux` one; --auditwheel check: fail rather than repair if the
# extension needs more than that tag allows.
(cd "$root/python" &&
    "$maturin" build --release --locked --compatibility pypi --auditwheel check --out "$dist")
# maturin first probes for a Cargo.toml beside pyproject.toml: its "does
# not exist" line is that probe, not a failure, and is left out.
(cd "$root/python" && "$maturin" sdist --out "$dist" 2>&1) |
    { grep -v '^error: manifest path `Cargo.toml` does not exist$' || true; }

cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml" -p usersig-cli
usersig="$target/release/usersig"
"$usersig" man "$dist/man" >/dev/null
mkdir -p "$dist/completions"
"$usersig" completions bash >"$dist/completions/usersig.bash"
"$usersig" completions zsh >"$dist/completions/_usersig"
"$usersig" completions fish >"$dist/completions/usersig.fish"
"$usersig" completions powershell >"$dist/completions/_usersig.ps1"

# What was built: the wheel's tags and size; the sdist checked for what
# building it needs and for nothing it must not carry.
"$python" - "$dist" <<'EOF'
import pathlib
import sys
import tarfile
import zipfile

dist = pathlib.Path(sys.argv[1])
[wheel] = dist.glob("usersig-*.whl")
[sdist] = dist.glob("usersig-*.tar.gz")
with zipfile.ZipFile(wheel) as z:
    [info] = [n for n in z.namelist() if n.endswith(".dist-info/WHEEL")]
    tags = [l.split(":", 1)[1].strip() for l in z.read(info).decode().splitlines() if l.startswith("Tag:")]
if not tags or not all("-abi3-manylinux" in t for t in tags):
    sys.exit(f"dist: the wheel's tags are not abi3 manylinux ones: {tags}")
print(f"dist: {wheel.name}")
print(f"dist: tags {' '.join(tags)}")
print(f"dist: wheel {wheel.stat().st_size} bytes ({wheel.stat().st_size / 1024:.0f} KiB)")

with tarfile.open(sdist) as t:
    names = t.getnames()
top = names[0].split("/")[0]
needed = ["pyproject.toml", "Cargo.toml", "Cargo.lock", "LICENSE-MIT", "LICENSE-APACHE", "PKG-INFO",
          "usersig/__init__.py", "usersig/_native.pyi", "usersig/py.typed", "crates/usersig-py/Cargo.toml"]
missing = [n for n in needed if f"{top}/{n}" not in names]
stray = [n for n in names if "/target/" in n or "/tests/python/" in n or n.endswith((".so", ".pyd"))]
if missing or stray:
    sys.exit(f"dist: the sdist lacks {missing} or holds {stray[:5]}")
print(f"dist: {sdist.name}, {len(names)} files, {sdist.stat().st_size // 1024} KiB")
EOF
echo "dist: $(ls "$dist/man" | wc -l) man pages in $dist/man, completions in $dist/completions"
