"""usersig.testing: the IM emulator in process, and the pytest plugin."""

from __future__ import annotations

import errno
import http.server
import inspect
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any, Callable, Optional
from urllib.parse import parse_qsl, urlsplit

import pytest

from usersig import InvalidArgumentError, Signer
from usersig.exceptions import EmulatorError
from usersig.login import CrossPlatform, ErrorCode, Platform, RestApi, parse_response, sign
from usersig.testing import TEST_KEY, TEST_SDKAPPID, Emulator

T0 = 1700000000
SIGNER = Signer(TEST_SDKAPPID, TEST_KEY)


def sig(user: str, expire: int = 3600, now: int = T0) -> str:
    return SIGNER.sign(user, expire, now=now)


def http_json(url: str, body: Optional[bytes] = None) -> Any:
    with urllib.request.urlopen(url, data=body, timeout=5) as reply:
        return json.loads(reply.read())


def rest(emu: Emulator, command: str, body: dict[str, Any], service: str = "im_open_login_svc") -> Any:
    api = RestApi(emu.sdkappid, "administrator", TEST_KEY, base_url=emu.url)
    method, url, headers, data = api.prepare(service, command, body, now=emu.now)
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=5) as reply:
        return parse_response(reply.status, reply.read())


@pytest.fixture
def manual() -> Iterator[Emulator]:
    with Emulator(TEST_SDKAPPID, TEST_KEY, clock="manual", now=T0, web_instances=2) as emu:
        yield emu


def test_the_signature_shows_the_real_defaults() -> None:
    params = inspect.signature(Emulator).parameters
    assert {n: p.default for n, p in params.items() if p.default is not p.empty} == {
        "admins": ["administrator"],
        "web_instances": 1,
        "cross_platform": "dual",
        "rate_limit": 200,
        "clock": "real",
        "now": None,
        "callback_url": None,
        "callback_token": None,
        "port": 0,
    }
    with Emulator(TEST_SDKAPPID, TEST_KEY) as emu:
        state = emu.state()
    assert (state["Admins"], state["Policy"], state["Clock"]) == (
        ["administrator"],
        {"WebInstances": 1, "CrossPlatform": "dual"},
        "real",
    )


def test_it_serves_on_loopback_until_closed() -> None:
    emu = Emulator(TEST_SDKAPPID, TEST_KEY)
    assert emu.url == f"http://127.0.0.1:{emu.port}" and emu.port > 0
    assert http_json(emu.url + "/emulator/v1/state")["SdkAppid"] == TEST_SDKAPPID
    assert not emu.closed
    with emu as same:
        assert same is emu
    assert emu.closed
    with pytest.raises(urllib.error.URLError) as e:
        http_json(emu.url + "/emulator/v1/state")
    assert isinstance(e.value.reason, ConnectionRefusedError)
    emu.close()  # again: nothing happens
    assert emu.state()["SdkAppid"] == TEST_SDKAPPID  # the state stays readable
    assert "closed" in repr(emu)


def test_a_port_in_use_is_an_os_error() -> None:
    with Emulator(TEST_SDKAPPID, TEST_KEY) as first:
        with pytest.raises(OSError) as e:
            Emulator(TEST_SDKAPPID, TEST_KEY, port=first.port)
        assert e.value.errno == errno.EADDRINUSE


def test_the_rest_api_over_http(manual: Emulator) -> None:
    assert rest(manual, "account_import", {"UserID": "bob", "Nick": "Bob"}).error_info == ""
    [bob] = [a for a in manual.state()["Accounts"] if a["UserID"] == "bob"]
    assert (bob["Nick"], bob["ImportedBy"], bob["ImportedAt"]) == ("Bob", "rest", T0)
    answer = rest(manual, "query_online_status", {"To_Account": ["bob"], "IsNeedDetail": 1}, "openim")
    assert [(s.account, s.status) for s in answer.online_status()] == [("bob", "Offline")]


