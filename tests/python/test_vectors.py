"""The shared vectors: sigs made by the official libraries with frozen clocks,
and the official verifiers' verdicts on tampered copies."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any, Optional

import pytest

import usersig
from conftest import load_vectors, userbuf_of
from usersig import (
    AppIdMismatchError,
    Claims,
    ExpiredError,
    IdentifierMismatchError,
    MalformedError,
    SignatureMismatchError,
    Signer,
    UnexpectedUserBufError,
    UserBufMismatchError,
    Verifier,
)

DATA = load_vectors()
VECTORS = DATA["vectors"]
CASES = DATA["verification_cases"]


def decode(sig: str) -> dict[str, Any]:
    """Independent decoder (Python's own base64, zlib and json)."""
    raw = sig.replace("*", "+").replace("-", "/").replace("_", "=")
    doc: dict[str, Any] = json.loads(zlib.decompress(base64.b64decode(raw)))
    return doc


def room_kwargs(v: dict[str, Any]) -> Optional[dict[str, Any]]:
    if v.get("room_id") is not None:
        return {"room_id": v["room_id"]}
    if v.get("room_str") is not None:
        return {"room_str": v["room_str"]}
    return None


def test_the_file_is_what_we_think_it_is() -> None:
    assert len(VECTORS) == DATA["vector_count"] == 43
    assert len(CASES) == DATA["verification_case_count"] == 90


@pytest.mark.parametrize("v", VECTORS, ids=[v["id"] for v in VECTORS])
def test_every_official_sig_verifies_at_its_time(v: dict[str, Any]) -> None:
    verifier = Verifier(v["sdkappid"], v["key"])
    ident, sig, time, expire = v["identifier"], v["usersig"], v["time"], v["expire"]
    buf = userbuf_of(v)
    room = room_kwargs(v)
    for now in (time, time + expire):
        if room is not None:
            p = verifier.verify_private_map_key(ident, sig, now=now, **room)
            fields = v["userbuf_fields"]
            assert p.privileges == v["privilege_map"]
            assert p.ticket_expires_at == fields["expire_at"]
            assert (p.room_id, p.room_str) == (v["room_id"], v["room_str"])
            assert p.userbuf == buf
            got = (p.identifier, p.sdkappid, p.issued_at, p.expire, p.expires_at)
        else:
            c = verifier.verify(ident, sig, userbuf=buf, now=now)
            assert isinstance(c, Claims)
            assert c.userbuf == buf
            got = (c.identifier, c.sdkappid, c.issued_at, c.expire, c.expires_at)
        assert got == (ident, v["sdkappid"], time, expire, time + expire)
    with pytest.raises(ExpiredError) as e:
        verifier.verify(ident, sig, userbuf=buf, now=time + expire + 1)
    assert (e.value.expired_at, e.value.now) == (time + expire, time + expire + 1)
    if buf is not None:
        # A userbuf sig (a room ticket among them) is not a login credential.
        with pytest.raises(UnexpectedUserBufError):
            verifier.verify(ident, sig, now=time)


@pytest.mark.parametrize("v", VECTORS, ids=[v["id"] for v in VECTORS])
def test_inspect_reads_every_official_sig(v: dict[str, Any]) -> None:
    i = usersig.inspect(v["usersig"])
    assert i.json == v["decoded_json_text"]
    assert (i.identifier, i.sdkappid, i.issued_at, i.expire) == (
        v["identifier"],
        v["sdkappid"],
        v["time"],
        v["expire"],
    )
    assert i.expires_at == v["time"] + v["expire"]
    assert i.sig == v["expected_tls_sig"]
    assert i.zlib_header.hex() == v["zlib_header_hex"]
    assert i.userbuf == userbuf_of(v)
    if room_kwargs(v) is not None:
        p = i.private_map_key
        assert p is not None
        f = v["userbuf_fields"]
        assert p.account.encode().hex() == f["account_hex"]
        assert (p.sdkappid, p.expires_at, p.privileges, p.account_type) == (
            f["sdkappid"],
            f["expire_at"],
            f["privilege_map"],
            f["account_type"],
        )
        assert (p.room_id, p.room_str) == (v["room_id"], v["room_str"])
    assert not i.is_expired_at(v["time"] + v["expire"])
    assert i.is_expired_at(v["time"] + v["expire"] + 1)


@pytest.mark.parametrize("compression", ["default", "zlib", "stored"])
@pytest.mark.parametrize("v", VECTORS, ids=[v["id"] for v in VECTORS])
def test_signing_the_same_inputs_gives_the_same_fields_and_mac(
    v: dict[str, Any], compression: str
) -> None:
    signer = Signer(v["sdkappid"], v["key"], compression=compression)  # type: ignore[arg-type]
    ident, time, expire = v["identifier"], v["time"], v["expire"]
    room = room_kwargs(v)
    buf = userbuf_of(v)

    def sign() -> str:
        if room is not None:
            return signer.sign_private_map_key(
                ident, expire, privileges=v["privilege_map"], now=time, **room
            )
        return signer.sign(ident, expire, userbuf=buf, now=time)

    if expire == 0 or expire > usersig.MAX_EXPIRE:
        # The official libraries sign these; no server accepts them. We refuse.
        with pytest.raises(usersig.InvalidArgumentError) as e:
            sign()
        assert e.value.argument == "expire"
        assert e.value.kind == ("zero" if expire == 0 else "too_long")
        return
    ours = decode(sign())
    theirs = json.loads(v["decoded_json_text"])
    assert ours == theirs
    assert ours["TLS.sig"] == v["expected_tls_sig"]
    header = {"default": "789c", "zlib": "789c", "stored": "7801"}[compression]
    assert usersig.inspect(sign()).zlib_header.hex() == header


# Our verdict on each tampered copy: we follow the official Go verifier where
# Go and PHP disagree, except that stripped padding (which carries no
# information) is accepted, as PHP does.
VERDICTS: dict[str, Optional[type[Exception]]] = {
    "untampered, now == TLS.time": None,
    "untampered, now == TLS.time + TLS.expire (boundary)": None,
    "same JSON re-encoded (Python json.dumps, zlib level 9)": None,
    "same bytes in standard base64 alphabet ('+','/','=')": None,
    "padding characters ('_') stripped": None,
    "untampered, now == TLS.time + TLS.expire + 1": ExpiredError,
    "wrong identifier passed to verifier": IdentifierMismatchError,
    "wrong sdkappid passed to verifier": AppIdMismatchError,
    "wrong key passed to verifier": SignatureMismatchError,
    "JSON re-encoded with TLS.expire += 86400, original TLS.sig kept": SignatureMismatchError,
    "JSON re-encoded with TLS.identifier changed, verifier given the new identifier": (
        SignatureMismatchError
    ),
    "JSON re-encoded with TLS.userbuf changed, original TLS.sig kept, verify with the new userbuf": (
        SignatureMismatchError
    ),
    # Strict types (Go refuses it too, as a mismatch).
    "JSON re-encoded with TLS.sdkappid as a JSON string (same value), original TLS.sig kept": (
        MalformedError
    ),
    "one character in the middle of the usersig replaced": MalformedError,
    "usersig truncated to half length": MalformedError,
    "verify WITH a different userbuf": UserBufMismatchError,
    "verify WITHOUT userbuf (plain verify) on a userbuf sig": UnexpectedUserBufError,
}


@pytest.mark.parametrize("c", CASES, ids=[c["id"] for c in CASES])
def test_verification_cases_get_our_documented_verdicts(c: dict[str, Any]) -> None:
    verifier = Verifier(c["sdkappid"], c["key"])
    buf = userbuf_of(c) if "Buf" in c["function"] else None
    expected = VERDICTS[c["tamper"]]
    if expected is None:
        claims = verifier.verify(c["identifier"], c["usersig"], userbuf=buf, now=c["now"])
        assert claims.identifier == c["identifier"]
    else:
        with pytest.raises(expected) as e:
            verifier.verify(c["identifier"], c["usersig"], userbuf=buf, now=c["now"])
        if "sdkappid as a JSON string" in c["tamper"]:
            assert isinstance(e.value, MalformedError)
            assert (e.value.kind, e.value.field) == ("wrong_type", "TLS.sdkappid")
    # Where both official verifiers agree, so do we.
    twin = next(
        o
        for o in CASES
        if o["base_vector"] == c["base_vector"]
        and o["tamper"] == c["tamper"]
        and o["verifier"] != c["verifier"]
    )
    if twin["result"] == c["result"]:
        assert (expected is None) == (c["result"] == "ok")
    # Where they disagree, we side with Go, except on stripped padding.
    elif c["verifier"] == "go-official" and "padding" not in c["tamper"]:
        assert (expected is None) == (c["result"] == "ok")
