"""The Python examples of python/README.md run, and say what they show."""

from __future__ import annotations

import doctest
import json
import re
import sys
import time
import types
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from conftest import DEMO_APP, DEMO_KEY, REPO

import usersig
from usersig import Verifier

README = REPO / "python" / "README.md"


def code_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def block(marker: str) -> str:
    """The one example (not a doctest) that contains ``marker``."""
    [found] = [b for b in code_blocks() if ">>>" not in b and marker in b]
    return found


def test_every_example_is_run() -> None:
    examples = [b for b in code_blocks() if ">>>" not in b]
    markers = (
        "def issue_usersig",
        "requests.request",
        "callbacks.verify_query",
        "def test_a_page_is_logged_out",
        "usersig.web.flask",
        "usersig.web.django",
        "from usersig.client import Client\n",
    )
    assert len(examples) == len(markers)
    assert all(sum(m in b for m in markers) == 1 for b in examples)


def test_the_doctest_examples() -> None:
    result = doctest.testfile(
        str(README), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert result.attempted >= 15
    assert result.failed == 0


def test_the_handler_example(monkeypatch: pytest.MonkeyPatch) -> None:
    import flask  # noqa: F401  (a test dependency: its absence must fail)

    handler = block("def issue_usersig")
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


def test_the_rest_request_example(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[Any, ...]] = []

    def request(method: str, url: str, **kw: Any) -> Any:
        sent.append((method, url, kw))
        ok = b'{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}'
        return types.SimpleNamespace(status_code=200, content=ok)

    fake = types.ModuleType("requests")
    fake.request = request  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "requests", fake)
    monkeypatch.setenv("SDKAPPID", str(DEMO_APP))
    monkeypatch.setenv("USERSIG_SECRET_KEY", DEMO_KEY)
    ns: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(block("requests.request"), str(README), "exec"), ns)
    response = ns["kick"]("alice")
    assert response.error_info == ""
    [(method, url, kw)] = sent
    assert method == "POST" and kw["data"] == b'{"UserID":"alice"}' and kw["timeout"] == 10
    assert kw["headers"] == {"Content-Type": "application/json"}
    assert urlsplit(url).path == "/v4/im_open_login_svc/kick"
    params = dict(parse_qsl(urlsplit(url).query))
    assert params["identifier"] == "administrator"
    Verifier(DEMO_APP, DEMO_KEY).verify("administrator", params["usersig"])


