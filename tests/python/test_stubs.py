"""The type stubs of the extension module match the built module."""

from __future__ import annotations

import pathlib
import subprocess
import sys


def test_stubtest_passes() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "usersig._native"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_package_and_the_examples_pass_mypy_strict(tmp_path: "pathlib.Path") -> None:
    # The sources (python/usersig, the same files the wheel holds) and the
    # example backend, which type-checks against them and the frameworks'
    # own types (django-stubs for Django).
    from mypy import api

    repo = pathlib.Path(__file__).resolve().parents[2]
    out, err, status = api.run(
        [
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "c"),
            str(repo / "python" / "usersig"),
            str(repo / "examples" / "python"),
        ]
    )
    assert status == 0, out + err
    assert out.startswith("Success: no issues found"), out


def test_a_prepared_request_unpacks_typed(tmp_path: "pathlib.Path") -> None:
    from mypy import api

    src = tmp_path / "unpack.py"
    src.write_text(
        "from usersig.login import RestApi\n"
        "api = RestApi(1400000000, 'administrator', 'k')\n"
        "method, url, headers, body = api.kick('alice')\n"
        "reveal_type(method)\n"
        "reveal_type(url)\n"
        "reveal_type(headers)\n"
        "reveal_type(body)\n"
    )
    out, err, _ = api.run([str(src), "--no-incremental", "--cache-dir", str(tmp_path / "c")])
    revealed = [line.split("Revealed type is ")[1] for line in out.splitlines() if "Revealed" in line]
    assert revealed == [
        '"str"',
        '"str"',
        '"dict[str, str]"',
        '"bytes"',
    ], out + err


def test_the_package_type_checks_under_mypy_strict(tmp_path: "pathlib.Path") -> None:
    """The package's Python modules (usersig.client, usersig.login, ...) as
    installed, against the stubs, with every strict check. They are checked
    from a copy: mypy reports no errors in what it finds in site-packages."""
    import shutil

    from mypy import api

    import usersig

    installed = pathlib.Path(usersig.__file__).parent
    copy = tmp_path / "src" / "usersig"
    copy.mkdir(parents=True)
    files = [f for f in installed.iterdir() if f.suffix in (".py", ".pyi") or f.name == "py.typed"]
    assert {"client.py", "login.py", "_native.pyi", "py.typed"} <= {f.name for f in files}
    for f in files:
        shutil.copy(f, copy / f.name)
    out, err, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "c"), str(copy)]
    )
    assert status == 0, out + err
    assert out.startswith("Success: no issues found in "), out + err
