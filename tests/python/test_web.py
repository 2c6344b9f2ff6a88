"""usersig.web: the framework-agnostic callback check and issuance, and the
FastAPI / Starlette, Flask and Django adapters over it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from conftest import DEMO_APP, DEMO_KEY, REPO

import usersig.web
from usersig import InvalidArgumentError, Signer, UserSigError, Verifier
from usersig.login import CallbackError, CallbackVerifier, LoginError, StateChange
from usersig.web import (
    MAX_BODY_LEN,
    OK_REPLY,
    Callback,
    Issuance,
    Refusal,
    issue_usersig,
    refusal,
    verify_callback,
)

# Tencent's documented example: token xxxxyyyy, RequestTime 1669872112.
TOKEN = "xxxxyyyy"
RT = 1669872112
SIGN = "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"


def query(
    *,
    app: int = DEMO_APP,
    command: str = "State.StateChange",
    sign: str = SIGN,
    request_time: int = RT,
    platform: str = "Web",
) -> str:
    return (
        f"SdkAppid={app}&CallbackCommand={command}&contenttype=json&ClientIP=203.0.113.7"
        f"&OptPlatform={platform}&Sign={sign}&RequestTime={request_time}"
    )


def state_change(action: str = "Login", account: str = "alice", **extra: Any) -> bytes:
    body: dict[str, Any] = {
        "CallbackCommand": "State.StateChange",
        "EventTime": RT * 1000,
        "Info": {"Action": action, "To_Account": account, "Reason": "Register"},
    }
    body.update(extra)
    return json.dumps(body).encode()


@pytest.fixture
def verifier() -> CallbackVerifier:
    return CallbackVerifier(TOKEN, sdkappid=DEMO_APP)


def refused(verifier: CallbackVerifier, q: Any, body: Any, now: int = RT) -> CallbackError:
    with pytest.raises(CallbackError) as e:
        verify_callback(verifier, q, body, now=now)
    return e.value


# ---- the core ----


def test_a_state_change_signed_as_tencent_documents(verifier: CallbackVerifier) -> None:
    body = state_change(KickedDevice=[{"Platform": "Web"}])
    cb = verify_callback(verifier, query(), body, now=RT + 60)
    assert isinstance(cb, Callback)
    assert (cb.command, cb.sdkappid, cb.request_time) == ("State.StateChange", DEMO_APP, RT)
    assert (cb.client_ip, cb.platform, cb.signed) == ("203.0.113.7", "Web", True)
    assert cb.body == json.loads(body)
    assert isinstance(cb.state_change, StateChange)
    change = cb.state_change
    assert (change.action, change.account, change.reason) == ("Login", "alice", "Register")
    assert (change.event_time_ms, change.kicked_platforms) == (RT * 1000, ["Web"])
    # The query as bytes, with a "?", or as the whole URL: the same.
    for q in (query().encode(), "?" + query(), "https://app.example/im/callback?" + query()):
        assert verify_callback(verifier, q, body, now=RT) == cb
    # The body as str, bytearray or memoryview too.
    for b in (body.decode(), bytearray(body), memoryview(body)):
        assert verify_callback(verifier, query(), b, now=RT) == cb
    # The body is not in the repr (it can be large).
    assert "EventTime" not in repr(cb) and "body=" not in repr(cb)


def test_any_other_command_is_parsed_generically(verifier: CallbackVerifier) -> None:
    body = json.dumps(
        {"CallbackCommand": "C2C.CallbackBeforeSendMsg", "From_Account": "a", "MsgBody": []}
    ).encode()
    cb = verify_callback(verifier, query(command="C2C.CallbackBeforeSendMsg"), body, now=RT)
    assert cb.command == "C2C.CallbackBeforeSendMsg"
    assert cb.state_change is None
    assert cb.body["From_Account"] == "a"


def test_an_app_without_a_token_is_parsed_not_authenticated() -> None:
    unsigned = CallbackVerifier.unsigned(sdkappid=DEMO_APP)
    q = f"SdkAppid={DEMO_APP}&CallbackCommand=State.StateChange&contenttype=json"
    cb = verify_callback(unsigned, q, state_change(), now=0)
    assert (cb.signed, cb.request_time, cb.client_ip, cb.platform) == (False, None, None, None)


@pytest.mark.parametrize(
    ("q", "kind", "parameter", "status"),
    [
        (query(sign="0" * 64), "bad_signature", "Sign", 401),
        (query(sign=SIGN.upper()[:-1] + "0"), "bad_signature", "Sign", 401),
        (query(request_time=RT + 1), "bad_signature", "Sign", 401),  # Sign covers RequestTime
        (query(sign="xyz"), "malformed", "Sign", 401),
        (query().replace(f"&Sign={SIGN}", ""), "missing", "Sign", 401),
        (query().replace(f"&RequestTime={RT}", ""), "missing", "RequestTime", 401),
        (query() + f"&Sign={SIGN}", "duplicate", "Sign", 401),
        (query(app=1400000001), "app_id_mismatch", "SdkAppid", 401),
        (query().replace(f"SdkAppid={DEMO_APP}&", ""), "missing", "SdkAppid", 400),
        (query().replace("CallbackCommand=State.StateChange&", ""), "missing", "CallbackCommand", 400),
        ("x" * 9000, "query_too_long", None, 400),
    ],
)
def test_every_query_refusal_is_typed_with_its_status(
    verifier: CallbackVerifier, q: str, kind: str, parameter: Any, status: int
) -> None:
    e = refused(verifier, q, state_change())
    assert (e.kind, e.parameter) == (kind, parameter)
    assert isinstance(e, UserSigError) and isinstance(e, LoginError) and isinstance(e, ValueError)
    answer = refusal(e)
    assert answer == Refusal(status, json.dumps(
        {"ActionStatus": "FAIL", "ErrorCode": 1, "ErrorInfo": kind}, separators=(",", ":")))


def test_a_stale_request_time_either_way(verifier: CallbackVerifier) -> None:
    assert verify_callback(verifier, query(), state_change(), now=RT + 60).request_time == RT
    assert verify_callback(verifier, query(), state_change(), now=RT - 60).request_time == RT
    for now in (RT + 61, RT - 61):
        e = refused(verifier, query(), state_change(), now=now)
        assert (e.kind, e.request_time, e.now, e.max_skew) == ("stale", RT, now, 60)
        assert refusal(e).status == 401


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"", "body"),
        (b"not json", "body"),
        (b"[]", "body"),
        (b'{"Info":{}}', "body"),
        (b'{"CallbackCommand":5}', "body"),
        (json.dumps({"CallbackCommand": "<script>x</script>"}).encode(), "command_mismatch"),
        (b'{"CallbackCommand":"State.StateChange"}', "body"),
        (b'{"CallbackCommand":"State.StateChange","Info":{"Action":"Login"}}', "body"),
        (b'{"CallbackCommand":"State.StateChange","Info":{"Action":1,"To_Account":"a"}}', "body"),
        (b'{"CallbackCommand":"State.StateChange","Info":{"Action":"Login","To_Account":"a"},'
         b'"KickedDevice":"Web"}', "body"),
        (b" " * (MAX_BODY_LEN + 1), "body_too_large"),
    ],
)
def test_every_body_refusal_is_typed(verifier: CallbackVerifier, body: bytes, kind: str) -> None:
    e = refused(verifier, query(), body)
    assert e.kind == kind
    status, reply = refusal(e)
    assert status == (413 if kind == "body_too_large" else 400)
    # The answer carries the kind, never what the sender sent.
    assert json.loads(reply) == {"ActionStatus": "FAIL", "ErrorCode": 1, "ErrorInfo": kind}
    e = refused(verifier, query(), memoryview(body))
    assert e.kind == kind


def test_the_query_is_checked_before_the_body(verifier: CallbackVerifier) -> None:
    assert refused(verifier, query(sign="0" * 64), b"not json").kind == "bad_signature"


def test_wrong_types_are_type_errors(verifier: CallbackVerifier) -> None:
    with pytest.raises(TypeError, match="CallbackVerifier"):
        verify_callback(TOKEN, query(), state_change())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="body must be"):
        verify_callback(verifier, query(), {"CallbackCommand": "x"})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        verify_callback(verifier, 5, state_change())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="CallbackError"):
        refusal(ValueError("x"))  # type: ignore[arg-type]


def test_the_ok_reply_is_tencents() -> None:
    assert json.loads(OK_REPLY) == {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""}


def test_issuance_answers_the_sdks_shape_uncached() -> None:
    signer = Signer(DEMO_APP, DEMO_KEY)
    issued = issue_usersig(signer, "xiaojun", 3600, now=1700000000)
    assert isinstance(issued, Issuance)
    assert issued.payload == {
        "sdkAppId": DEMO_APP,
        "userId": "xiaojun",
        "userSig": issued.user_sig,
        "expireAt": 1700003600,
    }
    assert json.loads(issued.body) == issued.payload
    assert issued.headers == {"Content-Type": "application/json", "Cache-Control": "no-store"}
    claims = Verifier(DEMO_APP, DEMO_KEY).verify("xiaojun", issued.user_sig, now=1700000000)
    assert (claims.issued_at, claims.expire) == (1700000000, 3600)
    assert issued.user_sig not in repr(issued)
    # The default lifetime is a day, from the clock.
    default = issue_usersig(signer, "xiaojun")
    claims = Verifier(DEMO_APP, DEMO_KEY).verify("xiaojun", default.user_sig)
    assert claims.expire == 86400 and default.expire_at == claims.expires_at
    # Non-ASCII UserIDs are escaped in the JSON, and round-trip.
    assert json.loads(issue_usersig(signer, "小军", now=1700000000).body)["userId"] == "小军"


def test_issuance_refuses_what_the_signer_refuses() -> None:
    signer = Signer(DEMO_APP, DEMO_KEY)
    with pytest.raises(InvalidArgumentError) as e:
        issue_usersig(signer, "")
    assert e.value.argument == "identifier"
    with pytest.raises(InvalidArgumentError) as e:
        issue_usersig(signer, "alice", 0)
    assert e.value.argument == "expire"
    with pytest.raises(TypeError, match="user_id"):
        issue_usersig(signer, 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Signer"):
        issue_usersig(DEMO_KEY, "alice")  # type: ignore[arg-type]


def test_the_core_imports_no_framework_and_adapters_say_what_to_install() -> None:
    script = textwrap.dedent(
        """
        import sys
        import usersig.web
        loaded = {"fastapi", "starlette", "flask", "django"} & set(sys.modules)
        assert not loaded, loaded
        for name, extra in [("fastapi", "fastapi"), ("starlette", "starlette"),
                            ("flask", "flask"), ("django", "django")]:
            sys.modules[name] = None  # as if not installed
            try:
                __import__("usersig.web." + name)
            except ImportError as e:
                assert f"pip install 'usersig[{extra}]'" in str(e), e
            else:
                raise AssertionError(name + " imported without its framework")
        print("ok")
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "ok", run.stdout + run.stderr


