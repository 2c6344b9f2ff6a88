"""Differential test against the official library (PyPI tls-sig-api-v2 1.1),
with its clock frozen: its sigs verify with ours, and ours decode to the same
fields and the same TLS.sig as its own."""

from __future__ import annotations

import base64
import inspect as pyinspect
import json
import random
import time
import zlib
from typing import Any, Optional

import pytest

import usersig
from usersig import Signer, Verifier
from usersig.compat import TLSSigAPIv2 as Compat

# A test dependency (pip install "./python[test]"), not optional: a missing
# official library must fail the run, not skip the comparison.
from TLSSigAPIv2 import TLSSigAPIv2 as Official  # noqa: E402

KEYS = [
    "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e",
    "short",
    "ключ-密钥-🔑",
]
IDENTS = ["xiaojun", "user_001", "1234567890", "a+b/c=d", "hello world", "张三", "😀emoji",
          'quote"back\\slash', "x" * 200]


def decode(sig: str) -> dict[str, Any]:
    raw = sig.replace("*", "+").replace("-", "/").replace("_", "=")
    doc: dict[str, Any] = json.loads(zlib.decompress(base64.b64decode(raw)))
    return doc


def cases(n: int = 300) -> list[tuple[int, str, str, int, int, Optional[bytes]]]:
    rng = random.Random(20240601)
    out = []
    for _ in range(n):
        app = rng.choice([1400000000, 1, 2**32 - 1, rng.randrange(1, 2**32)])
        key = rng.choice(KEYS)
        ident = rng.choice(IDENTS)
        expire = rng.choice([1, 86400, 180 * 86400, usersig.MAX_EXPIRE, rng.randrange(1, 10**9)])
        now = rng.choice([0, 1_700_000_000, rng.randrange(0, 2**32)])
        buf = rng.choice([None, b"", b"abc", bytes(rng.randrange(256) for _ in range(40))])
        out.append((app, key, ident, expire, now, buf))
    return out


@pytest.fixture
def freeze(monkeypatch: pytest.MonkeyPatch) -> Any:
    def at(now: int) -> None:
        # The official library reads time.time(); so does usersig.compat.
        monkeypatch.setattr(time, "time", lambda: float(now))

    return at


@pytest.mark.parametrize("case", cases(), ids=lambda c: f"{c[0]}-{c[3]}-{c[4]}")
def test_official_sigs_verify_and_ours_match(freeze: Any, case: tuple[Any, ...]) -> None:
    app, key, ident, expire, now, buf = case
    freeze(now)
    api = Official(app, key)
    theirs = api.gen_sig(ident, expire) if buf is None else api.gen_sig_with_userbuf(ident, expire, buf)

    # Theirs verifies with ours, at its time and at its last valid second.
    v = Verifier(app, key)
    for at in (now, now + expire):
        c = v.verify(ident, theirs, userbuf=buf, now=at)
        assert (c.identifier, c.sdkappid, c.issued_at, c.expire, c.userbuf) == (
            ident, app, now, expire, buf,
        )
    with pytest.raises(usersig.ExpiredError):
        v.verify(ident, theirs, userbuf=buf, now=now + expire + 1)

    # Ours (native API and drop-in, same frozen clock) decode to the same fields.
    ours = Signer(app, key).sign(ident, expire, userbuf=buf, now=now)
    compat = Compat(app, key)
    dropin = compat.gen_sig(ident, expire) if buf is None else compat.gen_sig_with_userbuf(ident, expire, buf)
    expected = decode(theirs)
    assert decode(ours) == expected
    assert decode(dropin) == expected
    assert decode(ours)["TLS.sig"] == expected["TLS.sig"]


def test_default_expire_matches(freeze: Any) -> None:
    freeze(1_700_000_000)
    key = KEYS[0]
    theirs = decode(Official(1400000000, key).gen_sig("xiaojun"))
    assert decode(Compat(1400000000, key).gen_sig("xiaojun")) == theirs
    assert decode(Compat(1400000000, key).genUserSig("xiaojun")) == theirs
    assert decode(Signer(1400000000, key).sign("xiaojun", now=1_700_000_000)) == theirs
    assert theirs["TLS.expire"] == 180 * 86400


def test_dropin_accepts_what_the_official_class_is_called_with(freeze: Any) -> None:
    freeze(1_650_000_000)
    key = KEYS[0]
    # sdkappid from an environment variable, an int UserID, keyword arguments.
    theirs = decode(Official("1400000000", key).gen_sig(12345, expire=600))
    assert decode(Compat("1400000000", key).gen_sig(12345, expire=600)) == theirs
    theirs_buf = decode(Official(1400000000, key).gen_sig_with_userbuf(
        identifier="u", expire=60, userbuf=bytearray(b"ab")))
    assert decode(Compat(1400000000, key).gen_sig_with_userbuf(
        identifier="u", expire=60, userbuf=bytearray(b"ab"))) == theirs_buf


@pytest.mark.parametrize("name", ["gen_sig", "gen_sig_with_userbuf"])
def test_same_signatures_as_the_official_methods(name: str) -> None:
    assert pyinspect.signature(getattr(Compat, name)).parameters.keys() == (
        pyinspect.signature(getattr(Official, name)).parameters.keys()
    )
    for p_ours, p_theirs in zip(
        pyinspect.signature(getattr(Compat, name)).parameters.values(),
        pyinspect.signature(getattr(Official, name)).parameters.values(),
    ):
        assert p_ours.default == p_theirs.default, p_ours
        assert p_ours.kind == p_theirs.kind, p_ours
