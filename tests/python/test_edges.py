"""The edges of the rules from Python: whitespace, an empty identifier,
inputs far over the caps, secrets in exceptions, real defaults in
signatures, messages, regions, FAIL without a code, the compat module,
room tickets past 2^32 and the longest userbuf."""

from __future__ import annotations

import base64
import inspect as pyinspect
import json
import os
import time
import traceback
import zlib
from collections.abc import Callable
from typing import Any

import pytest

import usersig
from conftest import DEMO_APP, DEMO_KEY
from usersig import (
    ExpiredError,
    InvalidArgumentError,
    MalformedError,
    Signer,
    UserSigError,
    Verifier,
)
from usersig.compat import TLSSigAPIv2, base64_decode_url, base64_encode_url
from usersig.login import (
    ApiError,
    CallbackError,
    CallbackVerifier,
    ErrorClass,
    ErrorCode,
    Policy,
    Region,
    RestApi,
    StateChange,
    TransportError,
    parse_response,
    preflight,
    PreflightError,
    sign,
)

T0 = 1700000000
BIG = 100_000_000  # code points: 100 MB of UTF-8 and more


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer(DEMO_APP, DEMO_KEY)


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier(DEMO_APP, DEMO_KEY)


# ------------------------------------------------------------ whitespace


def test_surrounding_whitespace_is_dropped_from_sigs_and_keys(
    signer: Signer, verifier: Verifier
) -> None:
    sig = signer.sign("u", 100, now=T0)
    for padded in ("  " + sig + "\n", sig + "\r\n", "\t" + sig):
        assert verifier.verify("u", padded, now=T0).identifier == "u"
        assert verifier.verify("u", padded.encode(), now=T0).identifier == "u"
        assert usersig.inspect(padded).identifier == "u"
    # A key read with its newline signs as the console's key.
    assert Signer(DEMO_APP, DEMO_KEY + "\n").sign("u", 100, now=T0) == sig
    assert Signer(DEMO_APP, (" " + DEMO_KEY + "\n").encode()).sign("u", 100, now=T0) == sig
    assert Verifier(DEMO_APP, "\t" + DEMO_KEY).verify("u", sig, now=T0).identifier == "u"
    for blank in ("", " ", "\n", b" \r\n"):
        with pytest.raises(InvalidArgumentError) as e:
            Signer(DEMO_APP, blank)
        assert (e.value.argument, e.value.kind) == ("key", "empty")
    with pytest.raises(MalformedError) as m:
        verifier.verify("u", " \n ", now=T0)
    assert m.value.kind == "empty"


def test_callback_tokens_lose_whitespace_and_may_not_be_empty() -> None:
    q = (
        "SdkAppid=1400000000&CallbackCommand=State.StateChange&RequestTime=1669872112"
        "&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"
    )
    for token in ("xxxxyyyy\n", "  xxxxyyyy "):
        assert CallbackVerifier(token).verify_query(q, now=1669872112).signed
        assert sign(token, 1669872112) == sign("xxxxyyyy", 1669872112)
    for blank in ("", " ", "\n\t"):
        with pytest.raises(InvalidArgumentError) as e:
            CallbackVerifier(blank)
        assert (e.value.argument, e.value.kind) == ("token", "empty")
        with pytest.raises(InvalidArgumentError) as e:
            sign(blank, 1669872112)
        assert e.value.argument == "token"


# ------------------------------------------------------------ empty identifier


def test_verifying_for_an_empty_identifier_is_an_argument_error(
    signer: Signer, verifier: Verifier
) -> None:
    sig = signer.sign("u", 100, now=T0)
    ticket = signer.sign_private_map_key("u", 100, room_id=5, now=T0)
    calls: list[Callable[[], Any]] = [
        lambda: verifier.verify("", sig, now=T0),
        lambda: verifier.verify("", "not even a sig", now=T0),
        lambda: verifier.verify("", sig, userbuf=b"x", now=T0),
        lambda: verifier.verify_private_map_key("", ticket, room_id=5, now=T0),
        lambda: TLSSigAPIv2(DEMO_APP, DEMO_KEY).verify_sig("", sig, now=T0),
    ]
    for call in calls:
        with pytest.raises(InvalidArgumentError) as e:
            call()
        assert (e.value.argument, e.value.kind) == ("identifier", "empty")
        assert str(e.value) == "invalid argument: identifier is empty"
    [r] = verifier.verify_many([("", sig)], now=T0)
    assert isinstance(r, InvalidArgumentError) and r.kind == "empty"


# ------------------------------------------------------------ caps before work