# ---- Starlette and FastAPI ----


class AsgiClient:
    """httpx over the ASGI app in process, called synchronously."""

    def __init__(self, app: Any) -> None:
        import asyncio

        import httpx

        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )

    def post(self, url: str, **kw: Any) -> Any:
        return self.loop.run_until_complete(self.client.post(url, **kw))

    def __enter__(self) -> AsgiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


def signed(now: int) -> str:
    from usersig.login import sign

    return query(sign=sign(TOKEN, now), request_time=now)


def test_the_starlette_endpoint() -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from usersig.web.starlette import callback_endpoint, usersig_response

    seen: list[Callback] = []
    verifier = CallbackVerifier(TOKEN, sdkappid=DEMO_APP)

    @callback_endpoint(verifier, clock=lambda: RT)
    async def im(request: Request, callback: Callback) -> None:
        assert await request.body() == state_change()  # still readable
        seen.append(callback)

    @callback_endpoint(verifier, clock=lambda: RT)
    def im_sync(request: Request, callback: Callback) -> Any:
        if callback.state_change and callback.state_change.account == "mallory":
            raise CallbackError("not this one", kind="body")
        return PlainTextResponse("custom")

    async def issue(request: Request) -> Any:
        return usersig_response(Signer(DEMO_APP, DEMO_KEY), "alice", 600, now=1700000000)

    app = Starlette(routes=[
        Route("/im", im, methods=["POST"]),
        Route("/im-sync", im_sync, methods=["POST"]),
        Route("/usersig", issue, methods=["POST"]),
    ])
    with AsgiClient(app) as client:
        r = client.post("/im?" + query(), content=state_change())
        assert (r.status_code, r.text, r.headers["content-type"]) == (200, OK_REPLY, "application/json")
        assert seen[0].state_change is not None and seen[0].state_change.account == "alice"
        r = client.post("/im?" + query(sign="0" * 64), content=state_change())
        assert (r.status_code, r.json()["ErrorInfo"]) == (401, "bad_signature")
        assert len(seen) == 1
        r = client.post("/im?" + query(), content=b"{")
        assert (r.status_code, r.json()["ActionStatus"]) == (400, "FAIL")
        r = client.post("/im-sync?" + query(), content=state_change())
        assert (r.status_code, r.text) == (200, "custom")
        r = client.post("/im-sync?" + query(), content=state_change(account="mallory"))
        assert (r.status_code, r.json()["ErrorInfo"]) == (400, "body")
        # Over the cap: by Content-Length, before reading...
        r = client.post("/im?" + query(), content=b" " * (MAX_BODY_LEN + 1))
        assert (r.status_code, r.json()["ErrorInfo"]) == (413, "body_too_large")

        # ... and chunked, as soon as it passes the cap (not all 8 MiB is read).
        sent = 0

        async def chunks() -> AsyncIterator[bytes]:
            nonlocal sent
            for _ in range(128):
                sent += 1
                yield b" " * 65536

        r = client.post("/im?" + query(), content=chunks())
        assert (r.status_code, r.json()["ErrorInfo"]) == (413, "body_too_large")
        assert 16 <= sent < 128, sent
        r = client.post("/usersig")
        assert r.headers["cache-control"] == "no-store"
        assert r.json()["expireAt"] == 1700000600
    assert len(seen) == 1


