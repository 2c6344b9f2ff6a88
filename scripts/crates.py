"""What scripts/package.sh checks around `cargo package`, over whatever the
workspace's members are (read from `cargo metadata`, so that a new crate is
covered the day it is added).

    python3 scripts/crates.py plan              # check the manifests; print the crates to package
    python3 scripts/crates.py verify target/package   # check the packaged .crate files

plan: every member has the workspace's one version; every crate meant for
crates.io (no `publish = false`) has a description, licence, repository,
readme, keywords and categories, depends only on crates that are published
too, and names a version beside every path dependency; a crate that links
pyo3 is `publish = false`; CHANGELOG.md has a section for the version (or
an Unreleased one). Prints the publishable crates in dependency order.

verify: each packaged crate holds its manifest, its readme and the
repository's licence texts (byte for byte), nothing from a target
directory, and a manifest without any path dependency.
"""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
LICENCES = ("LICENSE-MIT", "LICENSE-APACHE")
REQUIRED = ("description", "license", "repository", "readme", "keywords", "categories")

errors: list[str] = []


def fail(msg: str) -> None:
    errors.append(msg)


def metadata(manifest: pathlib.Path) -> dict[str, Any]:
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps", "--manifest-path", str(manifest)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data: dict[str, Any] = json.loads(out)
    return data


def publishable(pkg: dict[str, Any]) -> bool:
    # `publish = false` is an empty list of registries; absent is null.
    return pkg["publish"] is None or len(pkg["publish"]) > 0


def in_order(pkgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The packages, each after the members it depends on (dev-dependencies aside)."""
    names = {p["name"] for p in pkgs}
    deps = {
        p["name"]: {d["name"] for d in p["dependencies"] if d["name"] in names and d["kind"] != "dev"}
        - {p["name"]}
        for p in pkgs
    }
    done: list[str] = []
    while len(done) < len(pkgs):
        ready = sorted(n for n in names - set(done) if deps[n] <= set(done))
        if not ready:
            fail(f"dependency cycle among {sorted(names - set(done))}")
            break
        done.extend(ready)
    by_name = {p["name"]: p for p in pkgs}
    return [by_name[n] for n in done]


def plan() -> None:
    meta = metadata(ROOT / "Cargo.toml")
    members = [p for p in meta["packages"] if p["id"] in meta["workspace_members"]]
    versions = {p["version"] for p in members}
    if len(versions) != 1:
        fail(f"the members have more than one version: {sorted(versions)} (use version.workspace = true)")
    version = min(versions)
    public = {p["name"] for p in members if publishable(p)}
    for p in members:
        name = p["name"]
        deps = [d for d in p["dependencies"] if d["kind"] != "dev"]
        if any(d["name"] == "pyo3" for d in deps) and publishable(p):
            fail(f"{name} links pyo3 (a Python extension): give it publish = false")
        if not publishable(p):
            continue
        for field in REQUIRED:
            if not p.get(field):
                fail(f"{name}: no {field} in its manifest")
        if p.get("readme") and not (pathlib.Path(p["manifest_path"]).parent / p["readme"]).is_file():
            fail(f"{name}: readme {p['readme']} does not exist")
        if len(p.get("keywords") or []) > 5:
            fail(f"{name}: crates.io takes at most 5 keywords")
        for d in deps:
            if d.get("path") and d["req"] == "*":
                fail(f"{name}: path dependency {d['name']} has no version (packaging drops nothing but dev-dependencies)")
            if d.get("path") and d["name"] in {m["name"] for m in members} and d["name"] not in public:
                fail(f"{name} depends on {d['name']}, which is not published")
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8") if (ROOT / "CHANGELOG.md").is_file() else ""
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, flags=re.M)
    if not headings:
        fail("CHANGELOG.md has no `## [version]` sections (Keep a Changelog)")
    elif headings[0] not in ("Unreleased", version):
        fail(f"CHANGELOG.md's first section is [{headings[0]}], not [Unreleased] or [{version}]")
    elif version not in changelog:
        fail(f"CHANGELOG.md does not name the workspace version {version}")
    for p in in_order([p for p in members if publishable(p)]):
        print(p["name"])


def verify(package_dir: pathlib.Path) -> None:
    meta = metadata(ROOT / "Cargo.toml")
    members = [p for p in meta["packages"] if p["id"] in meta["workspace_members"] and publishable(p)]
    licences = {n: (ROOT / n).read_bytes() for n in LICENCES}
    for p in members:
        stem = f"{p['name']}-{p['version']}"
        crate = package_dir / f"{stem}.crate"
        if not crate.is_file():
            fail(f"{crate} was not packaged")
            continue
        with tarfile.open(crate) as tar, tempfile.TemporaryDirectory() as tmp:
            names = tar.getnames()
            for n in ("Cargo.toml", p["readme"], *LICENCES):
                if f"{stem}/{n}" not in names:
                    fail(f"{crate.name} lacks {n}")
            for n in LICENCES:
                member = tar.extractfile(f"{stem}/{n}") if f"{stem}/{n}" in names else None
                if member is not None and member.read() != licences[n]:
                    fail(f"{crate.name}: {n} differs from the repository's")
            for n in names:
                if "/target/" in n or n.endswith("/target"):
                    fail(f"{crate.name} holds {n}")
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, filter="data")
            else:  # Python before 3.10.12 / 3.11.4
                tar.extractall(tmp)
            packaged = metadata(pathlib.Path(tmp) / stem / "Cargo.toml")["packages"][0]
            for d in packaged["dependencies"]:
                if d.get("path"):
                    fail(f"{crate.name}: its manifest keeps the path dependency {d['name']}")
            if not publishable(packaged):
                fail(f"{crate.name}: its manifest says publish = false")
        print(f"{crate.name}: {len(names)} files, licences, readme, no path dependencies")


def main() -> None:
    if sys.argv[1:2] == ["plan"]:
        plan()
    elif sys.argv[1:2] == ["verify"] and len(sys.argv) == 3:
        verify(pathlib.Path(sys.argv[2]))
    else:
        sys.exit(__doc__)
    if errors:
        for e in errors:
            print(f"crates: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
