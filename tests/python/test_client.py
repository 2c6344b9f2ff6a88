"""usersig.client against the in-process emulator, over loopback.

Each test is bounded: short backoffs, a manual clock where time matters,
and no loop without a count.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from usersig import InvalidArgumentError, Signer, Verifier
from usersig.client import AsyncClient, Client, _RateLimit
from usersig.login import (
    ApiError,
    Backoff,
    ErrorClass,
    OnlineStatus,
    Region,
    RestApi,
    RestResponse,
    RetryPolicy,
    TransportError,
)
from usersig.testing import TEST_KEY, TEST_SDKAPPID, Emulator

T0 = 1700000000
ADMIN = "administrator"
LOGIN = "im_open_login_svc"
FAST = RetryPolicy(3, backoff=Backoff(base=0.01, cap=0.05), deadline=10.0)
T = TypeVar("T")


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(TEST_SDKAPPID, TEST_KEY, clock="manual", now=T0, web_instances=3) as e:
        yield e


def client(emu: Emulator, **kw: Any) -> Client:
    kw.setdefault("retry", FAST)
    kw.setdefault("clock", lambda: emu.now)
    return Client(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=emu.url, **kw)


def aclient(emu: Emulator, **kw: Any) -> AsyncClient:
    kw.setdefault("retry", FAST)
    kw.setdefault("clock", lambda: emu.now)
    return AsyncClient(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=emu.url, **kw)


def log_in(emu: Emulator, user: str, instance: str, platform: str = "Web") -> None:
    sig = Signer(TEST_SDKAPPID, TEST_KEY).sign(user, 86400, now=emu.now)
    assert emu.login(user, sig, platform, instance)["ErrorCode"] == 0


def account(emu: Emulator, user: str) -> dict[str, Any]:
    [found] = [a for a in emu.state()["Accounts"] if a["UserID"] == user]
    return found


class Issued(logging.Handler):
    """Counts the admin UserSigs a client issued (its debug log says so)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    refused = 0

    def emit(self, record: logging.LogRecord) -> None:
        # Called under the handler's own lock: one thread at a time.
        message = record.getMessage()
        if message.startswith("admin UserSig issued"):
            self.count += 1
        elif ": 70001 in " in message:
            self.refused += 1