def test_logins_kicks_and_revocation(manual: Emulator) -> None:
    assert manual.login("alice", sig("alice"), instance_id="tab1")["Kicked"] == []
    manual.advance(1)
    assert manual.login("alice", sig("alice"), "Web", "tab2")["ActionStatus"] == "OK"
    third = manual.login("alice", sig("alice"), Platform.WEB, instance_id="tab3")
    assert third["Kicked"] == [{"InstanceID": "tab1", "Platform": "Web", "Reason": "multipleAccount"}]
    [notice] = manual.events("tab1")["Events"]
    assert (notice["Reason"], notice["KickType"], notice["UserID"]) == ("multipleAccount", 1, "alice")
    assert manual.events("tab1") == {"Events": []}  # drained
    assert rest(manual, "kick", {"UserID": "alice"}).error_info == ""
    assert {e["Reason"] for t in ("tab2", "tab3") for e in manual.events(t)["Events"]} == {"REST_API_Kick"}
    refused = manual.login("alice", sig("alice", now=T0 + 1), instance_id="tab4")
    assert (refused["ActionStatus"], refused["ErrorCode"]) == ("FAIL", 70052)
    manual.advance(1)
    assert manual.login("alice", sig("alice", now=T0 + 2), instance_id="tab4")["ErrorCode"] == 0
    state = manual.state()
    [alice] = [a for a in state["Accounts"] if a["UserID"] == "alice"]
    assert alice["RevokedBefore"] == T0 + 1
    assert [o["InstanceID"] for o in alice["Online"]] == ["tab4"]
    assert [k["Cause"]["Type"] for k in state["Kicks"]] == ["Login", "RestKick", "RestKick"]
    assert manual.logout("alice", "tab4") == {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "WasOnline": True}
    assert manual.disconnect("alice", "tab4")["WasOnline"] is False


def test_the_manual_clock_expires_sigs(manual: Emulator) -> None:
    manual.login("carol", sig("carol", expire=100))  # the instance ID defaults to the user ID
    assert manual.advance(100)["Expired"] == []
    moved = manual.advance(1)
    assert moved["Now"] == manual.now == T0 + 101
    [kick] = moved["Expired"]
    assert (kick["InstanceID"], kick["Reason"], kick["Cause"]) == ("carol", "userSigExpired", {"Type": "Expiry"})
    assert manual.events("carol")["Events"][0]["Reason"] == "userSigExpired"
    assert manual.set_now(T0)["Now"] == T0 == manual.state()["Now"]
    assert manual.clock == "manual"


def test_the_real_clock_cannot_be_moved() -> None:
    with Emulator(TEST_SDKAPPID, TEST_KEY) as emu:
        for move in (lambda: emu.advance(1), lambda: emu.set_now(T0)):
            with pytest.raises(EmulatorError) as e:
                move()
            assert (e.value.code, e.value.status) == (ErrorCode("REQUEST_DISABLED"), 409)
        assert emu.clock == "real"


def test_refused_requests_are_typed(manual: Emulator) -> None:
    with pytest.raises(EmulatorError) as e:
        manual.login("alice", sig("alice"), instance_id="")
    assert (e.value.code, e.value.status) == (70402, 400)
    with pytest.raises(InvalidArgumentError) as a:
        manual.login("alice", sig("alice"), platform="Amiga")
    assert a.value.argument == "platform"
    with pytest.raises(InvalidArgumentError) as a:
        manual.events("alice", wait=-1)
    assert a.value.argument == "wait"
    # A refusal IM itself answers is an answer, not an exception.
    other_app = Signer(TEST_SDKAPPID, "another key").sign("alice", 3600, now=T0)
    assert manual.login("alice", other_app)["ErrorCode"] == 70009


