"""Tencent IM webhooks and UserSig issuance where backends live.

The framework-agnostic core of the web adapters; it imports no web framework.

- :func:`verify_callback` checks a callback (webhook) from IM, its query and
  its body together, and returns a :class:`Callback`; every refusal raises
  :class:`~usersig.exceptions.CallbackError` (a ``UserSigError``) naming the
  check that failed. :func:`refusal` gives the HTTP status and Tencent's
  ``FAIL`` body to answer a refused callback with; :data:`OK_REPLY` is the
  body to answer a handled one with.
- :func:`issue_usersig` answers the usual ``POST /usersig`` endpoint: an
  :class:`Issuance` whose JSON is ``{sdkAppId, userId, userSig, expireAt}``,
  sent with ``Cache-Control: no-store``.

Adapters, each imported only when its framework is installed:
``usersig.web.fastapi`` (a dependency and a route class),
``usersig.web.starlette`` (an endpoint decorator), ``usersig.web.flask``
(a view decorator) and ``usersig.web.django`` (a CSRF-exempt view decorator).

>>> from usersig.login import CallbackVerifier, sign
>>> verifier = CallbackVerifier("xxxxyyyy", sdkappid=1400000000)
>>> query = ("SdkAppid=1400000000&CallbackCommand=State.StateChange&contenttype=json"
...          "&ClientIP=10.0.0.1&OptPlatform=Web&RequestTime=1700000000&Sign="
...          + sign("xxxxyyyy", 1700000000))
>>> body = (b'{"CallbackCommand":"State.StateChange","EventTime":1700000000000,'
...         b'"Info":{"Action":"Login","To_Account":"alice","Reason":"Register"}}')
>>> callback = verify_callback(verifier, query, body, now=1700000010)
>>> callback.command, callback.client_ip, callback.platform
('State.StateChange', '10.0.0.1', 'Web')
>>> callback.state_change.account, callback.state_change.action
('alice', 'Login')
>>> try:
...     verify_callback(verifier, query, body, now=1700000100)
... except CallbackError as e:
...     print(e.kind, refusal(e))
stale Refusal(status=401, body='{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"stale"}')
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Optional, Union

from usersig._native import (
    CALLBACK_MAX_BODY_LEN,
    CALLBACK_MAX_QUERY_LEN,
    CALLBACK_OK_REPLY,
    CallbackVerifier,
    Signer,
    StateChange,
)
from usersig._native import fail_reply as _fail_reply
from usersig.exceptions import CallbackError

__all__ = [
    "CONTENT_TYPE",
    "DEFAULT_ISSUE_EXPIRE",
    "FAIL_CODE",
    "ISSUANCE_HEADERS",
    "MAX_BODY_LEN",
    "MAX_QUERY_LEN",
    "OK_REPLY",
    "STATE_CHANGE",
    "Callback",
    "CallbackError",
    "Issuance",
    "Refusal",
    "body_too_large",
    "issue_usersig",
    "refusal",
    "verify_callback",
]

#: The ``CallbackCommand`` of login, logout and disconnect callbacks.
STATE_CHANGE = "State.StateChange"

#: The largest callback body read, in bytes (1 MiB); adapters stop reading
#: past it and refuse with ``body_too_large`` (HTTP 413).
MAX_BODY_LEN: int = CALLBACK_MAX_BODY_LEN

#: The longest callback query read, in bytes (8 KiB).
MAX_QUERY_LEN: int = CALLBACK_MAX_QUERY_LEN

#: The body to answer a handled callback with:
#: ``{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}``.
OK_REPLY: str = CALLBACK_OK_REPLY

#: The ``ErrorCode`` of the ``FAIL`` body a refused callback is answered with.
FAIL_CODE = 1

#: The content type of every answer here.
CONTENT_TYPE = "application/json"

#: The headers an issued UserSig is sent with: a credential is never cached.
ISSUANCE_HEADERS: dict[str, str] = {"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"}

#: The lifetime :func:`issue_usersig` gives a UserSig when none is asked for:
#: one day (Tencent recommends at least a day; the SDK needs a new one after).
DEFAULT_ISSUE_EXPIRE = 86400

# Refusals that mean the sender did not prove it is IM for this app.
_UNAUTHENTICATED = frozenset({"bad_signature", "stale", "app_id_mismatch"})
_AUTH_PARAMETERS = frozenset({"Sign", "RequestTime"})


@dataclass(frozen=True)
class Callback:
    """A verified callback from IM.

    ``command`` (``CallbackCommand``), ``sdkappid``, ``request_time``
    (``RequestTime``, unix seconds, or None for an app without a callback
    token), ``client_ip`` (``ClientIP``), ``platform`` (``OptPlatform``:
    ``Web``, ``Android``, ``iOS``, ``RESTAPI``...), ``body`` (the JSON
    object, as a ``dict``), ``state_change`` (the typed
    :class:`~usersig.login.StateChange` for ``State.StateChange``, else
    None) and ``signed`` (whether ``Sign`` was checked).

    Tencent's ``Sign`` covers only the token and ``RequestTime``: the other
    fields are what the sender claims.
    """

    command: str
    sdkappid: int
    request_time: Optional[int]
    client_ip: Optional[str]
    platform: Optional[str]
    body: dict[str, Any] = field(repr=False)
    state_change: Optional[StateChange]
    signed: bool


class Refusal(NamedTuple):
    """How to answer a refused callback: the HTTP ``status`` (401 when the
    sender did not authenticate, 413 for a body over the cap, 400 for the
    rest) and Tencent's ``FAIL`` ``body``, sent as ``application/json``."""

    status: int
    body: str