class Gate(httpx.BaseTransport):
    """Holds the first ``n`` requests until all ``n`` are sent: so that they
    all carry the admin UserSig they were prepared with."""

    def __init__(self, n: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.barrier = threading.Barrier(n)
        self.held = 0
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.held += 1
            hold = self.held <= self.barrier.parties
        if hold:
            self.barrier.wait(timeout=10)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class AsyncGate(httpx.AsyncBaseTransport):
    """Gate for tasks."""

    def __init__(self, n: int) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.n = n
        self.held = 0
        self.all_sent = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.held += 1
        if self.held <= self.n:
            if self.held == self.n:
                self.all_sent.set()
            await asyncio.wait_for(self.all_sent.wait(), 10)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def issued() -> Iterator[Issued]:
    logger = logging.getLogger("usersig.client")
    handler, level = Issued(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_the_signatures_show_the_real_defaults() -> None:
    for cls in (Client, AsyncClient):
        params = inspect.signature(cls).parameters
        assert {n: p.default for n, p in params.items() if p.default is not p.empty} == {
            "region": Region.CHINA,
            "base_url": None,
            "timeout": 10.0,
            "max_attempts": None,
            "rate_limit": 200,
            "retry": None,
            "http_client": None,
            "clock": None,
            "admin_sig_ttl": 604800,
            "admin_sig_margin": 3600,
        }
        assert list(params)[:3] == ["sdkappid", "admin", "key"]
    assert Client(1, ADMIN, TEST_KEY).base_url == "https://console.tim.qq.com"
    assert Client(1, ADMIN, TEST_KEY, region="singapore").base_url == "https://adminapisgp.im.qcloud.com"
    assert Client(1, ADMIN, TEST_KEY, max_attempts=5).retry.max_attempts == 5
    assert Client(1, ADMIN, TEST_KEY).retry.max_attempts == 3


def test_bad_settings_are_typed() -> None:
    with pytest.raises(InvalidArgumentError) as e:
        Client(1, ADMIN, TEST_KEY, base_url="http://example.com")
    assert e.value.argument == "base_url"
    with pytest.raises(InvalidArgumentError) as e:
        Client(1, ADMIN, TEST_KEY, rate_limit=-1)
    assert (e.value.argument, e.value.kind) == ("rate_limit", "negative")
    with pytest.raises(InvalidArgumentError) as e:
        AsyncClient(1, ADMIN, TEST_KEY, rate_limit=0)
    assert (e.value.argument, e.value.kind) == ("rate_limit", "zero")
    with pytest.raises(TypeError):
        Client(1, ADMIN, TEST_KEY, rate_limit=True)
    with pytest.raises(InvalidArgumentError) as e:
        Client(1, ADMIN, "")
    assert e.value.argument == "key"
    with pytest.raises(TypeError):
        Client(1, ADMIN, TEST_KEY, retry=RetryPolicy(2), max_attempts=4)
    with pytest.raises(TypeError):
        Client(1, ADMIN, TEST_KEY, http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        AsyncClient(1, ADMIN, TEST_KEY, http_client=httpx.Client())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Client(1, ADMIN, TEST_KEY, timeout="10")  # type: ignore[arg-type]


def test_the_key_and_the_sig_are_never_shown(emu: Emulator) -> None:
    with client(emu) as c:
        c.account_import("alice")
        shown = repr(c)
        assert shown == f"Client(sdkappid={TEST_SDKAPPID}, admin='administrator', base_url='{emu.url}')"
        assert not c._http.is_closed
    assert c._http.is_closed  # the one it made, closed on leaving
    assert TEST_KEY[:16] not in shown

    async def go() -> str:
        async with aclient(emu) as a:
            await a.account_import("bob")
            assert not a._http.is_closed
        assert a._http.is_closed
        return repr(a)

    assert run(go()) == f"AsyncClient(sdkappid={TEST_SDKAPPID}, admin='administrator', base_url='{emu.url}')"


# Every method, both clients.


def test_account_import_and_check(emu: Emulator) -> None:
    with client(emu) as c:
        assert isinstance(c.account_import("alice", nick="Alice", face_url="https://x/a.png"), RestResponse)
        assert (account(emu, "alice")["Nick"], account(emu, "alice")["FaceUrl"]) == ("Alice", "https://x/a.png")
        items = c.account_check(["alice", "bob"])
        assert [(i["UserID"], i["AccountStatus"]) for i in items] == [("alice", "Imported"), ("bob", "NotImported")]
        with pytest.raises(ApiError) as e:
            c.account_import("x" * 33)  # over Tencent's 32 bytes
        assert (e.value.code, e.value.error_class, len(e.value.attempts)) == (70402, ErrorClass.CONFIG, 1)
        assert c.account_check([]) == []

    async def go() -> None:
        async with aclient(emu) as a:
            await a.account_import("carol", nick="Carol")
            items = await a.account_check(["carol", "dave"])
            assert [i["AccountStatus"] for i in items] == ["Imported", "NotImported"]
            with pytest.raises(ApiError) as e:
                await a.account_import("x" * 33)
            assert e.value.code == 70402

    run(go())
    assert account(emu, "carol")["Nick"] == "Carol"


def test_multiaccount_import_chunks_and_gathers_the_failures(emu: Emulator) -> None:
    ids = [f"u{i}" for i in range(250)]
    ids[10] = "x" * 33  # in the first call
    ids[240] = "y" * 40  # in the third
    with client(emu) as c:
        assert c.multiaccount_import(ids) == ["x" * 33, "y" * 40]
        assert c.multiaccount_import([]) == []
        with pytest.raises(TypeError):
            c.multiaccount_import("alice")
    assert len(emu.state()["Accounts"]) == 1 + 248
    more = [f"v{i}" for i in range(150)] + ["z" * 50]

    async def go() -> list[str]:
        async with aclient(emu) as a:
            return await a.multiaccount_import(more)

    assert run(go()) == ["z" * 50]
    assert account(emu, "v149")["ImportedBy"] == "rest"


def test_account_delete(emu: Emulator) -> None:
    with client(emu) as c:
        c.multiaccount_import(["a1", "a2", "a3"])
        items = c.account_delete(["a1", "ghost"])
        assert [(i["UserID"], i["ResultCode"]) for i in items] == [("a1", 0), ("ghost", 70107)]

    async def go() -> list[dict[str, Any]]:
        async with aclient(emu) as a:
            return await a.account_delete(["a2"])

    assert [i["ResultCode"] for i in run(go())] == [0]
    assert {a["UserID"] for a in emu.state()["Accounts"]} == {ADMIN, "a3"}


def test_kick(emu: Emulator) -> None:
    log_in(emu, "alice", "tab1")
    log_in(emu, "alice", "tab2")
    with client(emu) as c:
        assert c.kick("alice").error_info == ""
        with pytest.raises(ApiError) as e:
            c.kick("ghost")  # never imported: class IMPORT, not retried
        assert (e.value.code, e.value.error_class, e.value.gave_up) == (70107, ErrorClass.IMPORT, "not_retryable")
        assert [str(a) for a in e.value.attempts] == ["70107 (import)"]
    assert [e["Reason"] for e in emu.events("tab1")["Events"]] == ["REST_API_Kick"]
    emu.advance(1)
    log_in(emu, "bob", "tab3")

    async def go() -> None:
        async with aclient(emu) as a:
            await a.kick("bob")
            with pytest.raises(ApiError) as e:
                await a.kick("ghost")
            assert e.value.code == 70107

    run(go())
    assert account(emu, "bob")["RevokedBefore"] == T0 + 1


def test_query_online_status_chunks_and_merges(emu: Emulator) -> None:
    ids = [f"u{i}" for i in range(1200)]
    with client(emu) as c:
        c.multiaccount_import(ids)
        log_in(emu, "u0", "p0", "Android")
        log_in(emu, "u1100", "p1", "Web")
        got = c.query_online_status(ids + ["ghost"])
        assert len(got) == 1200 and all(isinstance(s, OnlineStatus) for s in got)
        assert [s.account for s in got] == ids  # in order; ghost is in Tencent's ErrorList
        assert (got[0].status, got[0].detail) == ("Online", [("Android", "Online")])
        assert (got[1100].status, got[1].status) == ("Online", "Offline")
        assert [s.detail for s in c.query_online_status(["u0"], detail=False)] == [[]]

    async def go() -> list[OnlineStatus]:
        async with aclient(emu) as a:
            return await a.query_online_status(["u1100", "u2"])

    assert [(s.account, s.status) for s in run(go())] == [("u1100", "Online"), ("u2", "Offline")]


def test_call_and_import_and_retry(emu: Emulator) -> None:
    with client(emu) as c:
        r = c.call("openim", "query_online_status", {"To_Account": [ADMIN]})
        assert [s.account for s in r.online_status()] == [ADMIN]
        with pytest.raises(ApiError) as e:
            c.call("openim", "no_such_api")
        assert (e.value.code, len(e.value.attempts)) == (60009, 1)
        with pytest.raises(ApiError) as e:
            c.call("im_open_login_svc", "kick", {"UserID": "ghost"})
        assert e.value.code == 70107
        # 70107 with accounts to import: import them, send once more.
        assert c.call("im_open_login_svc", "kick", {"UserID": "ghost"}, import_and_retry=["ghost"]).error_info == ""
        assert account(emu, "ghost")["ImportedBy"] == "rest"
        # Another class is raised as it is.
        with pytest.raises(ApiError) as e:
            c.call("openim", "no_such_api", import_and_retry=["x"])
        assert e.value.code == 60009
        with pytest.raises(InvalidArgumentError):
            c.call("openim", "../x")

    async def go() -> RestResponse:
        async with aclient(emu) as a:
            return await a.call('im_open_login_svc', "kick", '{"UserID":"ghost2"}', import_and_retry=["ghost2"])

    assert run(go()).error_info == ""


# The policy.


def test_a_config_code_is_raised_at_once_with_one_attempt(emu: Emulator) -> None:
    with Client(TEST_SDKAPPID, ADMIN, "another key", base_url=emu.url, retry=FAST) as wrong_key:
        with pytest.raises(ApiError) as e:
            wrong_key.account_check(["alice"])
    assert (e.value.code, e.value.error_class, e.value.gave_up) == (70009, ErrorClass.CONFIG, "not_retryable")
    assert [a.code for a in e.value.attempts] == [70009]

    async def go() -> None:
        async with AsyncClient(TEST_SDKAPPID, "alice", TEST_KEY, base_url=emu.url, retry=FAST) as a:
            with pytest.raises(ApiError) as e:
                await a.kick("bob")
            assert (e.value.code, len(e.value.attempts)) == (60010, 1)

    with Client(TEST_SDKAPPID, "alice", TEST_KEY, base_url=emu.url, retry=FAST) as not_admin:
        with pytest.raises(ApiError) as e:
            not_admin.kick("bob")
    assert (e.value.code, len(e.value.attempts)) == (60010, 1)
    run(go())


def test_a_dead_port_is_a_transport_error_after_the_attempts(emu: Emulator) -> None:
    dead = Emulator(TEST_SDKAPPID, TEST_KEY)
    dead.close()
    c = Client(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=dead.url, retry=FAST)
    request = c._core.prepare(lambda api, now: api.kick("alice", now=now))[0]
    with pytest.raises(TransportError) as e:
        c.query_online_status(["alice"])  # read-only: retried
    assert (e.value.kind, e.value.gave_up, len(e.value.attempts)) == ("network", "attempts_exhausted", 3)
    assert all(a.code is None and str(a) == "transport failure" for a in e.value.attempts)
    sig = dict(parse_qsl(urlsplit(request.url).query))["usersig"]
    assert sig[:16] not in str(e.value) and sig[:16] not in repr(e.value.args)
    assert e.value.__context__ is None and e.value.__cause__ is None
    with pytest.raises(TransportError) as e:
        c.kick("alice")  # changes something: not sent twice
    assert (e.value.gave_up, len(e.value.attempts)) == ("not_read_only", 1)
    opted_in = RetryPolicy(3, backoff=Backoff(0.01, 0.02), retry_writes_on_transport=True)
    with Client(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=dead.url, retry=opted_in) as c2:
        with pytest.raises(TransportError) as e:
            c2.kick("alice")
    assert len(e.value.attempts) == 3
    # The deadline: no wait is started that would end past it.
    patient = RetryPolicy(1000, backoff=Backoff(0.05, 0.05), deadline=0.4)
    with Client(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=dead.url, retry=patient) as c3, pytest.raises(
        TransportError
    ) as e:
        c3.account_check(["a"])
    assert e.value.gave_up == "deadline" and 1 < len(e.value.attempts) < 1000
    c.close()

    async def go() -> None:
        async with AsyncClient(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=dead.url, retry=FAST) as a:
            with pytest.raises(TransportError) as e:
                await a.account_check(["alice"])
            assert (e.value.kind, len(e.value.attempts)) == ("network", 3)

    run(go())


def test_a_timeout_is_a_transport_error_of_its_kind() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    http = httpx.Client(transport=httpx.MockTransport(slow))
    c = Client(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url="http://127.0.0.1:9", retry=FAST, http_client=http)
    with pytest.raises(TransportError) as e:
        c.account_check(["a"])
    assert (e.value.kind, len(e.value.attempts)) == ("timeout", 3)


def test_a_refused_admin_sig_is_renewed_once_and_the_call_retried(emu: Emulator, issued: Issued) -> None:
    # The client's clock is 1000 s behind the server's: its admin UserSig
    # (1 h, renewed 10 min before) expires on the server while it still
    # looks fresh here, and the server answers 70001 once.
    with client(emu, clock=lambda: emu.now - 1000, admin_sig_ttl=3600, admin_sig_margin=600) as c:
        c.account_import("alice")
        assert issued.count == 1
        emu.advance(2800)  # the server: 200 s past the sig's expiry; here: 400 s before it
        c.account_import("bob")
        assert issued.count == 2
        assert c.admin_sig_expires_at == emu.now - 1000 + 3600
    # Twice in a row: the renewal is once per call.
    with client(emu, clock=lambda: T0) as c:
        emu.advance(700000)
        with pytest.raises(ApiError) as e:
            c.account_import("carol")
        assert e.value.code == 70001 and e.value.gave_up == "already_reissued"
        assert [a.code for a in e.value.attempts] == [70001, 70001]


def test_20_threads_renew_once_across_a_clock_advance(emu: Emulator, issued: Issued) -> None:
    with client(emu, admin_sig_ttl=3600, admin_sig_margin=600) as c:
        c.account_import("alice")
        assert issued.count == 1
        emu.advance(3001)  # inside the margin: every call now wants a new sig
        start = threading.Barrier(20)

        def one(i: int) -> RestResponse:
            start.wait(timeout=10)
            return c.account_import(f"t{i}")

        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(one, range(20), timeout=30))
        assert len(results) == 20 and issued.count == 2
    # And the server refusing it (a skewed clock) to 20 threads at once:
    # all 20 answered 70001, one new sig.
    gate = Gate(20)
    http = httpx.Client(transport=gate)
    with client(emu, clock=lambda: emu.now - 1000, admin_sig_ttl=3600, admin_sig_margin=600, http_client=http) as skewed:
        gate.held = 20  # the warm-up call passes
        skewed.account_import("warm")
        gate.held = 0
        emu.advance(2800)
        before = issued.count
        with ThreadPoolExecutor(20) as pool:
            assert len(list(pool.map(lambda i: skewed.account_import(f"s{i}"), range(20), timeout=30))) == 20
        assert (issued.count, issued.refused) == (before + 1, 20)
    http.close()
    assert all(account(emu, f"s{i}")["ImportedBy"] == "rest" for i in range(20))


def test_20_tasks_renew_once_across_a_clock_advance(emu: Emulator, issued: Issued) -> None:
    async def go() -> None:
        async with aclient(emu, admin_sig_ttl=3600, admin_sig_margin=600) as a:
            await a.account_import("alice")
            assert issued.count == 1
            emu.advance(3001)
            await asyncio.gather(*(a.account_import(f"t{i}") for i in range(20)))
            assert issued.count == 2
        gate = AsyncGate(20)
        async with httpx.AsyncClient(transport=gate) as http, aclient(
            emu, clock=lambda: emu.now - 1000, admin_sig_ttl=3600, admin_sig_margin=600, http_client=http
        ) as a:
            gate.held = 20
            await a.account_import("warm")
            gate.held = 0
            emu.advance(2800)
            before = issued.count
            await asyncio.gather(*(a.account_import(f"s{i}") for i in range(20)))
            assert (issued.count, issued.refused) == (before + 1, 20)

    run(go())
    assert all(account(emu, f"s{i}")["ImportedBy"] == "rest" for i in range(20))


# Enough patience for the server's limit to let a call through: the
# emulator's limit refills one call every 1/rate seconds, and a full-jitter
# backoff can wait far less than its ceiling, so the ceilings add up to many
# seconds (the calls go as soon as a slot is free; the deadline bounds it).
BURST = RetryPolicy(20, backoff=Backoff(base=0.25, cap=1.0), deadline=60.0)


def test_a_burst_of_50_at_the_servers_rate_limit_surfaces_no_error() -> None:
    with Emulator(TEST_SDKAPPID, TEST_KEY, rate_limit=10) as emu:
        with Client(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=emu.url, rate_limit=10, retry=BURST) as c:
            with ThreadPoolExecutor(50) as pool:
                done = list(pool.map(lambda i: c.account_import(f"b{i}"), range(50), timeout=60))
        assert len(done) == 50
        assert {f"b{i}" for i in range(50)} <= {a["UserID"] for a in emu.state()["Accounts"]}


def test_an_async_burst_of_50_at_the_servers_rate_limit_surfaces_no_error() -> None:
    with Emulator(TEST_SDKAPPID, TEST_KEY, rate_limit=10) as emu:

        async def go() -> list[RestResponse]:
            async with AsyncClient(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=emu.url, rate_limit=10, retry=BURST) as a:
                return await asyncio.wait_for(asyncio.gather(*(a.account_import(f"b{i}") for i in range(50))), 60)

        assert len(run(go())) == 50
        assert {f"b{i}" for i in range(50)} <= {a["UserID"] for a in emu.state()["Accounts"]}


def test_60007_is_retried_without_a_client_limit() -> None:
    with Emulator(TEST_SDKAPPID, TEST_KEY, rate_limit=5) as emu:
        with Client(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=emu.url, rate_limit=None, retry=BURST) as c:
            with ThreadPoolExecutor(8) as pool:
                assert len(list(pool.map(lambda i: c.account_check([f"q{i}"]), range(8), timeout=60))) == 8
        # Without retries the same burst is refused.
        with Client(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=emu.url, rate_limit=None, retry=RetryPolicy.never()) as c:
            codes = []
            for i in range(8):
                try:
                    c.account_check([f"q{i}"])
                except ApiError as e:
                    codes.append(e.code)
            assert codes and set(codes) == {60007}


def test_the_client_rate_limit_spaces_each_apis_calls_evenly() -> None:
    now = [100.0]
    limit = _RateLimit(20, clock=lambda: now[0])
    # A burst of four at 20 a second: one slot every 50 ms, the first at once.
    assert [round(limit.reserve("openim", "query_online_status"), 6) for _ in range(4)] == [0.0, 0.05, 0.1, 0.15]
    # Each API has its own queue; multiaccount_import half the rate.
    assert limit.reserve(LOGIN, "kick") == 0.0
    assert [round(limit.reserve(LOGIN, "multiaccount_import"), 6) for _ in range(3)] == [0.0, 0.1, 0.2]
    # Once the time of the queued slots has passed, a call goes at once.
    now[0] += 1.0
    assert limit.reserve("openim", "query_online_status") == 0.0
    assert round(limit.reserve("openim", "query_online_status"), 6) == 0.05
    assert _RateLimit(None).reserve(LOGIN, "kick") == 0.0


def test_the_client_rate_limit_queues_a_burst_through_the_client(emu: Emulator) -> None:
    waits: list[float] = []
    with client(emu, rate_limit=10) as c:
        c._core.limits = _RateLimit(10, clock=lambda: 0.0)  # a clock that stands still
        c._sleep = waits.append  # record the waits instead of sleeping them
        c.multiaccount_import([f"m{i}" for i in range(250)])  # three calls at 5 a second
        c.account_check(["m0"])  # an API of its own: at once
        assert [round(w, 6) for w in waits] == [0.2, 0.4]
        assert all(account(emu, f"m{i}")["ImportedBy"] == "rest" for i in (0, 249))


# One call a second on a clock that stands still: the second call's slot is
# a second off, past a deadline of half a second.
HALF_SECOND = RetryPolicy(3, backoff=Backoff(0.01, 0.05), deadline=0.5)


def test_a_rate_limit_wait_past_the_deadline_gives_up(emu: Emulator) -> None:
    waits: list[float] = []
    with client(emu, rate_limit=1, retry=HALF_SECOND) as c:
        c._core.limits = _RateLimit(1, clock=lambda: 0.0)
        c._sleep = waits.append
        c.kick(ADMIN)  # the first slot: at once
        # Before any attempt: a TransportError of kind "deadline", nothing sent.
        with pytest.raises(TransportError) as t:
            c.kick(ADMIN)
        assert (t.value.kind, t.value.gave_up, list(t.value.attempts)) == ("deadline", "deadline", [])
        assert "deadline" in str(t.value)
        # The slot was not taken: the next one is still a second off.
        assert c._core.limits.reserve(LOGIN, "kick") == 1.0
        # After a failure: that failure, given up for the deadline.
        fail_next(emu, 60007, Command="account_check")
        with pytest.raises(ApiError) as e:
            c.account_check([ADMIN])  # 60007, then a slot a second off
        assert (e.value.code, e.value.gave_up, len(e.value.attempts)) == (60007, "deadline", 1)
    # Only the 60007's backoff was slept, never a rate limit's second.
    assert len(waits) == 1 and waits[0] <= 0.05


def test_an_async_rate_limit_wait_past_the_deadline_gives_up(emu: Emulator) -> None:
    async def go() -> list[float]:
        waited: list[float] = []

        async def sleep(seconds: float) -> None:
            waited.append(seconds)

        async with aclient(emu, rate_limit=1, retry=HALF_SECOND) as a:
            a._core.limits = _RateLimit(1, clock=lambda: 0.0)
            a._sleep = sleep
            await a.kick(ADMIN)
            with pytest.raises(TransportError) as t:
                await a.kick(ADMIN)
            assert (t.value.kind, t.value.gave_up, list(t.value.attempts)) == ("deadline", "deadline", [])
            assert a._core.limits.reserve(LOGIN, "kick") == 1.0
            fail_next(emu, 60007, Command="account_check")
            with pytest.raises(ApiError) as e:
                await a.account_check([ADMIN])
            assert (e.value.code, e.value.gave_up, len(e.value.attempts)) == (60007, "deadline", 1)
        return waited

    waited = run(go())
    assert len(waited) == 1 and waited[0] <= 0.05


def test_without_a_deadline_a_rate_limit_wait_is_waited(emu: Emulator) -> None:
    waits: list[float] = []
    with client(emu, rate_limit=1, retry=RetryPolicy(3, deadline=None)) as c:
        c._core.limits = _RateLimit(1, clock=lambda: 0.0)
        c._sleep = waits.append
        c.account_check([ADMIN])
        c.account_check([ADMIN])
    assert waits == [1.0]


# Codes the emulator answers on request, as Tencent does under load.


def fail_next(emu: Emulator, code: int, **fields: Any) -> None:
    request = {"ErrorCode": code, **fields}
    assert httpx.post(emu.url + "/emulator/v1/fail", json=request).json()["ActionStatus"] == "OK"


def test_60022_waits_the_servers_waiting_time(emu: Emulator) -> None:
    fail_next(emu, 60022, WaitingTime=7, Command="account_check")
    waits: list[float] = []
    # No client rate limit: the waits recorded are the backoff's alone.
    with client(emu, rate_limit=None, retry=RetryPolicy(3, backoff=Backoff(0.01, 0.05), deadline=60.0)) as c:
        c._sleep = waits.append
        assert [i["AccountStatus"] for i in c.account_check([ADMIN])] == ["Imported"]
    assert len(waits) == 1 and waits[0] >= 7.0

    async def go() -> list[float]:
        fail_next(emu, 60022, WaitingTime=3)
        waited: list[float] = []

        async def sleep(seconds: float) -> None:
            waited.append(seconds)

        async with aclient(emu, rate_limit=None) as a:
            a._sleep = sleep
            await a.kick(ADMIN)
        return waited

    [waited] = run(go())
    assert waited >= 3.0


def test_a_waiting_time_past_the_deadline_gives_up_with_the_api_error(emu: Emulator) -> None:
    # The largest WaitingTime a server can send: the 60022 itself, given up
    # for the deadline, not an error about the client's own arguments.
    fail_next(emu, 60022, WaitingTime=2**64 - 1, Command="account_check")
    with client(emu, rate_limit=None) as c:
        c._sleep = lambda seconds: pytest.fail(f"slept {seconds} s")
        with pytest.raises(ApiError) as e:
            c.account_check([ADMIN])
    assert (e.value.code, e.value.gave_up, len(e.value.attempts)) == (60022, "deadline", 1)


def test_a_huge_waiting_time_without_a_deadline_is_cut_to_a_day(emu: Emulator) -> None:
    # No deadline: the largest WaitingTime is waited one day (what
    # time.sleep can take), then the call is sent again, as the Rust client
    # sends again after its timer's cap; it is not given up.
    patient = RetryPolicy(3, backoff=Backoff(0.01, 0.05), deadline=None)
    fail_next(emu, 60022, WaitingTime=2**64 - 1, Command="account_check")
    waits: list[float] = []
    with client(emu, rate_limit=None, retry=patient) as c:
        c._sleep = waits.append
        assert [i["AccountStatus"] for i in c.account_check([ADMIN])] == ["Imported"]
    assert waits == [86400.0]

    async def go() -> list[float]:
        fail_next(emu, 60022, WaitingTime=2**64 - 1, Command="kick")
        waited: list[float] = []

        async def sleep(seconds: float) -> None:
            waited.append(seconds)

        async with aclient(emu, rate_limit=None, retry=patient) as a:
            a._sleep = sleep
            await a.kick(ADMIN)
        return waited

    assert run(go()) == [86400.0]


def test_70050_waits_a_minute_or_gives_up_before_the_deadline(emu: Emulator) -> None:
    fail_next(emu, 70050, Command="kick")
    waits: list[float] = []
    with client(emu, rate_limit=None, retry=RetryPolicy(3, backoff=Backoff(0.01, 0.05), deadline=120.0)) as c:
        c._sleep = waits.append
        c.kick(ADMIN)
    assert len(waits) == 1 and waits[0] >= 60.0
    fail_next(emu, 70050, Command="kick")
    with client(emu, rate_limit=None) as c, pytest.raises(ApiError) as e:  # FAST: a 10 s deadline
        c._sleep = waits.append
        c.kick(ADMIN)
    assert (e.value.code, e.value.error_class, e.value.gave_up) == (70050, ErrorClass.RETRY, "deadline")
    assert len(e.value.attempts) == 1 and len(waits) == 1


def test_a_retry_class_code_is_retried_up_to_max_attempts(emu: Emulator) -> None:
    fail_next(emu, 70500, Count=2)
    with client(emu) as c:
        c.account_import("alice")  # third attempt
    fail_next(emu, 70500, Count=3)
    with client(emu) as c, pytest.raises(ApiError) as e:
        c.account_import("bob")
    assert (e.value.code, e.value.gave_up) == (70500, "attempts_exhausted")
    assert [str(a) for a in e.value.attempts] == ["70500 (retry)"] * 3
    fail_next(emu, 70500, Count=4)
    with client(emu, retry=None, max_attempts=5) as c5:
        c5._sleep = lambda seconds: None  # the default backoff's waits, not slept
        c5.account_import("carol")  # fifth attempt
    fail_next(emu, 70500)
    with client(emu, retry=None, max_attempts=1) as c1, pytest.raises(ApiError) as e:
        c1.account_import("dave")
    assert (e.value.code, e.value.gave_up, len(e.value.attempts)) == (70500, "attempts_exhausted", 1)
    assert {"alice", "carol"} <= {a["UserID"] for a in emu.state()["Accounts"]}


def test_a_stop_class_code_is_never_retried(emu: Emulator) -> None:
    fail_next(emu, 60016, Count=3)
    with client(emu) as c, pytest.raises(ApiError) as e:
        c.query_online_status([ADMIN])
    assert (e.value.code, e.value.error_class, e.value.gave_up) == (60016, ErrorClass.STOP, "not_retryable")
    assert len(e.value.attempts) == 1


# httpx clients passed in.# httpx clients passed in.


def test_an_httpx_mock_transport_passed_in() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(200, json={"ActionStatus": "FAIL", "ErrorCode": 60007, "ErrorInfo": "busy"})
        return httpx.Response(200, json={"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "QueryResult": [
            {"To_Account": "alice", "Status": "PushOnline"}]})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    with Client(TEST_SDKAPPID, ADMIN, TEST_KEY, retry=FAST, http_client=http) as c:
        [status] = c.query_online_status(["alice"])
    assert (status.account, status.status) == ("alice", "PushOnline")
    assert not http.is_closed  # the caller's to close
    assert len(seen) == 2 and seen[0].url.host == "console.tim.qq.com" and seen[0].url.scheme == "https"
    query = dict(parse_qsl(urlsplit(str(seen[1].url)).query))
    Verifier(TEST_SDKAPPID, TEST_KEY).verify(ADMIN, query["usersig"])
    assert query["identifier"] == ADMIN and query["contenttype"] == "json"
    assert seen[0].url.params["random"] != seen[1].url.params["random"]  # prepared afresh
    assert json.loads(seen[1].content) == {"To_Account": ["alice"], "IsNeedDetail": 1}
    http.close()

    async def answer_async(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502)

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer_async)) as h:
            async with AsyncClient(TEST_SDKAPPID, ADMIN, TEST_KEY, retry=FAST, http_client=h) as a:
                with pytest.raises(TransportError) as e:
                    await a.account_check(["a"])
                assert (e.value.kind, e.value.status, len(e.value.attempts)) == ("status", 502, 3)
            assert not h.is_closed

    run(go())