def fastapi_app(with_route_class: bool) -> Any:
    from fastapi import APIRouter, Depends, FastAPI

    from usersig.web.fastapi import CallbackRoute, VerifiedCallback

    app = FastAPI()
    app.state.seen = []
    router = APIRouter(route_class=CallbackRoute) if with_route_class else APIRouter()
    dependency = VerifiedCallback(CallbackVerifier(TOKEN, sdkappid=DEMO_APP), clock=lambda: RT)

    @router.post("/im")
    async def im(callback: Callback = Depends(dependency)) -> Any:
        app.state.seen.append(callback)
        if callback.platform == "Android":
            return {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "Extra": 1}
        return None

    app.include_router(router)
    return app


def test_the_fastapi_dependency_and_route_class() -> None:
    app = fastapi_app(with_route_class=True)
    with AsgiClient(app) as client:
        r = client.post("/im?" + query(), content=state_change())
        assert (r.status_code, r.text, r.headers["content-type"]) == (200, OK_REPLY, "application/json")
        r = client.post("/im?" + query(platform="Android"), content=state_change())
        assert r.json()["Extra"] == 1
        for q, body, status, kind in [
            (query(sign="0" * 64), state_change(), 401, "bad_signature"),
            (query(app=1), state_change(), 401, "app_id_mismatch"),
            (signed(RT - 3600), state_change(), 401, "stale"),
            (query(), b"[]", 400, "body"),
            (query(), b" " * (MAX_BODY_LEN + 1), 413, "body_too_large"),
        ]:
            r = client.post("/im?" + q, content=body)
            assert r.status_code == status
            assert r.json() == {"ActionStatus": "FAIL", "ErrorCode": 1, "ErrorInfo": kind}
    assert len(app.state.seen) == 2
    [cb, _] = app.state.seen
    assert cb.state_change.account == "alice"


