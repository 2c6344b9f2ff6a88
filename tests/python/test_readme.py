"""The Python examples of python/README.md run, and say what they show."""

from __future__ import annotations

import doctest
import re
from typing import Any

import pytest
from conftest import DEMO_APP, DEMO_KEY, REPO

from usersig import Verifier

README = REPO / "python" / "README.md"


def code_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_doctest_examples() -> None:
    result = doctest.testfile(
        str(README), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert result.attempted >= 15
    assert result.failed == 0


def test_the_handler_example(monkeypatch: pytest.MonkeyPatch) -> None:
    import flask  # noqa: F401  (a test dependency: its absence must fail)

    [handler] = [b for b in code_blocks() if ">>>" not in b]
    monkeypatch.setenv("SDKAPPID", str(DEMO_APP))
    monkeypatch.setenv("USERSIG_SECRET_KEY", DEMO_KEY)
    ns: dict[str, Any] = {"__name__": "readme_example", "current_user_id": lambda: "xiaojun"}
    exec(compile(handler, str(README), "exec"), ns)
    reply = ns["app"].test_client().post("/usersig")
    assert reply.status_code == 200
    body = reply.get_json()
    assert (body["sdkAppId"], body["userId"]) == (DEMO_APP, "xiaojun")
    claims = Verifier(DEMO_APP, DEMO_KEY).verify("xiaojun", body["userSig"])
    assert claims.expire == 86400
