"""usersig.login: REST requests and responses, error codes, kick reasons,
the login lifecycle, the instance policy table and callbacks."""

from __future__ import annotations

import json
import pickle
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from conftest import DEMO_APP, DEMO_KEY

from usersig import InvalidArgumentError, Signer, UserSigError, Verifier
from usersig.login import (
    ACCOUNT_BATCH,
    OK_REPLY,
    ONLINE_STATUS_BATCH,
    ApiError,
    Backoff,
    CallbackError,
    CallbackVerifier,
    CrossPlatform,
    EmitEvent,
    ErrorClass,
    ErrorCode,
    Instances,
    KickReason,
    Lifecycle,
    LoginError,
    Platform,
    Policy,
    PreflightError,
    PreparedRequest,
    Proceed,
    Reaction,
    Region,
    Reject,
    Resolve,
    RestApi,
    SendRequest,
    SigRefusedError,
    StateChange,
    TransportError,
    fail_reply,
    parse_response,
    preflight,
    sign,
)

T0 = 1_700_000_000
SECRET = "s3cr3t-key-that-must-never-show-up"
TOKEN = "xxxxyyyy"
VECTOR_TIME = 1669872112
VECTOR_SIGN = "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"


def query_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)


@pytest.fixture
def api() -> RestApi:
    return RestApi(DEMO_APP, "administrator", DEMO_KEY)


# ---------------------------------------------------------------- REST


def test_prepare_unpacks_and_its_url_parses_back(api: RestApi) -> None:
    req = api.prepare("im_open_login_svc", "kick", {"UserID": "alice"}, now=T0, random=42)
    method, url, headers, body = req
    assert (method, headers, body) == ("POST", {"Content-Type": "application/json"}, b'{"UserID":"alice"}')
    assert tuple(req) == (req.method, req.url, req.headers, req.body)
    assert (len(req), req[0], req[-1]) == (4, "POST", body)
    with pytest.raises(IndexError):
        req[4]
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "console.tim.qq.com", "/v4/im_open_login_svc/kick")
    query = query_of(url)
    assert [k for k, _ in query] == ["sdkappid", "identifier", "usersig", "random", "contenttype"]
    params = dict(query)
    assert params["sdkappid"] == str(DEMO_APP)
    assert params["identifier"] == "administrator"
    assert params["random"] == "42" and req.random == 42
    assert params["contenttype"] == "json"
    claims = Verifier(DEMO_APP, DEMO_KEY).verify("administrator", params["usersig"], now=T0)
    assert (claims.issued_at, claims.expire) == (T0, 7 * 86400)
    assert api.admin_sig_expires_at == T0 + 7 * 86400


def test_query_values_are_percent_encoded() -> None:
    admin = "admin@ops team/1+1"
    api = RestApi(DEMO_APP, admin, DEMO_KEY)
    url = api.prepare("openim", "x", now=T0, random=7).url
    raw = dict(p.split("=", 1) for p in urlsplit(url).query.split("&"))
    assert raw["identifier"] == "admin%40ops%20team%2F1%2B1"
    assert unquote(raw["identifier"]) == admin
    assert dict(query_of(url))["identifier"] == admin
    # The sig alphabet (*, -, _) needs no escaping and is left as it is.
    sig = dict(query_of(url))["usersig"]
    assert raw["usersig"] == sig and "%" not in raw["usersig"]
    Verifier(DEMO_APP, DEMO_KEY).verify(admin, sig, now=T0)


def test_regions_and_domains() -> None:
    def host(**kw: Any) -> str:
        return RestApi(DEMO_APP, "administrator", DEMO_KEY, **kw).host

    assert host() == "console.tim.qq.com"
    assert host(region="china", backup_domain=True) == "adminapi.my-imcloud.com"
    assert host(region=Region.SINGAPORE) == "adminapisgp.im.qcloud.com"
    assert host(region="kr", backup_domain=True) == "adminapikr.my-imcloud.com"
    assert host(domain="localhost:8080") == "localhost:8080"
    assert [r.domain for r in Region.all()][-1] == "adminapiidn.im.qcloud.com"
    assert Region.parse("Silicon Valley") is Region.SILICON_VALLEY
    with pytest.raises(InvalidArgumentError) as e:
        host(region="mars")
    assert e.value.argument == "region"
    with pytest.raises(InvalidArgumentError) as e:
        host(domain="evil.com/path?")
    assert e.value.argument == "domain"
    with pytest.raises(TypeError):
        host(backup_domain=True, domain="x.example")


def test_a_base_url_takes_http_on_loopback_only() -> None:
    def api(url: str) -> RestApi:
        return RestApi(DEMO_APP, "administrator", DEMO_KEY, base_url=url)

    local = api("http://127.0.0.1:8080/")
    assert (local.host, local.base_url) == ("127.0.0.1:8080", "http://127.0.0.1:8080")
    url = local.kick("alice", now=T0, random=1).url
    assert url.startswith("http://127.0.0.1:8080/v4/im_open_login_svc/kick?sdkappid=1400000000&")
    assert api("http://localhost").base_url == "http://localhost"
    assert api("http://[::1]:9").base_url == "http://[::1]:9"
    assert api("https://adminapisgp.im.qcloud.com").base_url == "https://adminapisgp.im.qcloud.com"
    assert RestApi(DEMO_APP, "administrator", DEMO_KEY).base_url == "https://console.tim.qq.com"
    # The URL carries an admin UserSig: never in clear text off this machine.
    for bad in ("http://10.0.0.1:80", "http://example.com", "ftp://127.0.0.1", "http://127.0.0.1/v4", "http://u@127.0.0.1"):
        with pytest.raises(InvalidArgumentError) as e:
            api(bad)
        assert (e.value.argument, e.value.kind) == ("base_url", "invalid"), bad
    with pytest.raises(TypeError):
        RestApi(DEMO_APP, "administrator", DEMO_KEY, domain="x.example", base_url="https://y.example")