def test_an_oversized_answer_is_refused_as_it_arrives() -> None:
    def huge(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter([b"x" * (1 << 20)] * 9))

    with Client(TEST_SDKAPPID, ADMIN, TEST_KEY, retry=RetryPolicy.never(),
                http_client=httpx.Client(transport=httpx.MockTransport(huge))) as c:
        with pytest.raises(TransportError) as e:
            c.kick("a")
    assert e.value.kind == "too_large"
    assert str(e.value).startswith("the response body is 9437184 bytes long or more")

    # A declared length over the cap is refused before any of it is read.
    read: list[int] = []

    def pieces() -> Iterator[bytes]:
        for _ in range(3):
            read.append(1)
            yield b"x"

    def declared(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": str(9 << 20)}, content=pieces())

    with Client(TEST_SDKAPPID, ADMIN, TEST_KEY, retry=RetryPolicy.never(),
                http_client=httpx.Client(transport=httpx.MockTransport(declared))) as c:
        with pytest.raises(TransportError) as e:
            c.kick("a")
    assert e.value.kind == "too_large" and read == []
    assert str(e.value).startswith("the response body is 9437184 bytes long or more")


def test_an_answer_in_many_chunks_is_read_whole() -> None:
    answer = b'{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","QueryResult":[{"To_Account":"alice","Status":"Online"}]}'

    def chunked(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter([answer[i : i + 7] for i in range(0, len(answer), 7)]))

    with Client(TEST_SDKAPPID, ADMIN, TEST_KEY, retry=RetryPolicy.never(),
                http_client=httpx.Client(transport=httpx.MockTransport(chunked))) as c:
        [status] = c.query_online_status(["alice"])
    assert (status.account, status.status) == ("alice", "Online")

    async def pieces() -> AsyncIterator[bytes]:
        for i in range(0, len(answer), 7):
            yield answer[i : i + 7]

    async def chunked_async(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=pieces())

    async def go() -> list[OnlineStatus]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(chunked_async)) as h:
            async with AsyncClient(TEST_SDKAPPID, ADMIN, TEST_KEY, retry=RetryPolicy.never(), http_client=h) as a:
                return await a.query_online_status(["alice"])

    assert [(s.account, s.status) for s in run(go())] == [("alice", "Online")]


