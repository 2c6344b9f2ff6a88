"""The example backend (examples/python) end to end.

The FastAPI app runs under uvicorn on 127.0.0.1 and the IM emulator in
process (usersig.testing) posts its webhooks to it: a user fetches a UserSig
from the app, logs in to the emulator with it, and the app's presence table
follows from the webhooks; forged webhooks get the FAIL reply and change
nothing. The Flask and Django views of the same example run under their
frameworks' test clients.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any, Callable

import httpx
import pytest
from conftest import DEMO_APP, DEMO_KEY, configure_django, examples_on_path
from servers import serve_asgi

from usersig import Signer, Verifier
from usersig.login import CallbackVerifier, sign
from usersig.testing import TEST_KEY, TEST_SDKAPPID, Emulator

examples_on_path()

TOKEN = "example-callback-token"
ALICE = {"Authorization": "Bearer token-of-alice"}
BOB = {"Authorization": "Bearer token-of-bob"}


def webhook_query(*, app: int = DEMO_APP, token: str = TOKEN, at: int, platform: str = "Web") -> str:
    return (
        f"SdkAppid={app}&CallbackCommand=State.StateChange&contenttype=json"
        f"&ClientIP=127.0.0.1&OptPlatform={platform}&Sign={sign(token, at)}&RequestTime={at}"
    )


def webhook_body(account: str, action: str = "Login", reason: str = "Register") -> bytes:
    return json.dumps(
        {
            "CallbackCommand": "State.StateChange",
            "EventTime": int(time.time() * 1000),
            "Info": {"Action": action, "To_Account": account, "Reason": reason},
        }
    ).encode()


def forgeries(account: str, action: str = "Login") -> list[tuple[str, str, bytes]]:
    """(what, query, body): a wrong Sign, a stale RequestTime, another app."""
    now = int(time.time())
    body = webhook_body(account, action, "Register" if action == "Login" else "Unregister")
    return [
        ("bad_signature", webhook_query(token="not-the-token", at=now), body),
        ("stale", webhook_query(at=now - 3600), body),
        ("app_id_mismatch", webhook_query(app=DEMO_APP + 1, at=now), body),
    ]


def assert_fail(status: int, body: bytes, kind: str) -> None:
    assert status == 401
    assert json.loads(body) == {"ActionStatus": "FAIL", "ErrorCode": 1, "ErrorInfo": kind}


# ---- FastAPI, over real HTTP, with the emulator posting the webhooks ----


@pytest.fixture
def fastapi_app() -> Any:
    import fastapi_app as example

    return example.create_app(
        Signer(DEMO_APP, DEMO_KEY), CallbackVerifier(TOKEN, sdkappid=DEMO_APP)
    )


@pytest.fixture
def app_url(fastapi_app: Any) -> Iterator[str]:
    with serve_asgi(fastapi_app) as url:
        yield url


def test_fastapi_app_presence_follows_the_emulators_webhooks(
    fastapi_app: Any, app_url: str, usersig_emulator_factory: Callable[..., Emulator]
) -> None:
    # The fixture's app is the demo app (TEST_SDKAPPID, TEST_KEY), the example's.
    assert (TEST_SDKAPPID, TEST_KEY) == (DEMO_APP, DEMO_KEY)
    emu = usersig_emulator_factory(
        web_instances=2, callback_url=app_url + "/im/callback", callback_token=TOKEN
    )
    with httpx.Client(base_url=app_url, timeout=10) as http:

        def presence(user: str) -> dict[str, Any]:
            r = http.get(f"/presence/{user}", headers=ALICE)
            assert r.status_code == 200
            got: dict[str, Any] = r.json()
            return got

        def delivered() -> list[dict[str, Any]]:
            assert emu.wait_webhooks(10.0)
            hooks: list[dict[str, Any]] = emu.state()["Webhooks"]
            assert all(h["State"] == "delivered" and h["ReplyOk"] for h in hooks), hooks
            assert all(h["Status"] == 200 and h["SignValid"] is True for h in hooks), hooks
            return hooks

        # The app issues a UserSig only to a user its own authentication knows.
        assert http.post("/usersig").status_code == 401
        assert http.post("/usersig", headers={"Authorization": "Bearer forged"}).status_code == 401
        r = http.post("/usersig", headers=ALICE)
        assert r.status_code == 200
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["content-type"] == "application/json"
        issued = r.json()
        assert set(issued) == {"sdkAppId", "userId", "userSig", "expireAt"}
        assert (issued["sdkAppId"], issued["userId"]) == (DEMO_APP, "alice")
        claims = Verifier(DEMO_APP, DEMO_KEY).verify("alice", issued["userSig"])
        assert claims.expires_at == issued["expireAt"] and claims.expire == 86400
        assert presence("alice") == {"userId": "alice", "online": False, "platforms": {}}

        # Logging in with it: the emulator's webhook reaches the app.
        assert emu.login("alice", issued["userSig"], "Web", "tab1")["ActionStatus"] == "OK"
        [hook] = delivered()
        assert (hook["UserID"], hook["Action"]) == ("alice", "Login")
        assert presence("alice")["platforms"] == {"Web": 1}
        assert presence("alice")["online"] is True

        # Bob's UserSig works for bob only.
        bob_sig = http.post("/usersig", headers=BOB).json()["userSig"]
        assert emu.login("alice", bob_sig, "Web", "tab9")["ErrorCode"] == 70013
        assert emu.login("bob", bob_sig, "Android", "phone")["ActionStatus"] == "OK"
        emu.login("alice", issued["userSig"], "Web", "tab2")
        emu.login("alice", issued["userSig"], "Web", "tab3")  # kicks tab1 (two Web pages allowed)
        hooks = delivered()
        assert hooks[-1]["Body"]["KickedDevice"] == [{"Platform": "Web"}]
        assert presence("alice")["platforms"] == {"Web": 2}
        assert presence("bob")["platforms"] == {"Android": 1}

        emu.logout("alice", "tab2")
        delivered()
        assert presence("alice")["platforms"] == {"Web": 1}

        # Forged webhooks: the FAIL reply, and nothing changes.
        for kind, query, body in forgeries("mallory") + forgeries("alice", "Logout"):
            r = http.post("/im/callback?" + query, content=body)
            assert_fail(r.status_code, r.content, kind)
        assert presence("mallory")["online"] is False
        assert presence("alice")["platforms"] == {"Web": 1}
        assert fastapi_app.state.presence.snapshot() == {"alice": {"Web": 1}, "bob": {"Android": 1}}

        # A REST kick (through the emulator's own REST dispatch) logs every
        # instance out, one webhook each with OptPlatform RESTAPI.
        r = httpx.post(emu.url + "/emulator/v1/kick", json={"UserID": "bob"}, timeout=10)
        assert r.json()["ActionStatus"] == "OK"
        hooks = delivered()
        assert hooks[-1]["OptPlatform"] == "RESTAPI"
        assert presence("bob")["online"] is False
        assert fastapi_app.state.presence.snapshot() == {"alice": {"Web": 1}}


def test_fastapi_app_refuses_what_is_not_a_callback(app_url: str) -> None:
    now = int(time.time())
    with httpx.Client(base_url=app_url, timeout=10) as http:
        r = http.post("/im/callback?" + webhook_query(at=now), content=b"not json")
        assert (r.status_code, r.json()["ErrorInfo"]) == (400, "body")
        r = http.post("/im/callback?" + webhook_query(at=now), content=b" " * (1024 * 1024 + 1))
        assert (r.status_code, r.json()["ErrorInfo"]) == (413, "body_too_large")
        r = http.post("/im/callback", content=webhook_body("alice"))
        assert (r.status_code, r.json()["ErrorInfo"]) == (400, "missing")
        assert http.get("/im/callback").status_code == 405


# ---- the same callback view on Flask and Django ----


def test_flask_view_of_the_example() -> None:
    import flask_app as example

    app = example.create_app(Signer(DEMO_APP, DEMO_KEY), CallbackVerifier(TOKEN, sdkappid=DEMO_APP))
    table = app.extensions["presence"]
    client = app.test_client()
    assert client.post("/usersig").status_code == 401
    r = client.post("/usersig", headers=ALICE)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert r.get_json()["userId"] == "alice"
    now = int(time.time())
    r = client.post("/im/callback?" + webhook_query(at=now), data=webhook_body("alice"))
    assert (r.status_code, r.get_json()) == (200, {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""})
    assert table.platforms("alice") == {"Web": 1}
    for kind, query, body in forgeries("mallory") + forgeries("alice", "Logout"):
        r = client.post("/im/callback?" + query, data=body)
        assert_fail(r.status_code, r.get_data(), kind)
    assert table.snapshot() == {"alice": {"Web": 1}}
    r = client.post(
        "/im/callback?" + webhook_query(at=now), data=webhook_body("alice", "Disconnect", "LinkClose")
    )
    assert r.status_code == 200 and table.snapshot() == {}


def test_django_view_of_the_example() -> None:
    configure_django()
    import django_app as example
    from django.test import Client, override_settings

    table = example.setup(Signer(DEMO_APP, DEMO_KEY), CallbackVerifier(TOKEN, sdkappid=DEMO_APP))
    # CSRF checks on, as in production: the webhook view is exempt.
    client = Client(enforce_csrf_checks=True)
    with override_settings(ROOT_URLCONF="django_app"):
        assert client.post("/usersig").status_code == 401
        r = client.post("/usersig", headers=ALICE)
        assert r.status_code == 200 and r["Cache-Control"] == "no-store"
        assert json.loads(r.content)["userId"] == "alice"
        now = int(time.time())
        r = client.post(
            "/im/callback?" + webhook_query(at=now, platform="Android"),
            data=webhook_body("alice"),
            content_type="application/json",
        )
        assert (r.status_code, json.loads(r.content)["ActionStatus"]) == (200, "OK")
        assert table.platforms("alice") == {"Android": 1}
        for kind, query, body in forgeries("mallory") + forgeries("alice", "Logout"):
            r = client.post("/im/callback?" + query, data=body, content_type="application/json")
            assert_fail(r.status_code, r.content, kind)
        assert table.snapshot() == {"alice": {"Android": 1}}
        assert client.get("/im/callback").status_code == 405
