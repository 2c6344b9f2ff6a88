"""A drop-in for the official ``TLSSigAPIv2`` class (PyPI ``tls-sig-api-v2``).

Replace ``from TLSSigAPIv2 import TLSSigAPIv2`` with
``from usersig.compat import TLSSigAPIv2``: both generations of the official
API keep their names, argument names and defaults, and produce sigs that
decode to the same fields and the same ``TLS.sig`` as the official library.

Differences, all deliberate:

* arguments are validated: an empty UserID, a lifetime of 0 or over 50 years,
  an empty key, a negative or ``float`` number, a privilege map above 255 or
  a room id out of TRTC's range raise :class:`usersig.InvalidArgumentError`
  or ``TypeError`` instead of producing a sig no server accepts;
* a non-ASCII UserID in a PrivateMapKey is encoded as UTF-8 (like the
  official Go and PHP libraries), not mangled;
* nothing is printed (the official ``genPrivateMapKey`` prints the userbuf);
* the verify methods the official class lacks are added: they return
  :class:`usersig.Claims` (or :class:`usersig.PrivateMapKeyClaims`) and raise
  a :class:`usersig.UserSigError` subclass on failure.

Like the official class, it reads the clock with ``time.time()`` at each
call, so tests that freeze ``time.time`` (monkeypatch, freezegun) freeze it
here too. As in the official class, ``sdkappid`` may be given as a string of
digits, a UserID as an ``int``, and a lifetime as a string of digits (such as
one read from an environment variable: ``gen_sig("x", "86400")``); they are
converted with ``int()`` / ``str()``, with the official result. A lifetime
string the official class would sign differently from what it stores
(``" 86400"``, ``"086400"``, ``"8_6400"``: it signs the text and stores
``int()`` of it, so its sig verifies nowhere) raises
:class:`usersig.InvalidArgumentError`.

The module's ``base64_encode_url`` and ``base64_decode_url`` are the
official module's functions of those names: standard base64 with ``+``,
``/`` and ``=`` written as ``*``, ``-`` and ``_``.
"""

from __future__ import annotations

import base64
import time
from typing import Any, Optional, Union

from usersig._native import Claims, PrivateMapKeyClaims, Signer, Verifier
from usersig.exceptions import InvalidArgumentError

__all__ = ["TLSSigAPIv2", "base64_decode_url", "base64_encode_url"]


def base64_encode_url(data: bytes) -> str:
    """Standard base64 of ``data`` with ``+/=`` written as ``*-_``, as the official module."""
    return base64.b64encode(data).decode().replace("+", "*").replace("/", "-").replace("=", "_")


def base64_decode_url(base64_data: Union[bytes, str]) -> bytes:
    """Undoes :func:`base64_encode_url`, as the official module (which takes ``bytes``)."""
    text = base64_data.decode() if isinstance(base64_data, (bytes, bytearray)) else base64_data
    if not isinstance(text, str):
        raise TypeError(f"base64_data must be bytes or str, not {type(base64_data).__name__}")
    return base64.b64decode(text.replace("*", "+").replace("-", "/").replace("_", "="))


def _expire(value: Any) -> Any:
    # The official class signs str(expire) and stores int(expire): a string
    # of digits (from an environment variable) gives the same sig as its int.
    if isinstance(value, str):
        if value.isascii() and value.isdigit() and (value == "0" or not value.startswith("0")):
            return int(value)
        raise InvalidArgumentError(
            "invalid argument: expire must be an int or a string of decimal digits "
            "without sign, spaces or leading zeros",
            argument="expire",
            kind="not_a_number",
        )
    return value

_DEFAULT_EXPIRE = 180 * 86400


def _userid(value: Any) -> str:
    # The official class signs str(identifier); an int UserID is common.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"identifier must be str or int, not {type(value).__name__}")
    return value


def _now() -> int:
    # The official class signs int(time.time()); read it the same way.
    return int(time.time())


def _clock(now: Optional[int]) -> int:
    return _now() if now is None else now


def _sdkappid(value: Any) -> Any:
    # The official class accepts "1400000000" (str(sdkappid) is signed,
    # int(sdkappid) stored), as read from an environment variable.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return value


