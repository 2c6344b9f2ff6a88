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