def body_too_large(length: int) -> CallbackError:
    """The :class:`CallbackError` for a body of at least ``length`` bytes,
    over :data:`MAX_BODY_LEN` (for adapters that stop reading at the cap)."""
    return CallbackError(
        f"the body is at least {length} bytes long, the maximum is {MAX_BODY_LEN}",
        kind="body_too_large",
    )


def _declared_length(header: Optional[str]) -> Optional[int]:
    """A ``Content-Length`` header's value as a number, or None when there
    is none or it is not ASCII digits (``"\u00b2".isdigit()`` is true, but
    ``int()`` refuses it): adapters then read at most the cap."""
    if header and header.isascii() and header.isdigit():
        return int(header)
    return None


def _body_bytes(body: object) -> Union[bytes, bytearray, str]:
    if isinstance(body, (bytes, bytearray, str)):
        return body
    if isinstance(body, memoryview):
        if body.nbytes > MAX_BODY_LEN:
            raise body_too_large(body.nbytes)
        return body.tobytes()
    raise TypeError(f"body must be bytes, bytearray, memoryview or str, not {type(body).__name__}")


def verify_callback(
    verifier: CallbackVerifier,
    query: Union[str, bytes],
    body: Union[bytes, bytearray, memoryview, str],
    *,
    now: Optional[int] = None,
) -> Callback:
    """Checks a callback from IM and returns it as a :class:`Callback`.

    ``query`` is the request's query string as received (``str`` or
    ``bytes``, percent-encoded, with or without ``?``) or the whole URL;
    ``body`` the request body. In order: the query (at most 8 KiB; each of
    IM's parameters at most once), ``Sign`` and a ``RequestTime`` within the
    verifier's ``max_skew`` of ``now`` (default: the clock) when the
    verifier has a token, the ``SdkAppid`` when the verifier names one, then
    the body: at most 1 MiB, a JSON object whose ``CallbackCommand`` is the
    query's, and for ``State.StateChange`` the fields Tencent documents.

    Raises :class:`~usersig.exceptions.CallbackError` (a ``UserSigError``)
    whose ``kind`` names the first check that failed (``"bad_signature"``,
    ``"stale"``, ``"app_id_mismatch"``, ``"missing"``, ``"malformed"``,
    ``"body"``, ``"command_mismatch"``, ``"body_too_large"``...); pass it
    to :func:`refusal` for the answer. ``TypeError`` for a verifier, query or
    body of the wrong type.
    """
    if not isinstance(verifier, CallbackVerifier):
        raise TypeError(
            f"verifier must be a usersig.login.CallbackVerifier, not {type(verifier).__name__}"
        )
    raw = _body_bytes(body)
    checked = verifier.verify_query(query, now=now)
    fields = checked.parse_body(raw)
    change = StateChange.parse(raw) if checked.command == STATE_CHANGE else None
    return Callback(
        command=checked.command,
        sdkappid=checked.sdkappid,
        request_time=checked.request_time,
        client_ip=checked.client_ip,
        platform=checked.opt_platform,
        body=fields,
        state_change=change,
        signed=checked.signed,
    )


