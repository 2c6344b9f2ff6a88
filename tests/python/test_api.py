"""The Python API: arguments, results, errors, and what never leaks."""

from __future__ import annotations

from collections.abc import Iterator

import pickle
from typing import Any, Callable

import pytest

import usersig
import usersig.compat
from conftest import DEMO_APP, DEMO_KEY
from usersig import (
    AppIdMismatchError,
    Claims,
    ExpiredError,
    IdentifierMismatchError,
    InvalidArgumentError,
    IssuedInFutureError,
    MalformedError,
    MissingUserBufError,
    Privilege,
    PrivateMapKeyClaims,
    RoomMismatchError,
    SignatureMismatchError,
    Signer,
    UnexpectedUserBufError,
    UserBufMismatchError,
    UserSigError,
    Verifier,
)

T0 = 1_700_000_000
SECRET = "s3cr3t-key-that-must-never-show-up"


@pytest.fixture
def signer() -> Signer:
    return Signer(DEMO_APP, DEMO_KEY)


@pytest.fixture
def verifier() -> Verifier:
    return Verifier(DEMO_APP, DEMO_KEY)


def test_round_trip_and_claims(signer: Signer, verifier: Verifier) -> None:
    sig = signer.sign("xiaojun", 86400, now=T0)
    c = verifier.verify("xiaojun", sig, now=T0 + 10)
    assert (c.identifier, c.sdkappid, c.issued_at, c.expire, c.expires_at, c.userbuf) == (
        "xiaojun",
        DEMO_APP,
        T0,
        86400,
        T0 + 86400,
        None,
    )
    assert repr(c) == (
        "Claims(identifier='xiaojun', sdkappid=1400000000, issued_at=1700000000, "
        "expire=86400, expires_at=1700086400, userbuf=None)"
    )
    # bytes work as well as str, and equal claims are equal and hash alike.
    c2 = verifier.verify("xiaojun", sig.encode(), now=T0 + 10)
    assert c == c2 and hash(c) == hash(c2)
    assert c != verifier.verify("xiaojun", signer.sign("xiaojun", 86401, now=T0), now=T0)


def test_claims_are_read_only(signer: Signer, verifier: Verifier) -> None:
    c = verifier.verify("xiaojun", signer.sign("xiaojun", now=T0), now=T0)
    with pytest.raises(AttributeError):
        c.identifier = "root"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        c.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        Claims()  # type: ignore[call-arg]


def test_default_expire_is_180_days(signer: Signer, verifier: Verifier) -> None:
    assert usersig.DEFAULT_EXPIRE == 180 * 86400
    c = verifier.verify("u", signer.sign("u", now=T0), now=T0)
    assert c.expire == 180 * 86400


def test_the_clock_is_used_when_now_is_omitted(signer: Signer, verifier: Verifier) -> None:
    import time

    before = int(time.time())
    c = verifier.verify("u", signer.sign("u", 60))
    assert before <= c.issued_at <= int(time.time())
    with pytest.raises(ExpiredError):
        verifier.verify("u", signer.sign("u", 60, now=before - 120))