def test_a_dict_body_is_sent_as_restapi_prepare_encodes_it_on_every_attempt() -> None:
    bodies: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        if len(bodies) == 1:
            return httpx.Response(200, json={"ActionStatus": "FAIL", "ErrorCode": 60007, "ErrorInfo": "busy"})
        return httpx.Response(200, json={"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""})

    body: dict[str, Any] = {"From_Account": "alice", "Text": "h\u00e9llo \u2028", "N": [1, 2.5, None, True, {}]}
    expected = RestApi(TEST_SDKAPPID, ADMIN, TEST_KEY).prepare("openim", "sendmsg", body).body
    assert expected == '{"From_Account":"alice","Text":"h\u00e9llo \u2028","N":[1,2.5,null,true,{}]}'.encode()
    with Client(TEST_SDKAPPID, ADMIN, TEST_KEY, retry=FAST,
                http_client=httpx.Client(transport=httpx.MockTransport(answer))) as c:
        assert c.call("openim", "sendmsg", body).error_info == ""
        assert bodies == [expected, expected]
        # A body JSON cannot encode is refused as RestApi.prepare refuses it, unsent.
        with pytest.raises(TypeError):
            c.call("openim", "sendmsg", {"x": object()})
        with pytest.raises(TypeError):
            RestApi(TEST_SDKAPPID, ADMIN, TEST_KEY).prepare("openim", "sendmsg", {"x": object()})
    assert len(bodies) == 2


def test_a_loopback_base_url_goes_to_no_proxy(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy that is not there: a request sent to it would fail.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with client(emu, retry=RetryPolicy.never()) as c:
        assert c.account_check([ADMIN])[0]["AccountStatus"] == "Imported"

    async def go() -> None:
        async with aclient(emu, retry=RetryPolicy.never()) as a:
            await a.kick(ADMIN)

    run(go())


def test_httpx_logs_no_admin_sig(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        with client(emu) as c:
            c.account_import("alice")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP Request: POST" in text and "usersig=[redacted]" in text
    sig = Signer(TEST_SDKAPPID, TEST_KEY).sign(ADMIN, 604800, now=T0)
    assert sig[:24] not in text


def test_the_module_docstring_example() -> None:
    import doctest

    import usersig.client

    result = doctest.testmod(usersig.client, verbose=False)
    assert (result.attempted, result.failed) == (2, 0)