def test_prepare_bodies(api: RestApi) -> None:
    assert api.prepare("openim", "x", now=T0, random=1).body == b"{}"
    assert api.prepare("openim", "x", "  ", now=T0, random=1).body == b"{}"
    assert api.prepare("openim", "x", '{"A": 1}', now=T0, random=1).body == b'{"A": 1}'
    assert api.prepare("openim", "x", {"Nick": "小军"}, now=T0, random=1).body == '{"Nick":"小军"}'.encode()
    for bad in (b"[1]", "not json", "1"):
        with pytest.raises(InvalidArgumentError) as e:
            api.prepare("openim", "x", bad, now=T0, random=1)
        assert (e.value.argument, e.value.kind) == ("body", "not_json_object")
    for service, command, name in (("..", "x", "service"), ("openim", "a/b", "command"), ("", "x", "service")):
        with pytest.raises(InvalidArgumentError) as e:
            api.prepare(service, command, now=T0, random=1)
        assert e.value.argument == name


def test_random_argument(api: RestApi) -> None:
    values = iter([5, 6, 7])
    reqs = api.multiaccount_import([f"u{i}" for i in range(201)], now=T0, random=lambda: next(values))
    assert [r.random for r in reqs] == [5, 6, 7]
    # Drawn afresh for each request, over all 32 bits (200 draws: a repeat,
    # or no value with the top bit set, has odds under 1e-5).
    drawn = [api.kick("alice", now=T0).random for _ in range(200)]
    assert len(set(drawn)) == 200 and all(0 <= r < 2**32 for r in drawn)
    assert any(r >= 2**31 for r in drawn) and any(r < 2**31 for r in drawn)
    batch = [r.random for r in api.multiaccount_import([f"u{i}" for i in range(201)], now=T0)]
    assert len(set(batch)) == 3
    with pytest.raises(InvalidArgumentError):
        api.kick("alice", now=T0, random=2**32)
    with pytest.raises(InvalidArgumentError):
        api.kick("alice", now=T0, random=lambda: -1)
    with pytest.raises(TypeError):
        api.kick("alice", now=T0, random="42")  # type: ignore[arg-type]
    with pytest.raises(ZeroDivisionError):
        api.kick("alice", now=T0, random=lambda: 1 // 0)


def test_typed_helpers_and_batches(api: RestApi) -> None:
    req = api.account_import("alice", nick="Alice", face_url="https://x/a.png", now=T0, random=1)
    assert urlsplit(req.url).path == "/v4/im_open_login_svc/account_import"
    assert json.loads(req.body) == {"UserID": "alice", "Nick": "Alice", "FaceUrl": "https://x/a.png"}
    assert json.loads(api.account_import("bob", now=T0, random=1).body) == {"UserID": "bob"}
    assert json.loads(api.kick("alice", now=T0, random=1).body) == {"UserID": "alice"}

    ids = [f"user{i}" for i in range(250)]
    reqs = api.multiaccount_import(ids, now=T0, random=1)
    assert ACCOUNT_BATCH == 100
    assert [len(json.loads(r.body)["AccountList"]) for r in reqs] == [100, 100, 50]
    assert sum((json.loads(r.body)["AccountList"] for r in reqs), []) == [{"UserID": i} for i in ids]
    assert {urlsplit(r.url).path for r in reqs} == {"/v4/im_open_login_svc/multiaccount_import"}
    assert api.multiaccount_import([], now=T0, random=1) == []

    ids = [f"u{i}" for i in range(1200)]
    reqs = api.query_online_status(ids, now=T0, random=1)
    assert ONLINE_STATUS_BATCH == 500
    bodies = [json.loads(r.body) for r in reqs]
    assert [len(b["To_Account"]) for b in bodies] == [500, 500, 200]
    assert all(b["IsNeedDetail"] == 1 for b in bodies)
    assert urlsplit(reqs[0].url).path == "/v4/openim/query_online_status"
    assert "IsNeedDetail" not in json.loads(api.query_online_status(["a"], detail=False, now=T0, random=1)[0].body)

    [check] = api.account_check(["a", "b"], now=T0, random=1)
    assert json.loads(check.body) == {"CheckItem": [{"UserID": "a"}, {"UserID": "b"}]}
    [delete] = api.account_delete(["a"], now=T0, random=1)
    assert json.loads(delete.body) == {"DeleteItem": [{"UserID": "a"}]}
    assert urlsplit(delete.url).path == "/v4/im_open_login_svc/account_delete"

    for call in (
        lambda: api.kick("", now=T0, random=1),
        lambda: api.multiaccount_import(["a", ""], now=T0, random=1),
        lambda: api.account_import("", now=T0, random=1),
    ):
        with pytest.raises(InvalidArgumentError) as e:
            call()
        assert (e.value.argument, e.value.kind) == ("user_id", "empty")
    with pytest.raises(TypeError):
        api.multiaccount_import("alice", now=T0, random=1)
    with pytest.raises(TypeError):
        api.multiaccount_import(["a", 1], now=T0, random=1)  # type: ignore[list-item]


def test_admin_sig_cache() -> None:
    api = RestApi(DEMO_APP, "administrator", DEMO_KEY, admin_sig_ttl=7200, admin_sig_margin=3600)
    assert api.admin_sig_expires_at is None

    def sig(now: int) -> str:
        return dict(query_of(api.kick("a", now=now, random=1).url))["usersig"]

    first = sig(T0)
    assert sig(T0 + 3599) == first  # still more than the margin before expiry
    renewed = sig(T0 + 3600)
    assert renewed != first and api.admin_sig_expires_at == T0 + 3600 + 7200
    api.invalidate_admin_sig()
    assert api.admin_sig_expires_at is None
    assert sig(T0 + 3601) not in (first, renewed)
    with pytest.raises(InvalidArgumentError) as e:
        RestApi(DEMO_APP, "administrator", DEMO_KEY, admin_sig_ttl=60, admin_sig_margin=60)
    assert e.value.argument == "admin_sig_margin"
    with pytest.raises(InvalidArgumentError) as e:
        RestApi(DEMO_APP, "", DEMO_KEY)
    assert e.value.argument == "identifier"


def test_parse_response_ok() -> None:
    r = parse_response(200, b'{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"r-1","X":[1,{"y":null}]}')
    assert (r.error_info, r.request_id, r.body) == ("", "r-1", {"X": [1, {"y": None}]})
    body = {
        "ActionStatus": "OK",
        "ErrorCode": 0,
        "QueryResult": [
            {"To_Account": "a", "Status": "Online", "Detail": [{"Platform": "iPhone", "Status": "PushOnline"}]},
            {"To_Account": "b", "Status": "Offline"},
        ],
    }
    [a, b] = parse_response(200, json.dumps(body)).online_status()
    assert (a.account, a.status, a.detail) == ("a", "Online", [("iPhone", "PushOnline")])
    assert (b.account, b.status, b.detail) == ("b", "Offline", [])
    r = parse_response(200, '{"ActionStatus":"OK","ErrorCode":0,"FailAccounts":["x","y"]}')
    assert r.failed_accounts() == ["x", "y"]
    assert parse_response(200, '{"ActionStatus":"OK"}').failed_accounts() == []
    with pytest.raises(TransportError) as e:
        parse_response(200, '{"ActionStatus":"OK","QueryResult":5}').online_status()
    assert (e.value.kind, e.value.field) == ("field", "QueryResult")


def test_parse_response_api_errors() -> None:
    with pytest.raises(ApiError) as e:
        parse_response(200, b'{"ActionStatus":"FAIL","ErrorCode":70107,"ErrorInfo":"not imported","RequestId":"q"}')
    err = e.value
    assert isinstance(err, LoginError) and not isinstance(err, (ValueError, UserSigError))
    assert (err.code, err.info, err.error_class, err.request_id, err.waiting_time) == (
        70107,
        "not imported",
        ErrorClass.IMPORT,
        "q",
        None,
    )
    assert isinstance(err.code, ErrorCode) and err.code.name == "ACCOUNT_NOT_IMPORTED"
    assert "70107" in str(err)
    copy = pickle.loads(pickle.dumps(err))
    assert (type(copy), copy.code, copy.error_class, str(copy)) == (ApiError, 70107, ErrorClass.IMPORT, str(err))

    with pytest.raises(ApiError) as e:
        parse_response(200, '{"ActionStatus":"FAIL","ErrorCode":60022,"ErrorInfo":"busy","waitingTime":5}')
    assert (e.value.error_class, e.value.waiting_time) == (ErrorClass.RETRY, 5.0)
    # OK with a non-zero code is still a failure.
    with pytest.raises(ApiError) as e:
        parse_response(200, '{"ActionStatus":"OK","ErrorCode":70001}')
    assert e.value.error_class is ErrorClass.REISSUE


@pytest.mark.parametrize(
    ("status", "body", "kind", "field"),
    [
        (200, b"<html>502 Bad Gateway</html>", "not_json", None),
        (200, b"\xff\xfe garbage", "not_json", None),
        (200, b"", "not_json", None),
        (200, b"[]", "not_an_object", None),
        (200, b'{"ErrorCode":0}', "field", "ActionStatus"),
        (200, b'{"ActionStatus":"MAYBE"}', "field", "ActionStatus"),
        (200, b'{"ActionStatus":"FAIL","ErrorCode":"70001"}', "field", "ErrorCode"),
        (200, b'{"ActionStatus":"FAIL","ErrorCode":-1}', "field", "ErrorCode"),
        (502, b'{"ActionStatus":"OK","ErrorCode":0}', "status", None),
    ],
)
def test_parse_response_garbage_is_a_transport_error(status: int, body: bytes, kind: str, field: Any) -> None:
    with pytest.raises(TransportError) as e:
        parse_response(status, body)
    assert (e.value.kind, e.value.field) == (kind, field)
    assert e.value.status == (status if kind == "status" else None)
    assert isinstance(e.value, LoginError) and not isinstance(e.value, ValueError)


def test_secrets_stay_out_of_reprs_and_errors() -> None:
    api = RestApi(DEMO_APP, "administrator", SECRET)
    req = api.kick("alice", now=T0, random=1)
    sig = dict(query_of(req.url))["usersig"]
    for text in (repr(api), repr(req), str(req), req.redacted_url, repr([req])):
        assert SECRET not in text and sig not in text
    assert "usersig=[redacted]&random=1" in req.redacted_url
    assert repr(req).startswith("PreparedRequest(method='POST', url='https://console.tim.qq.com/v4/")
    for call in (
        lambda: RestApi(DEMO_APP, "", SECRET),
        lambda: RestApi(0, "administrator", SECRET),
        lambda: api.prepare("..", "x", now=T0, random=1),
    ):
        with pytest.raises(UserSigError) as e:
            call()
        assert SECRET not in str(e.value) and SECRET not in repr(e.value.__dict__)


# ---------------------------------------------------------------- codes


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (0, ErrorClass.SUCCESS),
        (60002, ErrorClass.CONFIG),
        (60004, ErrorClass.CONFIG),
        (60007, ErrorClass.RETRY),
        (60016, ErrorClass.STOP),
        (60020, ErrorClass.STOP),
        (60021, ErrorClass.CONFIG),
        (60022, ErrorClass.RETRY),
        (70001, ErrorClass.REISSUE),
        (70003, ErrorClass.CONFIG),
        (70050, ErrorClass.RETRY),
        (70051, ErrorClass.STOP),
        (70052, ErrorClass.REISSUE),
        (70107, ErrorClass.IMPORT),
        (70500, ErrorClass.RETRY),
        (6206, ErrorClass.REISSUE),
        (20002, ErrorClass.REISSUE),
        (2025, ErrorClass.CONFIG),
        (3003, ErrorClass.STOP),
        (12345, ErrorClass.UNKNOWN),
    ],
)
def test_error_code_classes(code: int, cls: ErrorClass) -> None:
    assert ErrorCode(code).error_class is cls
    assert cls.is_retryable == (cls in (ErrorClass.RETRY, ErrorClass.REISSUE, ErrorClass.IMPORT))