def test_userbuf(signer: Signer, verifier: Verifier) -> None:
    sig = signer.sign("u", 100, userbuf=b"\x00abc", now=T0)
    assert verifier.verify("u", sig, userbuf=b"\x00abc", now=T0).userbuf == b"\x00abc"
    assert verifier.verify("u", sig, userbuf=bytearray(b"\x00abc"), now=T0).userbuf == b"\x00abc"
    with pytest.raises(UserBufMismatchError) as e:
        verifier.verify("u", sig, userbuf=b"abc", now=T0)
    assert type(e.value) is UserBufMismatchError
    with pytest.raises(UnexpectedUserBufError):
        verifier.verify("u", sig, now=T0)
    with pytest.raises(MissingUserBufError):
        verifier.verify("u", signer.sign("u", 100, now=T0), userbuf=b"abc", now=T0)
    # The empty userbuf is kept and signed.
    empty = signer.sign("u", 100, userbuf=b"", now=T0)
    assert verifier.verify("u", empty, userbuf=b"", now=T0).userbuf == b""
    with pytest.raises(TypeError):
        signer.sign("u", 100, userbuf="abc", now=T0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "room",
    [{"room_id": 10000}, {"room_str": "adbjkl"}],
)
def test_private_map_key(signer: Signer, verifier: Verifier, room: dict[str, Any]) -> None:
    priv = Privilege.ENTER_ROOM | Privilege.RECV_AUDIO | Privilege.RECV_VIDEO
    sig = signer.sign_private_map_key("xiaojun", 300, privileges=priv, now=T0, **room)
    p = verifier.verify_private_map_key("xiaojun", sig, now=T0 + 300, **room)
    assert isinstance(p, PrivateMapKeyClaims)
    assert p.privileges == 42 == priv
    assert (p.room_id, p.room_str) == (room.get("room_id"), room.get("room_str"))
    assert (p.issued_at, p.expire, p.expires_at, p.ticket_expires_at) == (
        T0,
        300,
        T0 + 300,
        T0 + 300,
    )
    assert "privileges=42" in repr(p) and "xiaojun" in repr(p)
    with pytest.raises(ExpiredError):
        verifier.verify_private_map_key("xiaojun", sig, now=T0 + 301, **room)
    with pytest.raises(RoomMismatchError) as e:
        verifier.verify_private_map_key("xiaojun", sig, room_id=10001, now=T0)
    assert e.value.expected == 10001
    assert e.value.found == room.get("room_id", room.get("room_str"))
    # The default grants every privilege.
    full = signer.sign_private_map_key("xiaojun", 300, now=T0, **room)
    assert verifier.verify_private_map_key("xiaojun", full, now=T0, **room).privileges == 255


def test_private_map_key_room_arguments(signer: Signer, verifier: Verifier) -> None:
    with pytest.raises(TypeError):
        signer.sign_private_map_key("u", 300, now=T0)
    with pytest.raises(TypeError):
        signer.sign_private_map_key("u", 300, room_id=1, room_str="a", now=T0)
    for bad_id in (0, 4294967295, 2**40):
        with pytest.raises(InvalidArgumentError) as e:
            signer.sign_private_map_key("u", 300, room_id=bad_id, now=T0)
        assert (e.value.argument, e.value.kind) == ("room_id", "out_of_range")
    with pytest.raises(InvalidArgumentError) as e:
        signer.sign_private_map_key("u", 300, room_str="a/b", now=T0)
    assert e.value.argument == "room_str"
    with pytest.raises(InvalidArgumentError) as e:
        signer.sign_private_map_key("u", 300, room_id=1, privileges=256, now=T0)
    assert (e.value.argument, e.value.kind) == ("privileges", "unknown_bits")
    with pytest.raises(MissingUserBufError):
        verifier.verify_private_map_key("u", signer.sign("u", now=T0), room_id=1, now=T0)


def test_error_classes_and_attributes(signer: Signer, verifier: Verifier) -> None:
    sig = signer.sign("xiaojun", 100, now=T0)
    with pytest.raises(IdentifierMismatchError) as e1:
        verifier.verify("bob", sig, now=T0)
    assert (e1.value.expected, e1.value.found) == ("bob", "xiaojun")
    with pytest.raises(AppIdMismatchError) as e2:
        Verifier(DEMO_APP + 1, DEMO_KEY).verify("xiaojun", sig, now=T0)
    assert (e2.value.expected, e2.value.found) == (DEMO_APP + 1, DEMO_APP)
    with pytest.raises(SignatureMismatchError):
        Verifier(DEMO_APP, "another key").verify("xiaojun", sig, now=T0)
    with pytest.raises(ExpiredError) as e3:
        verifier.verify("xiaojun", sig, now=T0 + 101)
    assert (e3.value.expired_at, e3.value.now) == (T0 + 100, T0 + 101)
    with pytest.raises(MalformedError) as e4:
        verifier.verify("xiaojun", "not a sig", now=T0)
    assert e4.value.kind == "invalid_character"
    with pytest.raises(MalformedError) as e5:
        verifier.verify("xiaojun", "", now=T0)
    assert e5.value.kind == "empty"
    for e in (e1, e2, e3, e4, e5):
        assert isinstance(e.value, UserSigError)
        assert isinstance(e.value, ValueError)
        assert e.value.message == str(e.value)


