"""The installed distribution is what a wheel should hold, and is what runs.

The files are read from the installed RECORD, which lists every file the
wheel held (plus pip's own bookkeeping), so these checks hold for the
dist/ wheel and for a wheel that pip built from the sdist or ./python.
"""

from __future__ import annotations

import importlib.machinery
import importlib.metadata
import pathlib
import re
import sysconfig

import usersig
import usersig._native
from conftest import REPO

DIST = importlib.metadata.distribution("usersig")
FILES = [pathlib.PurePosixPath(str(f)) for f in DIST.files or []]
SOURCE = REPO / "python" / "usersig"
INFO = f"usersig-{DIST.version}.dist-info"


def installed(p: pathlib.PurePosixPath) -> pathlib.Path:
    return pathlib.Path(str(DIST.locate_file(str(p)))).resolve()


def test_the_package_runs_from_the_installed_files() -> None:
    site = {pathlib.Path(sysconfig.get_paths()[k]).resolve() for k in ("purelib", "platlib")}
    for module in (usersig, usersig._native):
        path = pathlib.Path(str(module.__file__)).resolve()
        assert any(path.is_relative_to(s) for s in site), path
        assert not path.is_relative_to(REPO / "python"), path
    assert installed(pathlib.PurePosixPath("usersig/__init__.py")) == pathlib.Path(usersig.__file__).resolve()


def test_the_wheel_holds_the_package_the_extension_and_the_stubs() -> None:
    package = {f for f in FILES if f.parts[0] == "usersig" and "__pycache__" not in f.parts}
    # Every file of the package's source (its subpackages too), and no other
    # but the extension.
    expected = {
        pathlib.PurePosixPath("usersig", *p.relative_to(SOURCE).parts)
        for p in SOURCE.rglob("*")
        if p.is_file() and p.suffix not in (".so", ".pyd", ".pyc") and "__pycache__" not in p.parts
    }
    assert pathlib.PurePosixPath("usersig/web/__init__.py") in expected
    assert {pathlib.PurePosixPath("usersig/py.typed"), pathlib.PurePosixPath("usersig/_native.pyi")} <= expected
    extensions = package - expected
    assert len(extensions) == 1, sorted(map(str, extensions))
    [ext] = extensions
    assert ext.name.startswith("_native.") and ext.name.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
    assert ".abi3." in ext.name or ext.suffix == ".pyd", ext
    assert installed(ext) == pathlib.Path(str(usersig._native.__file__)).resolve()
    assert package == expected | {ext}
    for f in expected:
        assert installed(f).read_bytes() == SOURCE.joinpath(*f.parts[1:]).read_bytes(), f


def test_nothing_else_but_its_metadata_and_licences() -> None:
    for f in FILES:
        assert f.parts[0] in ("usersig", INFO), f
        assert not {"target", "tests", "crates", "src"} & set(f.parts), f
    info = {str(f.relative_to(INFO)) for f in FILES if f.parts[0] == INFO}
    assert {"METADATA", "WHEEL", "RECORD", "licenses/LICENSE-MIT", "licenses/LICENSE-APACHE"} <= info
    for name in ("LICENSE-MIT", "LICENSE-APACHE"):
        text = installed(pathlib.PurePosixPath(INFO, "licenses", name)).read_bytes()
        assert text == (REPO / name).read_bytes(), name


def test_the_metadata_names_the_licence_and_the_abi3_tag() -> None:
    meta = DIST.metadata
    # The workspace's one version (CHANGELOG.md).
    cargo = (REPO / "Cargo.toml").read_text(encoding="utf-8")
    [version] = re.findall(r'^\[workspace\.package\]\nversion = "([^"]+)"', cargo, flags=re.M)
    assert meta["Version"] == version == usersig.__version__
    assert meta["License-Expression"] == "MIT OR Apache-2.0"
    assert sorted(meta.get_all("License-File") or []) == ["LICENSE-APACHE", "LICENSE-MIT"]
    assert meta["Requires-Python"] == ">=3.10"
    wheel = DIST.read_text("WHEEL") or ""
    tags = [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]
    assert tags and all(t.startswith("cp310-abi3-") for t in tags), tags


def test_the_pytest_plugin_is_declared() -> None:
    [plugin] = [e for e in DIST.entry_points if e.group == "pytest11"]
    assert (plugin.name, plugin.value) == ("usersig", "usersig.pytest_plugin")


def test_the_client_extra_brings_httpx() -> None:
    meta = DIST.metadata
    assert "client" in (meta.get_all("Provides-Extra") or [])
    requires = [r.replace(" ", "").replace('"', "'") for r in meta.get_all("Requires-Dist") or []]
    assert "httpx>=0.24;extra=='client'" in requires, requires
    assert "httpx>=0.24;extra=='test'" in requires, requires
