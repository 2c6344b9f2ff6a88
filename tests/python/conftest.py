"""Shared fixtures: the official vectors and the demo key."""

from __future__ import annotations

import json
import pathlib
import sys
from typing import Any, Optional

import pytest

# For the test of the usersig pytest plugin in a pytest run of its own.
pytest_plugins = ["pytester"]

REPO = pathlib.Path(__file__).resolve().parents[2]
VECTORS = REPO / "tests" / "vectors" / "usersig-v2-official.json"
EXAMPLES = REPO / "examples" / "python"

# The demo key of Tencent's own samples (public; not a real app's key).
DEMO_APP = 1400000000
DEMO_KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"


def load_vectors() -> dict[str, Any]:
    with VECTORS.open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def userbuf_of(v: dict[str, Any]) -> Optional[bytes]:
    hx = v.get("userbuf_hex")
    return None if hx is None else bytes.fromhex(hx)


@pytest.fixture(scope="session")
def vectors() -> dict[str, Any]:
    return load_vectors()


# Files tests keep for people to look at (a screenshot), listed at the end of
# the run.
KEPT: list[pathlib.Path] = []


def keep_artifact(path: pathlib.Path) -> None:
    """Names ``path`` in the summary at the end of the pytest run."""
    KEPT.append(path)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for path in KEPT:
        terminalreporter.write_line(f"test artifact: {path}")


def examples_on_path() -> None:
    """The example app's modules (examples/python) importable by name."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))


def configure_django() -> None:
    """Django set up once per process, as the example's one-module project."""
    examples_on_path()
    import django_app

    django_app.configure()