def test_leeway_and_max_future() -> None:
    sig = Signer(DEMO_APP, DEMO_KEY).sign("u", 100, now=T0)
    v = Verifier(DEMO_APP, DEMO_KEY, leeway=30, max_future=60)
    assert (v.leeway, v.max_future) == (30, 60)
    assert v.verify("u", sig, now=T0 + 130).expires_at == T0 + 100
    with pytest.raises(ExpiredError):
        v.verify("u", sig, now=T0 + 131)
    assert v.verify("u", sig, now=T0 - 60).issued_at == T0
    with pytest.raises(IssuedInFutureError) as e:
        v.verify("u", sig, now=T0 - 61)
    assert (e.value.issued_at, e.value.now, e.value.max_future) == (T0, T0 - 61, 60)
    # By default, like the official verifiers, a future TLS.time is accepted.
    assert Verifier(DEMO_APP, DEMO_KEY).verify("u", sig, now=0).issued_at == T0


BAD_INTS: list[tuple[Any, type[Exception], str]] = [
    (True, TypeError, ""),
    (1.0, TypeError, ""),
    ("86400", TypeError, ""),
    ([1], TypeError, ""),
    (-1, InvalidArgumentError, "negative"),
    (2**64, InvalidArgumentError, "too_large"),
]


@pytest.mark.parametrize("value,exc,kind", BAD_INTS)
@pytest.mark.parametrize(
    "argument,call",
    [
        ("expire", lambda s, v, x: s.sign("u", x, now=T0)),
        ("now", lambda s, v, x: s.sign("u", 100, now=x)),
        ("now", lambda s, v, x: v.verify("u", "abc", now=x)),
        ("sdkappid", lambda s, v, x: Signer(x, DEMO_KEY)),
        ("sdkappid", lambda s, v, x: Verifier(x, DEMO_KEY)),
        ("leeway", lambda s, v, x: Verifier(DEMO_APP, DEMO_KEY, leeway=x)),
        ("privileges", lambda s, v, x: s.sign_private_map_key("u", 1, room_id=1, privileges=x)),
    ],
)
def test_numbers_are_strict(
    signer: Signer,
    verifier: Verifier,
    argument: str,
    call: Callable[[Signer, Verifier, Any], Any],
    value: Any,
    exc: type[Exception],
    kind: str,
) -> None:
    with pytest.raises(exc) as e:
        call(signer, verifier, value)
    if isinstance(e.value, InvalidArgumentError):
        assert (e.value.argument, e.value.kind) == (argument, kind)