def test_error_codes() -> None:
    c = ErrorCode(70001)
    assert (c.value, c.name, c.origin, c.is_usersig_expired, c.min_wait) == (70001, "USERSIG_EXPIRED", "account", True, None)
    assert c.description == "the UserSig expired"
    assert (int(c), str(c), repr(c)) == (70001, "70001", "ErrorCode(70001, 'USERSIG_EXPIRED')")
    assert c == 70001 and c == ErrorCode("70001") and c != 70002 and c != "70001"
    assert hash(c) == hash(70001) and {c: 1}[70001] == 1
    assert ErrorCode(70050) > c > 3000 and sorted([c, ErrorCode(2000)])[0] == 2000
    assert [0, 1, 2][ErrorCode(1)] == 1  # __index__
    assert ErrorCode("USERSIG_EXPIRED") == ErrorCode("usersig_expired") == 70001
    assert ErrorCode("TIM.TYPES.ERROR_CODE.REPEAT_LOGIN") == 2025
    assert ErrorCode.parse(ErrorCode(3003)).name == "KICKED_OUT_MULT_ACCOUNT"
    assert ErrorCode(70050).min_wait == 60.0
    assert ErrorCode(6206).origin == "client" and ErrorCode(2024).origin == "web" and ErrorCode(60002).origin == "rest"
    unknown = ErrorCode(12345)
    assert (unknown.name, unknown.description, unknown.origin, repr(unknown)) == (None, None, None, "ErrorCode(12345)")
    assert unknown.explain().splitlines()[0] == "12345: not a code this library knows"
    assert ErrorCode(70001).explain().splitlines() == [
        "70001 USERSIG_EXPIRED: the UserSig expired",
        "from:  account and login service",
        "class: reissue",
        "do:    issue a new UserSig for the account, then retry once; "
        "this code, 6206 and 20002 are the only ones on which logging in again is right",
    ]
    known = ErrorCode.known()
    assert known == sorted(known) and len(known) > 60 and all(k.name for k in known)
    for bad in ("NOT_A_CODE", "", "-1", "4294967296"):
        with pytest.raises(InvalidArgumentError) as e:
            ErrorCode(bad)
        assert e.value.argument == "code"
    with pytest.raises(InvalidArgumentError):
        ErrorCode(-1)
    for value in (c, unknown, ErrorClass.RETRY, KickReason.REST_API):
        assert pickle.loads(pickle.dumps(value)) == value
    with pytest.raises(TypeError):
        ErrorCode(True)  # type: ignore[arg-type]