def test_fastapi_without_the_route_class_keeps_the_status() -> None:
    from usersig.web.fastapi import CallbackRefused, callback_refused_handler

    app = fastapi_app(with_route_class=False)
    with AsgiClient(app) as client:
        r = client.post("/im?" + query(sign="0" * 64), content=state_change())
        assert (r.status_code, r.json()) == (401, {"detail": "bad_signature"})
    app = fastapi_app(with_route_class=False)
    app.add_exception_handler(CallbackRefused, callback_refused_handler)
    with AsgiClient(app) as client:
        r = client.post("/im?" + query(sign="0" * 64), content=state_change())
        assert (r.status_code, r.json()["ErrorInfo"]) == (401, "bad_signature")
    assert app.state.seen == []


def asgi_post(app: Any, query_string: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[int, bytes]:
    """One POST straight into an ASGI app, with headers no HTTP client would send."""
    import asyncio

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/im", "raw_path": b"/im", "root_path": "",
        "query_string": query_string, "headers": headers,
        "server": ("testserver", 80), "client": ("203.0.113.7", 1234),
    }
    received = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return received.pop(0) if received else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_a_content_length_of_non_ascii_digits_is_not_a_server_error() -> None:
    # "\u00b2".isdigit() is true, int() refuses it: the header is ignored and
    # the body read up to the cap, as for any unreadable Content-Length.
    app = fastapi_app(with_route_class=True)
    for length in ["\u00b2".encode("latin-1"), b"12a", b"-1"]:
        status, body = asgi_post(app, query().encode(), [(b"content-length", length)], state_change())
        assert (status, body.decode()) == (200, OK_REPLY), length
    assert len(app.state.seen) == 3