def refusal(error: CallbackError) -> Refusal:
    """The answer to a refused callback: HTTP 401 when the sender did not
    prove it is IM for this app (a bad, missing or malformed ``Sign`` or
    ``RequestTime``, a stale ``RequestTime``, another app's ``SdkAppid``),
    413 for a body over the cap, 400 otherwise; the body is Tencent's
    ``{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":KIND}``, with the
    error's ``kind`` and nothing the sender sent."""
    if not isinstance(error, CallbackError):
        raise TypeError(f"error must be a CallbackError, not {type(error).__name__}")
    kind = error.kind
    if kind in _UNAUTHENTICATED or (
        kind in ("missing", "malformed", "duplicate") and error.parameter in _AUTH_PARAMETERS
    ):
        status = 401
    elif kind == "body_too_large":
        status = 413
    else:
        status = 400
    return Refusal(status, _fail_reply(FAIL_CODE, kind))


@dataclass(frozen=True)
class Issuance:
    """A UserSig issued for an authenticated user, ready to send.

    ``sdk_app_id``, ``user_id``, ``user_sig`` (hidden from ``repr()``: it is
    a credential) and ``expire_at`` (unix seconds). :attr:`payload` is the
    JSON object ``{"sdkAppId", "userId", "userSig", "expireAt"}`` that the
    Web, mobile and desktop SDKs' samples read, :attr:`body` its JSON text,
    and :data:`ISSUANCE_HEADERS` the headers to send it with.
    """

    sdk_app_id: int
    user_id: str
    user_sig: str = field(repr=False)
    expire_at: int

    @property
    def payload(self) -> dict[str, Any]:
        """``{"sdkAppId", "userId", "userSig", "expireAt"}``."""
        return {
            "sdkAppId": self.sdk_app_id,
            "userId": self.user_id,
            "userSig": self.user_sig,
            "expireAt": self.expire_at,
        }

    @property
    def body(self) -> str:
        """The payload as compact JSON (non-ASCII escaped)."""
        return json.dumps(self.payload, separators=(",", ":"))

    @property
    def headers(self) -> dict[str, str]:
        """``Content-Type: application/json`` and ``Cache-Control: no-store``."""
        return dict(ISSUANCE_HEADERS)


def issue_usersig(
    signer: Signer,
    user_id: str,
    expire: int = DEFAULT_ISSUE_EXPIRE,
    *,
    now: Optional[int] = None,
) -> Issuance:
    """Issues a UserSig for ``user_id``, the caller's already-authenticated
    user (whoever your own authentication says it is: never a UserID read
    from the request), valid for ``expire`` seconds (default a day) from
    ``now`` (default the clock).

    Raises :class:`~usersig.exceptions.InvalidArgumentError` for a UserID or
    lifetime the signer refuses, ``TypeError`` for a signer or UserID of the
    wrong type.
    """
    if not isinstance(signer, Signer):
        raise TypeError(f"signer must be a usersig.Signer, not {type(signer).__name__}")
    if not isinstance(user_id, str):
        raise TypeError(f"user_id must be str, not {type(user_id).__name__}")
    if now is None:
        now = int(time.time())
    sig = signer.sign(user_id, expire, now=now)
    return Issuance(sdk_app_id=signer.sdkappid, user_id=user_id, user_sig=sig, expire_at=now + expire)