def test_a_100_mb_sig_is_refused_as_too_long(verifier: Verifier) -> None:
    for huge in ("é" * BIG, "\udcff" * (BIG // 2), "A" * BIG):
        with pytest.raises(MalformedError) as e:
            verifier.verify("x", huge, now=T0)
        assert e.value.kind == "too_long", e.value
        assert "the maximum is 32768" in str(e.value)
        with pytest.raises(MalformedError) as e:
            usersig.inspect(huge)
        assert e.value.kind == "too_long"
        [r] = verifier.verify_many([("x", huge)], now=T0)
        assert isinstance(r, MalformedError) and r.kind == "too_long"
    with pytest.raises(MalformedError) as e:
        verifier.verify("x", b"A" * BIG, now=T0)
    assert e.value.kind == "too_long"
    with pytest.raises(PreflightError) as p:
        preflight(DEMO_APP, "x", "é" * BIG)
    assert (p.value.kind, p.value.code) == ("malformed", 70003)


def test_100_mb_strings_are_refused_wherever_a_cap_applies(
    signer: Signer, verifier: Verifier
) -> None:
    huge = "é" * BIG
    for call in (
        lambda: signer.sign(huge, now=T0),
        lambda: signer.sign_private_map_key(huge, 60, room_id=1, now=T0),
        lambda: verifier.verify(huge, "AAAA", now=T0),
        lambda: verifier.verify_private_map_key(huge, "AAAA", room_id=1, now=T0),
    ):
        with pytest.raises(InvalidArgumentError) as e:
            call()
        assert (e.value.argument, e.value.kind) == ("identifier", "too_long")
    with pytest.raises(InvalidArgumentError) as e:
        signer.sign_many(["ok", huge], now=T0)
    assert (e.value.kind, e.value.index) == ("too_long", 1)
    with pytest.raises(InvalidArgumentError) as e:
        signer.sign_private_map_key("u", 60, room_str=huge, now=T0)
    assert e.value.argument == "room_str"
    [r] = verifier.verify_many([(huge, "AAAA")], now=T0)
    assert isinstance(r, InvalidArgumentError) and r.kind == "too_long"
    with pytest.raises(CallbackError) as c:
        CallbackVerifier("t").verify_query(huge)
    assert c.value.kind == "query_too_long"
    with pytest.raises(CallbackError) as c:
        StateChange.parse(huge)
    assert c.value.kind == "body_too_large"
    with pytest.raises(TransportError) as t:
        parse_response(200, b" " * (9 * 1024 * 1024))
    assert t.value.kind == "too_large"


# ------------------------------------------------------------ secrets in exceptions

SECRET = "TOPSECRET-token-\udcff"


def _assert_hidden(e: BaseException, secret: str = "TOPSECRET") -> None:
    seen = [str(e), repr(e), repr(e.args), repr(e.__cause__), repr(e.__context__)]
    seen.append("".join(traceback.format_exception(e)))
    for text in seen:
        assert secret not in text, text
    assert e.__cause__ is None and e.__context__ is None


def test_a_token_without_utf8_never_reaches_an_exception() -> None:
    calls: list[Callable[[], Any]] = [
        lambda: CallbackVerifier(SECRET),
        lambda: CallbackVerifier(SECRET, sdkappid=DEMO_APP),
        lambda: sign(SECRET, 1669872112),
        lambda: sign(SECRET, "1669872112"),
    ]
    for call in calls:
        with pytest.raises(InvalidArgumentError) as e:
            call()
        assert (e.value.argument, e.value.kind) == ("token", "not_utf8")
        assert isinstance(e.value, UserSigError)
        _assert_hidden(e.value)


def test_a_key_without_utf8_never_reaches_an_exception() -> None:
    key = "TOPSECRET-key-\udcff"
    calls: list[Callable[[], Any]] = [
        lambda: Signer(DEMO_APP, key),
        lambda: Verifier(DEMO_APP, key),
        lambda: RestApi(DEMO_APP, "administrator", key),
        lambda: TLSSigAPIv2(DEMO_APP, key),
    ]
    for call in calls:
        with pytest.raises(InvalidArgumentError) as e:
            call()
        assert (e.value.argument, e.value.kind) == ("key", "not_utf8")
        _assert_hidden(e.value)


# ------------------------------------------------------------ signatures


def test_signatures_show_the_real_defaults() -> None:
    params = lambda f: pyinspect.signature(f).parameters  # noqa: E731
    assert params(Signer.sign)["expire"].default == 15552000 == usersig.DEFAULT_EXPIRE
    assert params(Signer.sign_many)["expire"].default == 15552000
    assert params(Signer.sign_private_map_key)["privileges"].default == 255
    assert params(Signer)["compression"].default == "default"
    assert params(Verifier)["leeway"].default == 0
    assert params(CallbackVerifier)["max_skew"].default == 60
    assert params(CallbackVerifier.unsigned)["max_skew"].default == 60
    rest = params(RestApi)
    assert (rest["admin_sig_ttl"].default, rest["admin_sig_margin"].default) == (604800, 3600)
    assert params(Policy)["web_instances"].default == 1
    assert params(Policy)["devices_per_platform"].default == 1
    assert str(pyinspect.signature(Signer.sign)) == (
        "(self, /, identifier, expire=15552000, *, userbuf=None, now=None)"
    )
    for obj in (Signer, Verifier, CallbackVerifier, RestApi, Policy, usersig.login.Lifecycle):
        text = pyinspect.getdoc(obj) or ""
        for name, member in vars(obj).items():
            if callable(member) and not name.startswith("_"):
                try:
                    text += str(pyinspect.signature(member))
                except (TypeError, ValueError):
                    pass
        assert "Ellipsis" not in text and "=..." not in text, (obj, text)


# ------------------------------------------------------------ messages


def test_verify_many_names_the_item_and_the_types(verifier: Verifier) -> None:
    for items, needle in [
        ([("b", 5)], "items[0][1] (the sig) must be str or bytes, not int"),
        ([("a", "x"), (5, "x")], "items[1][0] (the identifier) must be str, not int"),
        ([["a", "x"]], "items[0] must be a tuple (identifier: str, sig: str | bytes), not list"),
        ([("a", "b", "c")], "items[0] must be a tuple of 2 (identifier: str, sig: str | bytes), not of 3"),
    ]:
        with pytest.raises(TypeError) as e:
            verifier.verify_many(items)  # type: ignore[arg-type]
        assert str(e.value) == needle


def test_state_change_errors_name_the_field() -> None:
    for body, field in [
        (b"{}", "field CallbackCommand is missing"),
        (b'{"CallbackCommand":"State.StateChange"}', "field Info is missing"),
        (b'{"CallbackCommand":"State.StateChange","Info":{"Action":"Login"}}', "field Info.To_Account is missing"),
    ]:
        with pytest.raises(CallbackError) as e:
            StateChange.parse(body)
        assert e.value.kind == "body" and str(e.value).endswith(field), e.value


def test_every_invalid_argument_message_has_one_prefix(signer: Signer) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: signer.sign("u", -1),
        lambda: signer.sign("u", 2**64),
        lambda: signer.sign("u", 0),
        lambda: signer.sign(""),
        lambda: Signer(DEMO_APP, DEMO_KEY, compression="best"),  # type: ignore[arg-type]
        lambda: Verifier(DEMO_APP, DEMO_KEY, leeway=-1),
        lambda: RestApi(DEMO_APP, "administrator", DEMO_KEY, "mars"),
        lambda: RestApi(DEMO_APP, "administrator", DEMO_KEY, domain="h:+80"),
        lambda: CallbackVerifier(""),
        lambda: Policy(web_instances=0),
        lambda: signer.sign("é" * 2000),
    ]
    for call in calls:
        with pytest.raises(InvalidArgumentError) as e:
            call()
        assert str(e.value).startswith("invalid argument: "), e.value
        assert not str(e.value).startswith("invalid argument: invalid argument"), e.value


def test_expiry_messages_give_dates(signer: Signer, verifier: Verifier) -> None:
    sig = signer.sign("u", 60, now=T0)
    with pytest.raises(ExpiredError) as e:
        verifier.verify("u", sig, now=1796110240)
    assert str(e.value) == (
        "UserSig expired at 2023-11-14T22:14:20Z (unix 1700000060), 3 years 16 days ago, "
        "checked at 2026-12-01T07:30:40Z (unix 1796110240)"
    )
    assert (e.value.expired_at, e.value.now) == (1700000060, 1796110240)
    with pytest.raises(PreflightError) as p:
        preflight(DEMO_APP, "u", sig, now=T0 + 61)
    assert "expired at 2023-11-14T22:14:20Z (unix 1700000060), 1 second ago" in str(p.value)
    assert "Some(" not in str(p.value)


def test_code_advice_is_the_explained_advice() -> None:
    for code in (70001, 6206, 20002, 60022, 70107, 12345):
        c = ErrorCode(code)
        assert c.explain().splitlines()[-1] == "do:    " + c.advice
    assert "70001" not in ErrorCode(70001).advice


# ------------------------------------------------------------ regions, REST


def test_every_documented_region() -> None:
    assert [r.value for r in Region.all()] == [
        "china", "singapore", "seoul", "tokyo", "frankfurt", "mumbai", "silicon-valley", "jakarta",
    ]
    assert (Region.TOKYO.domain, Region.TOKYO.backup_domain) == (
        "adminapijpn.im.qcloud.com", "adminapijpn.my-imcloud.com",
    )
    assert (Region.MUMBAI.domain, Region.MUMBAI.backup_domain) == (
        "adminapiind.im.qcloud.com", "adminapiind.my-imcloud.com",
    )
    assert Region.parse("jpn") is Region.TOKYO or Region.parse("jpn") == Region.TOKYO
    assert Region.parse("India") == Region.MUMBAI
    api = RestApi(DEMO_APP, "administrator", DEMO_KEY, "tokyo", backup_domain=True)
    assert api.host == "adminapijpn.my-imcloud.com"


def test_fail_without_a_code_is_a_retryable_failure() -> None:
    for body in (b'{"ActionStatus":"FAIL","ErrorCode":0}', b'{"ActionStatus":"FAIL"}'):
        with pytest.raises(ApiError) as e:
            parse_response(200, body)
        assert e.value.code == 0
        assert e.value.error_class is ErrorClass.RETRY
        assert "success" not in str(e.value)
        assert "transient server fault" in str(e.value)


def test_callback_bodies_parse_generically() -> None:
    q = CallbackVerifier.unsigned().verify_query(
        "SdkAppid=1400000000&CallbackCommand=C2C.CallbackBeforeSendMsg"
    )
    body = b'{"CallbackCommand":"C2C.CallbackBeforeSendMsg","From_Account":"a","MsgBody":[]}'
    assert q.parse_body(body) == json.loads(body)
    with pytest.raises(CallbackError) as e:
        q.parse_body(b'{"CallbackCommand":"State.StateChange"}')
    assert e.value.kind == "command_mismatch"


# ------------------------------------------------------------ compat


def test_compat_takes_a_lifetime_as_text_like_the_official_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from TLSSigAPIv2 import TLSSigAPIv2 as Official
    import TLSSigAPIv2 as official_module

    monkeypatch.setattr(time, "time", lambda: T0 + 0.5)
    ours, theirs = TLSSigAPIv2(DEMO_APP, DEMO_KEY), Official(DEMO_APP, DEMO_KEY)

    def decode(sig: str) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(zlib.decompress(base64_decode_url(sig.encode())))
        return doc

    for expire in ("86400", "1", 86400):
        assert decode(ours.gen_sig("x", expire)) == decode(theirs.gen_sig("x", expire))  # type: ignore[arg-type]
    assert decode(ours.genUserSig("x", "3600")) == decode(theirs.gen_sig("x", "3600"))
    assert decode(ours.gen_sig_with_userbuf("x", "60", b"ab")) == decode(
        theirs.gen_sig_with_userbuf("x", "60", b"ab")
    )
    for bad in (" 86400", "086400", "8_6400", "+86400", "86400.0", "", "١٢"):
        with pytest.raises(InvalidArgumentError) as e:
            ours.gen_sig("x", bad)
        assert e.value.argument == "expire"
    for data in (b"", b"\x00", b"\xfb\xff", os.urandom(100)):
        enc = base64_encode_url(data)
        assert enc == official_module.base64_encode_url(data)
        assert base64_decode_url(enc.encode()) == official_module.base64_decode_url(enc.encode()) == data
        assert base64_decode_url(enc) == data


# ------------------------------------------------------------ room tickets, userbuf


def test_room_tickets_past_2_pow_32(signer: Signer, verifier: Verifier) -> None:
    now, expire = 3_500_000_000, 1_500_000_000
    ticket = signer.sign_private_map_key("xiaojun", expire, room_id=5, privileges=255, now=now)
    got = verifier.verify_private_map_key("xiaojun", ticket, room_id=5, now=now + expire)
    assert (got.ticket_expires_at, got.expires_at) == (5_000_000_000, 5_000_000_000)
    with pytest.raises(ExpiredError) as e:
        verifier.verify_private_map_key("xiaojun", ticket, room_id=5, now=now + expire + 1)
    assert e.value.expired_at == 5_000_000_000


def test_the_longest_userbuf_signs_and_verifies(signer: Signer, verifier: Verifier) -> None:
    assert usersig.MAX_USERBUF_LEN == 10605
    buf = bytes(range(256)) * (usersig.MAX_USERBUF_LEN // 256) + b"x" * (usersig.MAX_USERBUF_LEN % 256)
    ident = '"' * usersig.MAX_IDENTIFIER_LEN
    sig = signer.sign(ident, userbuf=buf, now=T0)
    assert verifier.verify(ident, sig, userbuf=buf, now=T0).userbuf == buf
    with pytest.raises(InvalidArgumentError) as e:
        signer.sign("u", userbuf=buf + b"!", now=T0)
    assert (e.value.argument, e.value.kind) == ("userbuf", "too_long")
    assert base64.b64encode(b"") == b""
