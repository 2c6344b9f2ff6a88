"""The type stubs of the extension module match the built module."""

from __future__ import annotations

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