def test_extreme_times_and_waits_are_answered_not_panics(manual: Emulator) -> None:
    # The furthest clock there is: the REST API still answers (refused, since
    # no UserSig can be made then) and a wait past the clock's range returns.
    assert manual.advance(2**64 - 1)["Now"] == 2**64 - 1
    query = f"sdkappid={TEST_SDKAPPID}&identifier=administrator&usersig=x&random=1&contenttype=json"
    answer = http_json(f"{manual.url}/v4/im_open_login_svc/account_check?{query}", b'{"CheckItem": []}')
    assert answer["ActionStatus"] == "FAIL"
    assert manual.wait_webhooks(timeout=1e19) is True


def test_reset_forgets_all_but_the_admins(manual: Emulator) -> None:
    manual.login("alice", sig("alice"))
    manual.advance(5)
    manual.reset()
    state = manual.state()
    assert [a["UserID"] for a in state["Accounts"]] == ["administrator"]
    assert (state["OnlineCount"], state["Now"]) == (0, T0 + 5)


def test_a_waiting_events_call_releases_the_gil_and_wakes(manual: Emulator) -> None:
    manual.login("alice", sig("alice"), instance_id="tab1")
    got: list[Any] = []
    waiter = threading.Thread(target=lambda: got.append(manual.events("tab1", wait=10)))
    waiter.start()
    # This thread runs Python while the other waits: the wait holds no GIL.
    manual.login("alice", sig("alice"), instance_id="tab2")
    manual.login("alice", sig("alice"), instance_id="tab3")
    waiter.join(timeout=10)
    assert not waiter.is_alive()
    assert [e["Reason"] for e in got[0]["Events"]] == ["multipleAccount"]
    assert manual.events("nobody", wait=0.01) == {"Events": []}


def test_close_ends_a_waiting_events_call() -> None:
    emu = Emulator(TEST_SDKAPPID, TEST_KEY)
    got: list[Any] = []
    waiter = threading.Thread(target=lambda: got.append(emu.events("tab1", wait=20)))
    waiter.start()
    time.sleep(0.1)  # let it start waiting
    emu.close()
    waiter.join(timeout=10)
    assert not waiter.is_alive() and got == [{"Events": []}]


@pytest.mark.parametrize(
    ("settings", "argument"),
    [
        ({"sdkappid": 0}, "sdkappid"),
        ({"key": "  "}, "key"),
        ({"key": "\udc80"}, "key"),
        ({"admins": []}, "admins"),
        ({"admins": ["bad\nname"]}, "admins"),
        ({"web_instances": 11}, "web_instances"),
        ({"cross_platform": "quad"}, "cross_platform"),
        ({"rate_limit": -1}, "rate_limit"),
        ({"clock": "sundial"}, "clock"),
        ({"now": T0}, "now"),
        ({"callback_url": "ftp://127.0.0.1/x"}, "callback_url"),
        ({"callback_url": "http://127.0.0.1:9/x", "callback_token": " "}, "callback_token"),
        ({"callback_token": "secret-token"}, "callback_token"),
        ({"port": 65536}, "port"),
    ],
)
def test_bad_settings_name_their_argument(settings: dict[str, Any], argument: str) -> None:
    args = {"sdkappid": TEST_SDKAPPID, "key": TEST_KEY, **settings}
    with pytest.raises(InvalidArgumentError) as e:
        Emulator(args.pop("sdkappid"), args.pop("key"), **args)
    assert e.value.argument == argument
    assert "secret-token" not in str(e.value) and TEST_KEY not in str(e.value)
    with pytest.raises(TypeError):
        Emulator(TEST_SDKAPPID, TEST_KEY, admins="administrator")