def test_argument_rules(signer: Signer) -> None:
    cases: list[tuple[Callable[[], Any], str, str]] = [
        (lambda: signer.sign("", now=T0), "identifier", "empty"),
        (lambda: signer.sign("a\nb", now=T0), "identifier", "control_character"),
        (lambda: signer.sign("x" * 1025, now=T0), "identifier", "too_long"),
        (lambda: signer.sign("u", 0, now=T0), "expire", "zero"),
        (lambda: signer.sign("u", usersig.MAX_EXPIRE + 1, now=T0), "expire", "too_long"),
        (lambda: signer.sign("u", 1, now=2**64 - 1), "now", "overflow"),
        (lambda: signer.sign("u", userbuf=b"x" * (usersig.MAX_USERBUF_LEN + 1), now=T0), "userbuf", "too_long"),
        (lambda: Signer(0, DEMO_KEY), "sdkappid", "zero"),
        (lambda: Signer(2**32, DEMO_KEY), "sdkappid", "too_large"),
        (lambda: Signer(1, ""), "key", "empty"),
        (lambda: Signer(1, b""), "key", "empty"),
        (lambda: Signer(1, "k", compression="best"), "compression", "unknown"),  # type: ignore[arg-type]
    ]
    for call, argument, kind in cases:
        with pytest.raises(InvalidArgumentError) as e:
            call()
        assert (e.value.argument, e.value.kind) == (argument, kind), e.value
    with pytest.raises(TypeError):
        signer.sign(123, now=T0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Signer(1, 12345)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Verifier(DEMO_APP, DEMO_KEY).verify("u", 123)  # type: ignore[arg-type]


def test_bytes_and_str_keys_are_the_same_key() -> None:
    a = Signer(DEMO_APP, DEMO_KEY).sign("u", 100, now=T0)
    b = Signer(DEMO_APP, DEMO_KEY.encode()).sign("u", 100, now=T0)
    assert a == b
    # The console key is used as text, not hex-decoded.
    c = Signer(DEMO_APP, bytes.fromhex(DEMO_KEY)).sign("u", 100, now=T0)
    with pytest.raises(SignatureMismatchError):
        Verifier(DEMO_APP, DEMO_KEY).verify("u", c, now=T0)


def test_keys_never_in_a_repr_or_an_exception() -> None:
    s = Signer(DEMO_APP, SECRET, compression="stored")
    v = Verifier(DEMO_APP, SECRET)
    assert repr(s) == "Signer(sdkappid=1400000000, compression='stored')"
    assert repr(v) == "Verifier(sdkappid=1400000000, leeway=0, max_future=None)"
    texts = [repr(s), str(s), repr(v), str(v), repr(usersig.compat.TLSSigAPIv2(DEMO_APP, SECRET))]
    sig = s.sign("u", 100, now=T0)
    failures: list[Callable[[], Any]] = [
        lambda: Verifier(DEMO_APP, SECRET + "x").verify("u", sig, now=T0),
        lambda: v.verify("w", sig, now=T0),
        lambda: v.verify("u", sig, now=T0 + 101),
        lambda: v.verify("u", sig[:-8], now=T0),
        lambda: s.sign("", now=T0),
        lambda: Signer(0, SECRET),
        lambda: Signer(DEMO_APP, SECRET + "\udc80"),
        lambda: Signer(DEMO_APP, SECRET, compression="x"),  # type: ignore[arg-type]
    ]
    for f in failures:
        with pytest.raises(Exception) as e:
            f()
        texts += [str(e.value), repr(e.value), repr(vars(e.value)), repr(e.value.args)]
        texts.append(repr(e.value.__cause__) + repr(e.value.__context__))
    for t in texts:
        assert SECRET not in t
        assert "s3cr3t" not in t
    with pytest.raises(TypeError):
        pickle.dumps(s)
    with pytest.raises(TypeError):
        pickle.dumps(v)


def test_exceptions_pickle_with_their_attributes(verifier: Verifier, signer: Signer) -> None:
    sig = signer.sign("xiaojun", 100, now=T0)
    with pytest.raises(ExpiredError) as e:
        verifier.verify("xiaojun", sig, now=T0 + 200)
    back = pickle.loads(pickle.dumps(e.value))
    assert type(back) is ExpiredError
    assert (back.expired_at, back.now, back.message, str(back)) == (
        T0 + 100,
        T0 + 200,
        e.value.message,
        str(e.value),
    )


def test_sign_many_and_verify_many(signer: Signer, verifier: Verifier) -> None:
    ids = [f"user{i}" for i in range(100)]
    sigs = signer.sign_many(ids, 3600, now=T0)
    assert sigs == [signer.sign(i, 3600, now=T0) for i in ids]
    assert signer.sign_many(iter(["a"]), now=T0) == [signer.sign("a", now=T0)]
    assert signer.sign_many([], now=T0) == []
    results = verifier.verify_many(list(zip(ids, sigs)) + [("other", sigs[0])], now=T0)
    assert [r.identifier for r in results[:-1]] == ids  # type: ignore[union-attr]
    assert isinstance(results[-1], IdentifierMismatchError)
    assert results[-1].found == "user0"
    expired = verifier.verify_many([(ids[0], sigs[0])], now=T0 + 3601)
    assert isinstance(expired[0], ExpiredError)
    with pytest.raises(InvalidArgumentError) as e:
        signer.sign_many(["a", "b", "", "d"], now=T0)
    assert (e.value.index, e.value.argument, e.value.kind) == (2, "identifier", "empty")
    with pytest.raises(TypeError):
        signer.sign_many("abc", now=T0)
    with pytest.raises(TypeError):
        signer.sign_many(["a", 1], now=T0)  # type: ignore[list-item]
    with pytest.raises(TypeError):
        verifier.verify_many([("a",)], now=T0)  # type: ignore[list-item]
    with pytest.raises(TypeError):
        verifier.verify_many([("a", 1)], now=T0)  # type: ignore[list-item]


def test_many_calls_read_their_items_in_place_and_keep_the_order(
    signer: Signer, verifier: Verifier
) -> None:
    # The batch calls borrow each str and bytes while the GIL is released:
    # str and bytes sigs, shared and distinct objects, all in order.
    ids = ["".join(["user", str(i)]) for i in range(50)]
    sigs = signer.sign_many(ids, 3600, now=T0)
    mixed = [(i, s if n % 2 else s.encode()) for n, (i, s) in enumerate(zip(ids, sigs))]
    results = verifier.verify_many(mixed + mixed[:3], now=T0)
    assert [r.identifier for r in results] == ids + ids[:3]  # type: ignore[union-attr]
    # A str with no UTF-8 form fails like sign() does, naming its position.
    with pytest.raises(UnicodeEncodeError) as e:
        signer.sign_many(["a", "b", "c\udc80"], now=T0)
    assert e.value.index == 2  # type: ignore[attr-defined]
    with pytest.raises(UnicodeEncodeError):
        signer.sign("c\udc80", now=T0)
    with pytest.raises(UnicodeEncodeError) as e:
        verifier.verify_many([(ids[0], sigs[0]), ("a\udc80", sigs[0])], now=T0)
    assert e.value.index == 1  # type: ignore[attr-defined]
    # Items are checked in order and the first bad one decides, before any
    # later item is read.
    with pytest.raises(UnicodeEncodeError):
        signer.sign_many(["\udc80", 1], now=T0)  # type: ignore[list-item]
    with pytest.raises(UnicodeEncodeError):
        verifier.verify_many([("a\udc80", sigs[0]), ("b", 1)], now=T0)  # type: ignore[list-item]

    def items() -> Iterator[str]:
        yield "\udc80"
        raise AssertionError("read past the first bad item")

    with pytest.raises(UnicodeEncodeError):
        signer.sign_many(items(), now=T0)


def test_inspect(signer: Signer) -> None:
    sig = signer.sign_private_map_key("xiaojun", 300, room_str="r1", privileges=3, now=T0)
    i = usersig.inspect(sig)
    assert (i.version, i.identifier, i.sdkappid, i.issued_at, i.expire, i.expires_at) == (
        "2.0",
        "xiaojun",
        DEMO_APP,
        T0,
        300,
        T0 + 300,
    )
    assert i.zlib_header == b"\x78\x9c" and "default" in i.compression
    p = i.private_map_key
    assert p is not None
    assert (p.account, p.room_id, p.room_str, p.privileges, p.expires_at) == (
        "xiaojun",
        None,
        "r1",
        3,
        T0 + 300,
    )
    assert i.sig not in repr(i)
    plain = usersig.inspect(signer.sign("u", now=T0))
    assert plain.userbuf is None and plain.private_map_key is None
    with pytest.raises(MalformedError):
        usersig.inspect("eJy")


def test_privilege_flag() -> None:
    assert Privilege.ALL == 255
    assert int(Privilege.ENTER_ROOM | Privilege.SEND_AUDIO) == 6
    assert Privilege(42) == Privilege.ENTER_ROOM | Privilege.RECV_AUDIO | Privilege.RECV_VIDEO


def test_public_names() -> None:
    for name in usersig.__all__:
        assert hasattr(usersig, name), name
    assert usersig.__version__ == "0.1.0"
    assert usersig.Signer.__module__ == "usersig"