def test_error_class() -> None:
    assert [c.value for c in ErrorClass.all()] == ["success", "retry", "reissue", "import", "config", "stop", "unknown"]
    assert ErrorClass.parse("RETRY") is ErrorClass.RETRY and str(ErrorClass.IMPORT) == "import"
    assert repr(ErrorClass.STOP) == "ErrorClass.STOP"
    assert "import the account" in ErrorClass.IMPORT.advice
    with pytest.raises(InvalidArgumentError):
        ErrorClass.parse("later")


def test_backoff() -> None:
    b = Backoff()
    assert (b.base, b.cap) == (0.5, 30.0)
    assert [b.ceiling(n) for n in range(8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert b.ceiling(1000) == 30.0
    assert b.delay(60007, 0, random=0) == 0.0
    assert 0.0 <= b.delay(60007, 3, random=2**32 - 1) <= 4.0  # type: ignore[operator]
    assert b.delay(70050, 0, random=0) == 60.0  # the code's minimum wait
    assert b.delay(ErrorCode(60022), 0, server_wait=5.0, random=0) == 5.0
    assert b.delay(70001, 0, random=0) is None  # reissue, not a plain retry
    assert b.delay(60004, 0) is None
    assert Backoff(base=1, cap=2).ceiling(5) == 2.0
    with pytest.raises(InvalidArgumentError):
        Backoff(base=-1)


# ---------------------------------------------------------------- kicks


def test_kick_reasons_in_every_form() -> None:
    table = [
        (KickReason.MULTIPLE_ACCOUNT, "multipleAccount", "KICKED_OUT_MULT_ACCOUNT", 1, 3003),
        (KickReason.MULTIPLE_DEVICE, "multipleDevice", "KICKED_OUT_MULT_DEVICE", 2, 3002),
        (KickReason.USERSIG_EXPIRED, "userSigExpired", "KICKED_OUT_USERSIG_EXPIRED", None, 3004),
        (KickReason.REST_API, "REST_API_Kick", "KICKED_OUT_REST_API", 3, 3006),
    ]
    assert KickReason.all() == [row[0] for row in table]
    for reason, text, constant, kick_type, web in table:
        assert (str(reason), reason.value, reason.constant_name) == (text, text, constant)
        assert (reason.kick_type, reason.web_code) == (kick_type, web)
        forms: list[Any] = [text, f" {text} ", constant, f"TIM.TYPES.{constant}", web, str(web), ErrorCode(web)]
        if kick_type is not None:
            forms += [kick_type, str(kick_type)]
            assert KickReason.from_kick_type(kick_type) is reason
        for form in forms:
            assert KickReason.parse(form) == reason, form
    assert KickReason.parse(70001) is KickReason.USERSIG_EXPIRED
    assert KickReason.parse("20002") is KickReason.USERSIG_EXPIRED
    assert KickReason.from_kick_type(4) is None
    for bad in ("multipleaccount", "4", 0, 70002, "", "KICKED_OUT"):
        with pytest.raises(InvalidArgumentError):
            KickReason.parse(bad)


def test_kick_reactions() -> None:
    assert KickReason.MULTIPLE_ACCOUNT.reaction is Reaction.ASK_BEFORE_LOGGING_IN
    assert KickReason.MULTIPLE_DEVICE.reaction is Reaction.ASK_BEFORE_LOGGING_IN
    assert KickReason.USERSIG_EXPIRED.reaction is Reaction.REISSUE_AND_LOG_IN
    assert KickReason.REST_API.reaction is Reaction.SHOW_LOGIN_PAGE
    assert [r.reaction.may_log_in_automatically for r in KickReason.all()] == [False, False, True, False]
    assert [r.sends_logout for r in KickReason.all()] == [True, True, False, False]
    assert "kick loop" in Reaction.ASK_BEFORE_LOGGING_IN.advice


# ---------------------------------------------------------------- lifecycle


def logged_in(user: str = "alice") -> Lifecycle:
    lc = Lifecycle()
    [send] = lc.login(user, "sig-of-" + user, call=1, now=T0)
    assert isinstance(send, SendRequest)
    lc.login_reply(send.request)
    assert lc.is_ready
    return lc


def test_login_success() -> None:
    lc = Lifecycle()
    assert (lc.state, lc.is_ready, lc.login_user, lc.not_ready_reason) == ("not_ready", False, None, 2024)
    [send] = lc.login("alice", "the-sig", call=7, now=T0)
    assert isinstance(send, SendRequest)
    assert (send.kind, send.action, send.user_id, send.user_sig) == ("send", "login", "alice", "the-sig")
    assert "the-sig" not in repr(send) and "user_sig=[redacted]" in repr(send)
    assert (lc.state, lc.login_user, lc.not_ready_reason, lc.pending_request) == ("logging_in", "alice", 3000, send.request)
    [reject] = lc.call("sendMessage", call=8)
    assert isinstance(reject, Reject) and (reject.call, reject.code) == (8, 3000)
    assert lc.login_reply(send.request + 1) == []  # a reply to another request is ignored
    resolve, ready = lc.login_reply(send.request)
    assert isinstance(resolve, Resolve) and resolve.call == 7 and resolve.code == 0
    assert resolve.response == {"code": 0, "data": {"actionStatus": "OK", "errorCode": 0, "errorInfo": ""}}
    assert not resolve.is_repeat_login
    assert isinstance(ready, EmitEvent)
    assert (ready.name, ready.constant_name, ready.payload, ready.kick_reason) == (
        "sdkStateReady",
        "SDK_READY",
        {"name": "sdkStateReady"},
        None,
    )
    assert (lc.state, lc.is_ready, lc.not_ready_reason, lc.pending_request) == ("ready", True, None, None)
    [proceed] = lc.call("sendMessage", call=9)
    assert isinstance(proceed, Proceed) and (proceed.kind, proceed.call) == ("proceed", 9)
    [again] = lc.login("alice", "the-sig", call=10, now=T0)
    assert isinstance(again, Resolve) and again.is_repeat_login and again.data["repeatLogin"] is True
    [other] = lc.login("bob", "x", call=11, now=T0)
    assert isinstance(other, Reject) and other.code == 2025


def test_login_failures_and_argument_checks() -> None:
    lc = Lifecycle()
    [r] = lc.login("", "sig", call=1, now=T0)
    assert isinstance(r, Reject) and r.code == 2002
    [r] = lc.login("alice", "", call=2, now=T0)
    assert isinstance(r, Reject) and r.code == 2003
    [send] = lc.login("alice", "sig", call=3, now=T0)
    [r] = lc.login("alice", "sig", call=4, now=T0)
    assert isinstance(r, Reject) and (r.call, r.code) == (4, 2025)
    [r] = lc.login_reply(send.request, code=70001, info="expired")
    assert isinstance(r, Reject) and (r.call, r.code, r.message) == (3, 70001, "expired")
    assert r.error == {"code": 70001, "message": "expired"}
    assert (lc.state, lc.not_ready_reason) == ("not_ready", 3001)
    [r] = lc.call("getConversationList")
    assert isinstance(r, Reject) and r.code == 3001
    [p] = lc.call("isReady", call=5)
    assert isinstance(p, Proceed) and p.call == 5


def test_logout_and_destroy() -> None:
    lc = Lifecycle()
    [r] = lc.logout(call=1)
    assert isinstance(r, Reject) and r.code == 2024
    lc = logged_in()
    send, not_ready, resolve = lc.logout(call=2)
    assert isinstance(send, SendRequest) and (send.action, send.user_id, send.user_sig) == ("logout", "alice", None)
    assert isinstance(not_ready, EmitEvent) and not_ready.name == "sdkStateNotReady"
    assert isinstance(resolve, Resolve) and resolve.call == 2 and resolve.data == {}
    assert (lc.state, lc.not_ready_reason) == ("not_ready", 3005)
    lc = logged_in()
    kinds = [o.kind for o in lc.destroy(call=3)]
    assert kinds == ["send", "emit", "resolve"] and lc.is_destroyed and lc.state == "destroyed"
    [r] = lc.login("alice", "sig", now=T0)
    assert isinstance(r, Reject) and r.code == 2999
    # A logout while the login is pending rejects that login with 3005.
    lc = Lifecycle()
    lc.login("alice", "sig", call=1, now=T0)
    rejected, send, resolved = lc.logout(call=2)
    assert isinstance(rejected, Reject) and (rejected.call, rejected.code) == (1, 3005)
    assert isinstance(resolved, Resolve) and resolved.call == 2


def test_kicks_reach_the_lifecycle() -> None:
    lc = logged_in()
    kicked, not_ready = lc.reply_code(70001)
    assert isinstance(kicked, EmitEvent) and kicked.payload == {"name": "kickedOut", "data": {"type": "userSigExpired"}}
    assert isinstance(not_ready, EmitEvent) and not_ready.name == "sdkStateNotReady"
    assert (lc.not_ready_reason, lc.kick_reason) == (3004, KickReason.USERSIG_EXPIRED)
    lc = logged_in()
    assert lc.reply_code(70002) == [] and lc.kick_notice(9) == [] and lc.is_ready
    send, kicked, _ = lc.kick_notice(2)
    assert isinstance(send, SendRequest) and send.action == "logout"
    assert isinstance(kicked, EmitEvent) and kicked.kick_reason is KickReason.MULTIPLE_DEVICE
    assert lc.not_ready_reason == 3002
    lc = logged_in()
    assert [o.kind for o in lc.kick_notice(3)] == ["emit", "emit"] and lc.not_ready_reason == 3006


def test_preflight() -> None:
    signer = Signer(DEMO_APP, DEMO_KEY)
    sig = signer.sign("alice", 3600, now=T0)
    assert preflight(DEMO_APP, "alice", sig, now=T0 + 3600).identifier == "alice"
    cases = [
        (DEMO_APP, "alice", "", T0, 70002, "empty"),
        (DEMO_APP, "alice", sig[:20], T0, 70003, "malformed"),
        (DEMO_APP + 1, "alice", sig, T0, 70014, "app_id_mismatch"),
        (DEMO_APP, "bob", sig, T0, 70013, "identifier_mismatch"),
        (DEMO_APP, "alice", sig, T0 + 3601, 70001, "expired"),
    ]
    for app, user, s, now, code, kind in cases:
        with pytest.raises(PreflightError) as e:
            preflight(app, user, s, now=now)
        assert (e.value.code, e.value.kind) == (code, kind)
        assert isinstance(e.value, ValueError) and isinstance(e.value, LoginError)
    with pytest.raises(PreflightError) as e:
        preflight(DEMO_APP, "bob", sig, now=T0)
    assert (e.value.expected, e.value.found) == ("bob", "alice")
    # With the check on, a login the server would refuse sends nothing.
    lc = Lifecycle(preflight_sdkappid=DEMO_APP)
    [r] = lc.login("bob", sig, call=1, now=T0)
    assert isinstance(r, Reject) and r.code == 70013 and lc.not_ready_reason == 3001
    [send] = lc.login("alice", sig, call=2, now=T0)
    assert isinstance(send, SendRequest)


# ---------------------------------------------------------------- instances


def test_seed_multi_instance_scenario() -> None:
    """Limit 2; a1 and a2 online; a3 logs in: a1 is kicked with
    multipleAccount, sees KICKED_OUT then SDK_NOT_READY; a2 and a3 stay;
    a1's logout never affects a2."""
    table = Instances(Policy(2))
    pages = {name: Lifecycle() for name in ("a1", "a2", "a3")}
    for i, (name, page) in enumerate(pages.items()):
        [send] = page.login("alice", f"sig{i}", call=i, now=T0 + i)
        assert isinstance(send, SendRequest)
        outcome = table.login("alice", name, Platform.WEB, issued_at=T0, expire=86400, now=T0 + i)
        assert not outcome.repeat
        for kicked in outcome.kicked:
            out = pages[kicked.instance].handle_kick(kicked)
            assert [type(o) for o in out] == [SendRequest, EmitEvent, EmitEvent]
            logout, kicked_out, not_ready = out
            assert isinstance(logout, SendRequest) and logout.action == "logout" and logout.user_id == "alice"
            assert isinstance(kicked_out, EmitEvent) and isinstance(not_ready, EmitEvent)
            assert (kicked_out.name, kicked_out.payload) == (
                "kickedOut",
                {"name": "kickedOut", "data": {"type": "multipleAccount"}},
            )
            assert not_ready.payload == {"name": "sdkStateNotReady"}
        page.login_reply(send.request)
        if name == "a3":
            assert [(k.instance, k.reason, k.platform) for k in outcome.kicked] == [
                ("a1", KickReason.MULTIPLE_ACCOUNT, Platform.WEB)
            ]
            assert outcome.kicked[0].login_at == T0
        else:
            assert outcome.kicked == []
    assert [o.instance for o in table.online("alice")] == ["a2", "a3"]
    assert [p.is_ready for p in pages.values()] == [False, True, True]
    assert pages["a1"].not_ready_reason == 3003 and pages["a1"].kick_reason is KickReason.MULTIPLE_ACCOUNT
    # a1's logout: the SDK says not logged in; the table has nothing to remove.
    [r] = pages["a1"].logout(call=99)
    assert isinstance(r, Reject) and r.code == 2024
    assert table.logout("alice", "a1") is False
    assert table.is_online("alice", "a2") and pages["a2"].is_ready
    # a2's own logout affects only a2.
    assert table.logout("alice", "a2") is True
    assert [o.instance for o in table.online("alice")] == ["a3"]
    assert pages["a3"].is_ready
    table.check_invariants()
    # Logging a3 in again is a repeat: nothing changes.
    again = table.login("alice", "a3", "web", issued_at=T0, expire=86400, now=T0 + 9)
    assert again.repeat and again.kicked == []


def test_cross_platform_policies() -> None:
    table = Instances()  # one Web page, dual platform
    assert table.policy == Policy(1, CrossPlatform.DUAL)
    table.login("bob", "phone", Platform.ANDROID, issued_at=T0, expire=3600, now=T0)
    table.login("bob", "web", Platform.WEB, issued_at=T0, expire=3600, now=T0 + 1)
    outcome = table.login("bob", "pc", "Windows", issued_at=T0, expire=3600, now=T0 + 2)
    assert [(k.instance, k.reason) for k in outcome.kicked] == [("phone", KickReason.MULTIPLE_DEVICE)]
    assert sorted(o.instance for o in table.online("bob")) == ["pc", "web"]
    triple = Policy(1, CrossPlatform.TRIPLE)
    assert triple.compatible("Android", "Windows") and not triple.compatible(Platform.IPHONE, Platform.IPAD)
    assert not Policy(cross_platform=CrossPlatform.SINGLE).compatible(Platform.WEB, Platform.MAC)
    assert Policy(3, devices_per_platform=2).limit("Web") == 3 and Policy(3, devices_per_platform=2).limit("Mac") == 2
    assert (Platform.parse("iphone"), Platform.IPHONE.value, Platform.IPAD.group) == (Platform.IPHONE, "iPhone", "mobile")
    for bad in (0, 11):
        with pytest.raises(InvalidArgumentError) as e:
            Policy(bad)
        assert e.value.argument == "web_instances"
    with pytest.raises(InvalidArgumentError) as e:
        Policy(devices_per_platform=0)
    assert e.value.argument == "devices_per_platform"
    with pytest.raises(InvalidArgumentError) as e:
        table.login("bob", "x", "Symbian", issued_at=T0, expire=1, now=T0)
    assert e.value.argument == "platform"


def test_rest_kick_revokes_and_expiry_kicks() -> None:
    table = Instances(Policy(2))
    table.login("carol", "p1", Platform.WEB, issued_at=T0, expire=3600, now=T0)
    table.login("carol", "p2", Platform.WEB, issued_at=T0, expire=3600, now=T0 + 1)
    lc = logged_in("carol")
    gone = table.rest_kick("carol", now=T0 + 10)
    assert [(k.instance, k.reason) for k in gone] == [("p1", KickReason.REST_API), ("p2", KickReason.REST_API)]
    assert [o.kind for o in lc.handle_kick(gone[0])] == ["emit", "emit"] and lc.not_ready_reason == 3006
    assert table.accounts() == []
    for issued in (T0, T0 + 10):  # at or before the kick: revoked, within the same second too
        with pytest.raises(SigRefusedError) as e:
            table.login("carol", "p3", Platform.WEB, issued_at=issued, expire=3600, now=T0 + 20)
        assert (e.value.code, e.value.kind, e.value.kicked_at) == (70052, "revoked", T0 + 10)
    table.login("carol", "p3", Platform.WEB, issued_at=T0 + 11, expire=3600, now=T0 + 20)
    with pytest.raises(SigRefusedError) as e:
        table.check_sig("carol", issued_at=T0 + 11, expire=10, now=T0 + 22)
    assert (e.value.code, e.value.kind) == (70001, "expired")
    expired = table.expire(now=T0 + 11 + 3601)
    assert [(k.instance, k.reason) for k in expired] == [("p3", KickReason.USERSIG_EXPIRED)]
    lc = logged_in("carol")
    assert [o.kind for o in lc.handle_kick(expired[0])] == ["emit", "emit"] and lc.not_ready_reason == 3004


# ---------------------------------------------------------------- callbacks

VECTOR_QUERY = (
    "SdkAppid=1400000000&CallbackCommand=State.StateChange&contenttype=json"
    f"&ClientIP=1.2.3.4&OptPlatform=Web&Sign={VECTOR_SIGN}&RequestTime={VECTOR_TIME}"
)


def test_sign_vector() -> None:
    assert sign(TOKEN, "1669872112") == VECTOR_SIGN
    assert sign(TOKEN, VECTOR_TIME) == VECTOR_SIGN
    assert sign(TOKEN, "1669872113") != VECTOR_SIGN
    with pytest.raises(TypeError):
        sign(TOKEN, 1.5)  # type: ignore[arg-type]


def test_callback_query_verification() -> None:
    v = CallbackVerifier(TOKEN, sdkappid=DEMO_APP)
    q = v.verify_query(VECTOR_QUERY, now=VECTOR_TIME + 60)
    assert (q.sdkappid, q.command, q.content_type, q.client_ip, q.opt_platform, q.request_time, q.signed) == (
        DEMO_APP,
        "State.StateChange",
        "json",
        "1.2.3.4",
        "Web",
        VECTOR_TIME,
        True,
    )
    assert v.verify_query(b"https://app.example/im?" + VECTOR_QUERY.encode(), now=VECTOR_TIME) == q
    assert v.verify_query("?" + VECTOR_QUERY, now=VECTOR_TIME - 60) == q

    def refused(query: str, now: int = VECTOR_TIME, verifier: CallbackVerifier = v) -> CallbackError:
        with pytest.raises(CallbackError) as e:
            verifier.verify_query(query, now=now)
        assert isinstance(e.value, ValueError) and TOKEN not in str(e.value)
        return e.value

    e = refused(VECTOR_QUERY, now=VECTOR_TIME + 61)
    assert (e.kind, e.request_time, e.now, e.max_skew) == ("stale", VECTOR_TIME, VECTOR_TIME + 61, 60)
    assert refused(VECTOR_QUERY, now=VECTOR_TIME - 61).kind == "stale"
    assert refused(VECTOR_QUERY.replace(VECTOR_SIGN, "0" * 64)).kind == "bad_signature"
    assert refused(VECTOR_QUERY.replace(str(VECTOR_TIME), str(VECTOR_TIME + 1))).kind == "bad_signature"
    assert (refused(VECTOR_QUERY.replace(VECTOR_SIGN, "zz")).kind, refused(VECTOR_QUERY.replace(VECTOR_SIGN, "zz")).parameter) == (
        "malformed",
        "Sign",
    )
    e = refused(VECTOR_QUERY.replace(f"&Sign={VECTOR_SIGN}", ""))
    assert (e.kind, e.parameter) == ("missing", "Sign")
    e = refused(VECTOR_QUERY + "&Sign=" + VECTOR_SIGN)
    assert (e.kind, e.parameter) == ("duplicate", "Sign")
    e = refused(VECTOR_QUERY, verifier=CallbackVerifier(TOKEN, sdkappid=1400000001))
    assert (e.kind, e.expected, e.found) == ("app_id_mismatch", 1400000001, DEMO_APP)
    assert refused(VECTOR_QUERY, verifier=CallbackVerifier("another-token")).kind == "bad_signature"
    assert CallbackVerifier(TOKEN, max_skew=3600).verify_query(VECTOR_QUERY, now=VECTOR_TIME + 3600).signed

    unsigned = CallbackVerifier.unsigned()
    plain = unsigned.verify_query("SdkAppid=1&CallbackCommand=State.StateChange", now=0)
    assert (plain.signed, plain.request_time, unsigned.signed) == (False, None, False)
    e = refused("SdkAppid=1", verifier=unsigned)
    assert (e.kind, e.parameter) == ("missing", "CallbackCommand")


def test_callback_token_stays_secret() -> None:
    v = CallbackVerifier(SECRET, sdkappid=DEMO_APP)
    assert SECRET not in repr(v) and repr(v) == "CallbackVerifier(token=[redacted], sdkappid=1400000000, max_skew=60)"
    with pytest.raises(CallbackError) as e:
        v.verify_query(VECTOR_QUERY, now=VECTOR_TIME)
    assert SECRET not in str(e.value) and SECRET not in repr(vars(e.value))


def test_state_change_and_replies() -> None:
    body = {
        "CallbackCommand": "State.StateChange",
        "EventTime": 1669872112000,
        "Info": {"Action": "Login", "To_Account": "alice", "Reason": "Register"},
        "KickedDevice": [{"Platform": "iPhone"}, {"Platform": "Web"}],
    }
    c = StateChange.parse(json.dumps(body).encode())
    assert (c.action, c.account, c.reason, c.event_time_ms, c.kicked_platforms) == (
        "Login",
        "alice",
        "Register",
        1669872112000,
        ["iPhone", "Web"],
    )
    body["Info"] = {"Action": "Disconnect", "To_Account": "bob", "Reason": "TimeOut"}
    del body["KickedDevice"], body["EventTime"]
    c = StateChange.parse(json.dumps(body))
    assert (c.action, c.reason, c.event_time_ms, c.kicked_platforms) == ("Disconnect", "TimeOut", None, [])
    with pytest.raises(CallbackError) as e:
        StateChange.parse(b'{"CallbackCommand":"C2C.CallbackAfterSendMsg","Info":{"Action":"x","To_Account":"y"}}')
    assert e.value.kind == "wrong_command"
    for garbage in (b"", b"{", b"[]", b'{"CallbackCommand":"State.StateChange"}'):
        with pytest.raises(CallbackError) as e:
            StateChange.parse(garbage)
        assert e.value.kind == "body"
    assert json.loads(OK_REPLY) == {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""}
    assert OK_REPLY == '{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}'
    assert json.loads(fail_reply(1, 'bad "sign"')) == {"ActionStatus": "FAIL", "ErrorCode": 1, "ErrorInfo": 'bad "sign"'}


def test_login_errors_pickle() -> None:
    for err in (
        TransportError("HTTP status 502", kind="status", status=502),
        CallbackError("stale", kind="stale", parameter="RequestTime", request_time=1, now=100, max_skew=60),
    ):
        copy = pickle.loads(pickle.dumps(err))
        assert type(copy) is type(err) and vars(copy) == vars(err) and str(copy) == str(err)


def test_prepared_request_is_a_class_not_a_tuple(api: RestApi) -> None:
    req = api.kick("alice", now=T0, random=1)
    assert isinstance(req, PreparedRequest) and not isinstance(req, tuple)
    with pytest.raises(AttributeError):
        req.url = "x"  # type: ignore[misc]