def test_the_async_adapters_are_coroutines() -> None:
    import inspect

    from usersig.web.fastapi import VerifiedCallback
    from usersig.web.starlette import callback_endpoint, read_body, read_callback

    assert inspect.iscoroutinefunction(read_body) and inspect.iscoroutinefunction(read_callback)
    dep = VerifiedCallback(CallbackVerifier(TOKEN))
    assert inspect.iscoroutinefunction(dep.__call__)

    def handler(request: Any, callback: Callback) -> None:
        return None

    assert inspect.iscoroutinefunction(callback_endpoint(CallbackVerifier(TOKEN))(handler))
    with pytest.raises(TypeError):
        VerifiedCallback(TOKEN)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        callback_endpoint(TOKEN)  # type: ignore[arg-type]


# ---- Flask ----


def test_the_flask_view() -> None:
    import flask

    from usersig.web.flask import callback_view, usersig_response

    app = flask.Flask(__name__)
    seen: list[Any] = []

    @app.post("/im/<tenant>")
    @callback_view(CallbackVerifier(TOKEN, sdkappid=DEMO_APP), clock=lambda: RT)
    def im(callback: Callback, tenant: str) -> Any:
        seen.append((tenant, callback.state_change.account if callback.state_change else None))
        return None

    @app.post("/usersig")
    def issue() -> Any:
        return usersig_response(Signer(DEMO_APP, DEMO_KEY), "alice", 60, now=1700000000)

    client = app.test_client()
    r = client.post("/im/t1?" + query(), data=state_change())
    assert (r.status_code, r.get_data(as_text=True), r.content_type) == (200, OK_REPLY, "application/json")
    assert seen == [("t1", "alice")]
    for q, body, status, kind in [
        (query(sign="0" * 64), state_change(), 401, "bad_signature"),
        (signed(RT + 3600), state_change(), 401, "stale"),
        (query(command="Other.Command"), state_change(), 400, "command_mismatch"),
        (query(), b" " * (MAX_BODY_LEN + 1), 413, "body_too_large"),
    ]:
        r = client.post("/im/t1?" + q, data=body)
        assert (r.status_code, r.get_json()["ErrorInfo"]) == (status, kind)
    assert len(seen) == 1
    r = client.post("/usersig")
    assert r.headers["Cache-Control"] == "no-store"
    assert r.get_json()["userId"] == "alice" and r.get_json()["expireAt"] == 1700000060


# ---- Django ----


@pytest.fixture(scope="module")
def django_ready() -> None:
    from conftest import configure_django

    configure_django()