class TLSSigAPIv2:
    """Issues (and verifies) UserSigs for one SDKAppID, official API names."""

    __slots__ = ("_signer", "_verifier")

    def __init__(self, sdkappid: Union[int, str], key: Union[str, bytes]) -> None:
        app = _sdkappid(sdkappid)
        self._signer = Signer(app, key)
        self._verifier = Verifier(app, key)

    def __repr__(self) -> str:
        return f"TLSSigAPIv2(sdkappid={self._signer.sdkappid})"

    # First generation (PyPI tls-sig-api-v2 1.1).

    def gen_sig(self, identifier: Union[str, int], expire: Union[int, str] = _DEFAULT_EXPIRE) -> str:
        """A UserSig for ``identifier``, valid ``expire`` seconds (default 180 days)."""
        return self._signer.sign(_userid(identifier), _expire(expire), now=_now())

    def gen_sig_with_userbuf(
        self, identifier: Union[str, int], expire: Union[int, str], userbuf: Union[bytes, bytearray]
    ) -> str:
        """A UserSig carrying ``userbuf``."""
        return self._signer.sign(
            _userid(identifier), _expire(expire), userbuf=userbuf, now=_now()
        )

    # Second generation (the official repository).

    def genUserSig(self, userid: Union[str, int], expire: Union[int, str] = _DEFAULT_EXPIRE) -> str:  # noqa: N802
        """A UserSig for ``userid``, valid ``expire`` seconds (default 180 days)."""
        return self._signer.sign(_userid(userid), _expire(expire), now=_now())

    def genPrivateMapKey(  # noqa: N802
        self, userid: Union[str, int], expire: Union[int, str], roomid: int, privilegeMap: int  # noqa: N803
    ) -> str:
        """A PrivateMapKey for numeric room ``roomid`` with ``privilegeMap`` (255: all)."""
        return self._signer.sign_private_map_key(
            _userid(userid), _expire(expire), room_id=roomid, privileges=privilegeMap, now=_now()
        )

    def genPrivateMapKeyWithStringRoomID(  # noqa: N802
        self, userid: Union[str, int], expire: Union[int, str], roomstr: str, privilegeMap: int  # noqa: N803
    ) -> str:
        """A PrivateMapKey for string room ``roomstr`` with ``privilegeMap`` (255: all)."""
        return self._signer.sign_private_map_key(
            _userid(userid), _expire(expire), room_str=roomstr, privileges=privilegeMap, now=_now()
        )

    # Verification, which the official Python class lacks. Each raises a
    # usersig.UserSigError subclass on failure.

    def verify_sig(
        self, identifier: Union[str, int], sig: Union[str, bytes], now: Optional[int] = None
    ) -> Claims:
        """Verifies a UserSig without userbuf for ``identifier``."""
        return self._verifier.verify(_userid(identifier), sig, now=_clock(now))

    def verify_sig_with_userbuf(
        self,
        identifier: Union[str, int],
        sig: Union[str, bytes],
        userbuf: Union[bytes, bytearray],
        now: Optional[int] = None,
    ) -> Claims:
        """Verifies a UserSig that must carry exactly ``userbuf``."""
        return self._verifier.verify(_userid(identifier), sig, userbuf=userbuf, now=_clock(now))

    def verifyUserSig(  # noqa: N802
        self, userid: Union[str, int], usersig: Union[str, bytes], now: Optional[int] = None
    ) -> Claims:
        """Verifies a UserSig without userbuf for ``userid``."""
        return self._verifier.verify(_userid(userid), usersig, now=_clock(now))

    def verifyUserSigWithUserBuf(  # noqa: N802
        self,
        userid: Union[str, int],
        usersig: Union[str, bytes],
        userbuf: Union[bytes, bytearray],
        now: Optional[int] = None,
    ) -> Claims:
        """Verifies a UserSig that must carry exactly ``userbuf``."""
        return self._verifier.verify(_userid(userid), usersig, userbuf=userbuf, now=_clock(now))

    def verifyPrivateMapKey(  # noqa: N802
        self,
        userid: Union[str, int],
        usersig: Union[str, bytes],
        roomid: int,
        now: Optional[int] = None,
    ) -> PrivateMapKeyClaims:
        """Verifies a PrivateMapKey for ``userid`` and numeric room ``roomid``."""
        return self._verifier.verify_private_map_key(
            _userid(userid), usersig, room_id=roomid, now=_clock(now)
        )

    def verifyPrivateMapKeyWithStringRoomID(  # noqa: N802
        self,
        userid: Union[str, int],
        usersig: Union[str, bytes],
        roomstr: str,
        now: Optional[int] = None,
    ) -> PrivateMapKeyClaims:
        """Verifies a PrivateMapKey for ``userid`` and string room ``roomstr``."""
        return self._verifier.verify_private_map_key(
            _userid(userid), usersig, room_str=roomstr, now=_clock(now)
        )