def test_the_rest_client_example(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import usersig.client
    from usersig.testing import Emulator

    example = block("from usersig.client import Client\n")
    repository = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"```python\n{example}```" in repository  # the same five lines there
    real = usersig.client.Client
    with Emulator(DEMO_APP, DEMO_KEY) as emu:

        def to_the_emulator(*args: Any, **kw: Any) -> usersig.client.Client:
            assert kw.pop("region") == "singapore"
            return real(*args, base_url=emu.url, **kw)

        monkeypatch.setattr(usersig.client, "Client", to_the_emulator)
        monkeypatch.setenv("SDKAPPID", str(DEMO_APP))
        monkeypatch.setenv("USERSIG_SECRET_KEY", DEMO_KEY)
        sig = usersig.Signer(DEMO_APP, DEMO_KEY).sign("alice", 3600)
        assert emu.login("alice", sig, instance_id="tab1")["ErrorCode"] == 0
        exec(compile(example, str(README), "exec"), {"__name__": "readme_example"})
        assert [e["Reason"] for e in emu.events("tab1")["Events"]] == ["REST_API_Kick"]
    assert capsys.readouterr().out == "alice Offline []\n"  # bob was never imported: not in the answer


def test_the_callback_example(monkeypatch: pytest.MonkeyPatch) -> None:
    from usersig.login import sign

    monkeypatch.setenv("SDKAPPID", str(DEMO_APP))
    monkeypatch.setenv("IM_CALLBACK_TOKEN", "xxxxyyyy")
    seen: list[tuple[str, str]] = []
    ns: dict[str, Any] = {
        "__name__": "readme_example",
        "record_presence": lambda account, action: seen.append((account, action)),
    }
    exec(compile(block("callbacks.verify_query"), str(README), "exec"), ns)
    client = ns["app"].test_client()
    now = str(int(time.time()))
    query = (
        f"SdkAppid={DEMO_APP}&CallbackCommand=State.StateChange&contenttype=json"
        f"&ClientIP=1.2.3.4&OptPlatform=Web&Sign={sign('xxxxyyyy', now)}&RequestTime={now}"
    )
    body = b'{"CallbackCommand":"State.StateChange","Info":{"Action":"Login","To_Account":"alice","Reason":"Register"}}'
    reply = client.post("/im/callback?" + query, data=body)
    assert (reply.status_code, reply.get_json()) == (200, {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""})
    assert seen == [("alice", "Login")]
    forged = query.replace(f"RequestTime={now}", f"RequestTime={int(now) + 1}")
    reply = client.post("/im/callback?" + forged, data=body)
    assert reply.status_code == 403
    assert reply.get_json() == {"ActionStatus": "FAIL", "ErrorCode": 1, "ErrorInfo": "bad_signature"}
    assert seen == [("alice", "Login")]


def test_the_pytest_plugin_example(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_readme_example=block("def test_a_page_is_logged_out"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)


def test_the_repository_readme_fixture_example(pytester: pytest.Pytester) -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    [example] = [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "usersig_emulator" in b]
    pytester.makepyfile(test_repository_readme=example)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)


def signed_state_change(account: str, action: str, at: int) -> tuple[str, bytes]:
    from usersig.login import sign

    query = (
        f"SdkAppid={DEMO_APP}&CallbackCommand=State.StateChange&contenttype=json"
        f"&ClientIP=1.2.3.4&OptPlatform=Web&Sign={sign('xxxxyyyy', at)}&RequestTime={at}"
    )
    reason = "Register" if action == "Login" else "Unregister"
    info = {"Action": action, "To_Account": account, "Reason": reason}
    return query, json.dumps({"CallbackCommand": "State.StateChange", "Info": info}).encode()


def test_the_usersig_web_flask_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDKAPPID", str(DEMO_APP))
    monkeypatch.setenv("IM_CALLBACK_TOKEN", "xxxxyyyy")
    seen: list[tuple[str, str]] = []
    ns: dict[str, Any] = {
        "__name__": "readme_example",
        "record_presence": lambda account, action: seen.append((account, action)),
    }
    exec(compile(block("usersig.web.flask"), str(README), "exec"), ns)
    client = ns["app"].test_client()
    query, body = signed_state_change("alice", "Login", int(time.time()))
    reply = client.post("/im/callback?" + query, data=body)
    assert (reply.status_code, reply.get_json()) == (200, {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""})
    stale, _ = signed_state_change("alice", "Logout", int(time.time()) - 600)
    reply = client.post("/im/callback?" + stale, data=body)
    assert (reply.status_code, reply.get_json()["ErrorInfo"]) == (401, "stale")
    assert seen == [("alice", "Login")]


def test_the_usersig_web_django_example(monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import configure_django

    configure_django()
    from django.test import RequestFactory

    monkeypatch.setenv("SDKAPPID", str(DEMO_APP))
    monkeypatch.setenv("IM_CALLBACK_TOKEN", "xxxxyyyy")
    seen: list[tuple[str, str]] = []
    ns: dict[str, Any] = {
        "__name__": "readme_example",
        "record_presence": lambda account, action: seen.append((account, action)),
    }
    exec(compile(block("usersig.web.django"), str(README), "exec"), ns)
    [route] = ns["urlpatterns"]
    view = route.callback
    assert view.csrf_exempt is True
    query, body = signed_state_change("alice", "Logout", int(time.time()))
    request = RequestFactory().post("/im/callback?" + query, data=body, content_type="application/json")
    reply = view(request)
    assert (reply.status_code, json.loads(reply.content)["ActionStatus"]) == (200, "OK")
    forged = query.replace("Sign=", "Sign=0")
    reply = view(RequestFactory().post("/im/callback?" + forged, data=body, content_type="application/json"))
    assert (reply.status_code, json.loads(reply.content)["ErrorInfo"]) == (401, "malformed")
    assert seen == [("alice", "Logout")]


def test_the_repository_readme_fastapi_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx
    from servers import serve_asgi

    text = (REPO / "README.md").read_text(encoding="utf-8")
    examples = [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "usersig.web.fastapi" in b]
    assert len(examples) == 2 and "usersig_response" in examples[0] and "CallbackRoute" in examples[1]
    monkeypatch.setenv("SDKAPPID", str(DEMO_APP))
    monkeypatch.setenv("USERSIG_SECRET_KEY", DEMO_KEY)
    monkeypatch.setenv("IM_CALLBACK_TOKEN", "xxxxyyyy")
    seen: list[tuple[str, str]] = []
    ns: dict[str, Any] = {
        "__name__": "readme_example",
        "current_user": lambda: "alice",
        "record_presence": lambda account, action: seen.append((account, action)),
    }
    for example in examples:  # one module: the second uses the first's app
        exec(compile(example, str(REPO / "README.md"), "exec"), ns)
    with serve_asgi(ns["app"]) as url, httpx.Client(base_url=url, timeout=10) as client:
        reply = client.post("/usersig")
        assert reply.status_code == 200 and reply.headers["cache-control"] == "no-store"
        issued = reply.json()
        assert (issued["sdkAppId"], issued["userId"]) == (DEMO_APP, "alice")
        claims = Verifier(DEMO_APP, DEMO_KEY).verify("alice", issued["userSig"])
        assert (claims.expire, claims.expires_at) == (86400, issued["expireAt"])

        query, body = signed_state_change("alice", "Login", int(time.time()))
        reply = client.post("/im/callback?" + query, content=body)
        assert (reply.status_code, reply.json()) == (200, {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""})
        forged = query.replace("Sign=", "Sign=0")
        reply = client.post("/im/callback?" + forged, content=body)
        assert (reply.status_code, reply.json()["ActionStatus"], reply.json()["ErrorInfo"]) == (401, "FAIL", "malformed")
        other_app = query.replace(f"SdkAppid={DEMO_APP}", f"SdkAppid={DEMO_APP + 1}")
        reply = client.post("/im/callback?" + other_app, content=body)
        assert (reply.status_code, reply.json()["ErrorInfo"]) == (401, "app_id_mismatch")
    assert seen == [("alice", "Login")]