def test_the_django_view(django_ready: None) -> None:
    import asyncio

    from django.test import RequestFactory

    from usersig.web.django import callback_view, usersig_response

    seen: list[Any] = []
    verifier = CallbackVerifier(TOKEN, sdkappid=DEMO_APP)

    @callback_view(verifier, clock=lambda: RT)
    def im(request: Any, callback: Callback, tenant: str) -> None:
        seen.append((tenant, callback.platform))

    @callback_view(verifier, clock=lambda: RT)
    async def im_async(request: Any, callback: Callback) -> None:
        seen.append(("async", callback.platform))

    assert im.csrf_exempt is True and im_async.csrf_exempt is True
    rf = RequestFactory()

    def post(q: str, body: bytes) -> Any:
        return rf.post("/im?" + q, data=body, content_type="application/json")

    r = im(post(query(), state_change()), tenant="t1")
    assert (r.status_code, r.content.decode(), r["Content-Type"]) == (200, OK_REPLY, "application/json")
    r = asyncio.run(im_async(post(query(platform="Android"), state_change())))
    assert (r.status_code, r.content.decode()) == (200, OK_REPLY)
    assert seen == [("t1", "Web"), ("async", "Android")]
    r = im(post(query(sign="0" * 64), state_change()), tenant="t1")
    assert (r.status_code, json.loads(r.content)["ErrorInfo"]) == (401, "bad_signature")
    r = asyncio.run(im_async(post(query(), b"nope")))
    assert (r.status_code, json.loads(r.content)["ErrorInfo"]) == (400, "body")
    r = im(post(query(), b" " * (MAX_BODY_LEN + 1)), tenant="t1")
    assert (r.status_code, json.loads(r.content)["ErrorInfo"]) == (413, "body_too_large")
    r = im(rf.get("/im?" + query()), tenant="t1")
    assert r.status_code == 405
    # A Content-Length of non-ASCII digits: Django reads no body, a refusal, not a ValueError.
    r = im(rf.post("/im?" + query(), data=state_change(), content_type="application/json",
                   CONTENT_LENGTH="\u00b2"), tenant="t1")
    assert (r.status_code, json.loads(r.content)["ErrorInfo"]) == (400, "body")
    assert len(seen) == 2
    r = usersig_response(Signer(DEMO_APP, DEMO_KEY), "alice", 60, now=1700000000)
    assert r["Cache-Control"] == "no-store" and r["Content-Type"] == "application/json"
    assert json.loads(r.content)["expireAt"] == 1700000060


# ---- the README's FastAPI snippets, served by uvicorn ----

def readme_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "usersig.web" in b]


def test_the_readmes_fastapi_snippets(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx
    from fastapi import Header, HTTPException
    from servers import serve_asgi

    blocks = readme_blocks()
    assert len(blocks) == 2
    assert "usersig_response" in blocks[0] and "VerifiedCallback" in blocks[1]
    monkeypatch.setenv("SDKAPPID", str(DEMO_APP))
    monkeypatch.setenv("USERSIG_SECRET_KEY", DEMO_KEY)
    monkeypatch.setenv("IM_CALLBACK_TOKEN", TOKEN)
    recorded: list[tuple[str, str]] = []

    def current_user(authorization: str = Header(default="")) -> str:
        if authorization != "Bearer token-of-alice":
            raise HTTPException(status_code=401)
        return "alice"

    ns: dict[str, Any] = {
        "__name__": "readme_example",
        "current_user": current_user,
        "record_presence": lambda account, action: recorded.append((account, action)),
    }
    for block in blocks:
        exec(compile(block, str(REPO / "README.md"), "exec"), ns)
    with serve_asgi(ns["app"]) as url, httpx.Client(base_url=url, timeout=10) as http:
        r = http.post("/usersig", headers={"Authorization": "Bearer token-of-alice"})
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        assert set(r.json()) == {"sdkAppId", "userId", "userSig", "expireAt"}
        assert Verifier(DEMO_APP, DEMO_KEY).verify("alice", r.json()["userSig"]).expire == 86400
        assert http.post("/usersig").status_code == 401
        now = int(time.time())
        r = http.post("/im/callback?" + signed(now), content=state_change())
        assert (r.status_code, r.text) == (200, OK_REPLY)
        assert recorded == [("alice", "Login")]
        r = http.post("/im/callback?" + query(sign="0" * 64, request_time=now), content=state_change())
        assert (r.status_code, r.json()["ErrorInfo"]) == (401, "bad_signature")
        r = http.post("/im/callback?" + signed(now - 3600), content=state_change())
        assert (r.status_code, r.json()["ErrorInfo"]) == (401, "stale")
        assert recorded == [("alice", "Login")]


def test_the_module_docstring_runs() -> None:
    import doctest

    result = doctest.testmod(usersig.web, verbose=False)
    assert result.attempted >= 6 and result.failed == 0
