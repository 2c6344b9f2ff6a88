"""usersig.compat.TLSSigAPIv2: the second API generation against the vectors
made by the official repository's class, and the added verify methods."""

from __future__ import annotations

import base64
import json
import time
import zlib
from typing import Any

import pytest

from conftest import DEMO_APP, DEMO_KEY, load_vectors
from usersig import (
    Claims,
    ExpiredError,
    InvalidArgumentError,
    PrivateMapKeyClaims,
    RoomMismatchError,
    SignatureMismatchError,
    UnexpectedUserBufError,
)
from usersig.compat import TLSSigAPIv2

GEN2 = [
    v
    for v in load_vectors()["vectors"]
    if v["source"] == "python-official-github"
    or v["function"] in ("genUserSig", "genPrivateMapKey", "genPrivateMapKeyWithStringRoomID")
]


def decode(sig: str) -> dict[str, Any]:
    raw = sig.replace("*", "+").replace("-", "/").replace("_", "=")
    doc: dict[str, Any] = json.loads(zlib.decompress(base64.b64decode(raw)))
    return doc


@pytest.mark.parametrize("v", GEN2, ids=[v["id"] for v in GEN2])
def test_second_generation_matches_the_vectors(
    v: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "time", lambda: v["time"] + 0.75)
    api = TLSSigAPIv2(v["sdkappid"], v["key"])
    if v["function"] == "genUserSig":
        if v["expire"] > 1_577_880_000:
            with pytest.raises(InvalidArgumentError):
                api.genUserSig(v["identifier"], v["expire"])
            return
        sig = api.genUserSig(v["identifier"], v["expire"])
    elif v["function"] == "genPrivateMapKey":
        sig = api.genPrivateMapKey(v["identifier"], v["expire"], v["room_id"], v["privilege_map"])
    else:
        sig = api.genPrivateMapKeyWithStringRoomID(
            v["identifier"], v["expire"], v["room_str"], v["privilege_map"]
        )
    assert decode(sig) == json.loads(v["decoded_json_text"])


def test_official_argument_names_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    api = TLSSigAPIv2(DEMO_APP, DEMO_KEY)
    a = api.genUserSig(userid="xiaojun")
    b = api.genPrivateMapKey(userid="xiaojun", expire=300, roomid=10000, privilegeMap=255)
    c = api.genPrivateMapKeyWithStringRoomID(
        userid="xiaojun", expire=300, roomstr="adbjkl", privilegeMap=42
    )
    assert decode(a)["TLS.expire"] == 180 * 86400
    assert decode(a) == decode(api.gen_sig(identifier="xiaojun"))
    assert isinstance(api.verifyUserSig("xiaojun", a), Claims)
    p = api.verifyPrivateMapKey("xiaojun", b, 10000)
    assert isinstance(p, PrivateMapKeyClaims) and p.room_id == 10000
    q = api.verifyPrivateMapKeyWithStringRoomID("xiaojun", c, "adbjkl")
    assert (q.room_str, q.privileges) == ("adbjkl", 42)
    with pytest.raises(RoomMismatchError):
        api.verifyPrivateMapKey("xiaojun", b, 10001)
    with pytest.raises(UnexpectedUserBufError):
        api.verifyUserSig("xiaojun", b)


def test_verify_methods(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    api = TLSSigAPIv2(DEMO_APP, DEMO_KEY)
    sig = api.gen_sig("xiaojun", 60)
    assert api.verify_sig("xiaojun", sig).expires_at == 1_700_000_060
    assert api.verify_sig(identifier="xiaojun", sig=sig, now=1_700_000_060).issued_at == 1_700_000_000
    with pytest.raises(ExpiredError):
        api.verify_sig("xiaojun", sig, now=1_700_000_061)
    # The frozen clock applies to the verify methods too.
    monkeypatch.setattr(time, "time", lambda: 1_700_000_061.0)
    with pytest.raises(ExpiredError):
        api.verifyUserSig("xiaojun", sig)
    buf = api.gen_sig_with_userbuf("xiaojun", 60, b"abc")
    assert api.verify_sig_with_userbuf("xiaojun", buf, b"abc", now=1_700_000_000).userbuf == b"abc"
    assert api.verifyUserSigWithUserBuf("xiaojun", buf, b"abc", now=1_700_000_000).userbuf == b"abc"
    with pytest.raises(SignatureMismatchError):
        TLSSigAPIv2(DEMO_APP, "other").verify_sig("xiaojun", sig, now=1_700_000_000)


def test_validation_the_official_class_lacks() -> None:
    api = TLSSigAPIv2(DEMO_APP, DEMO_KEY)
    with pytest.raises(InvalidArgumentError):
        api.gen_sig("")
    with pytest.raises(InvalidArgumentError):
        api.gen_sig("u", -1)
    with pytest.raises(TypeError):
        api.gen_sig("u", 86400.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        api.gen_sig(True)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        api.genPrivateMapKey("u", 300, 10000, 256)
    with pytest.raises(InvalidArgumentError):
        TLSSigAPIv2(DEMO_APP, "")
    with pytest.raises(TypeError):
        TLSSigAPIv2("14e8", DEMO_KEY)
    assert "5bd2850f" not in repr(api)
    assert not hasattr(api, "__dict__")