def test_every_setting_is_applied() -> None:
    with Emulator(
        1400000001,
        b"another key",
        admins=["ops", "root"],
        web_instances=3,
        cross_platform=CrossPlatform.MULTI,
        rate_limit=0,
        clock="manual",
    ) as emu:
        state = emu.state()
        assert (state["SdkAppid"], state["Admins"], state["Policy"]) == (
            1400000001,
            ["ops", "root"],
            {"WebInstances": 3, "CrossPlatform": "multi"},
        )
        assert abs(state["Now"] - time.time()) < 600  # manual, from the current time
        sig = Signer(1400000001, b"another key").sign("ops", 3600, now=emu.now)
        api = RestApi(1400000001, "ops", b"another key", base_url=emu.url)
        for _ in range(3):  # no rate limit at 0
            method, url, headers, body = api.kick("nobody", now=emu.now)
            with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=5) as r:
                assert json.loads(r.read())["ErrorCode"] == 70107
        assert emu.login("ops", sig, "Android")["ErrorCode"] == 0


def test_secrets_never_shown() -> None:
    token = "callback-token-0123456789abcdef"
    emu = Emulator(TEST_SDKAPPID, TEST_KEY, callback_url="http://127.0.0.1:9/cb", callback_token=token)
    try:
        shown = repr(emu) + str(emu.state())
        for secret in (TEST_KEY, token):
            assert all(secret[i : i + 16] not in shown for i in range(len(secret) - 15))
        assert repr(emu) == f"Emulator(sdkappid={TEST_SDKAPPID}, url='{emu.url}', clock='real')"
    finally:
        emu.close()


class _Callbacks(http.server.BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, body))
        reply = b'{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: Any) -> None:
        pass


def test_webhooks_are_signed_and_recorded() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Callbacks)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    _Callbacks.received = []
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/im"
        with Emulator(TEST_SDKAPPID, TEST_KEY, callback_url=url, callback_token="tok") as emu:
            emu.login("alice", SIGNER.sign("alice", 3600, now=emu.now))
            assert emu.wait_webhooks(timeout=10)
            [hook] = emu.state()["Webhooks"]
        assert (hook["Action"], hook["State"], hook["ReplyOk"]) == ("Login", "delivered", True)
        [(path, body)] = _Callbacks.received
        query = dict(parse_qsl(urlsplit(path).query))
        assert query["CallbackCommand"] == "State.StateChange"
        assert query["Sign"] == sign("tok", query["RequestTime"])
        assert json.loads(body)["Info"]["To_Account"] == "alice"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


# The pytest plugin.


def test_the_fixture_is_a_started_emulator(usersig_emulator: Emulator) -> None:
    assert usersig_emulator.sdkappid == TEST_SDKAPPID and not usersig_emulator.closed
    assert http_json(usersig_emulator.url + "/emulator/v1/state")["Clock"] == "real"


@pytest.mark.usersig_emulator(clock="manual", now=T0, web_instances=2, sdkappid=1400000002)
def test_the_marker_configures_the_fixture(usersig_emulator: Emulator) -> None:
    state = usersig_emulator.state()
    assert (state["SdkAppid"], state["Now"], state["Policy"]["WebInstances"]) == (1400000002, T0, 2)


def test_the_factory_starts_more(usersig_emulator_factory: Callable[..., Emulator]) -> None:
    a = usersig_emulator_factory()
    b = usersig_emulator_factory(rate_limit=5, key="other")
    assert a.url != b.url and a.sdkappid == b.sdkappid == TEST_SDKAPPID
    assert b.login("x", Signer(TEST_SDKAPPID, "other").sign("x", 60))["ErrorCode"] == 0


def test_the_plugin_closes_and_stays_out_of_the_way(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="""
        import sys
        import pytest

        EMULATORS = []

        def test_unused():
            # Loading the plugin did not load the emulator module.
            assert "usersig.testing" not in sys.modules

        @pytest.mark.usersig_emulator(web_instances=3)
        def test_used(usersig_emulator):
            EMULATORS.append(usersig_emulator)
            assert usersig_emulator.state()["Policy"]["WebInstances"] == 3

        def test_closed_after():
            assert [e.closed for e in EMULATORS] == [True]

        @pytest.mark.usersig_emulator("positional")
        def test_bad_marker(usersig_emulator):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*takes keyword arguments only*"])
