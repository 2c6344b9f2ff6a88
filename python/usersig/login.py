"""The Tencent Cloud IM login handshake around a UserSig, without I/O.

This module decides; the caller sends. Nothing here opens a connection,
sleeps or (when given ``now=``) reads the clock.

- REST: :class:`RestApi` prepares signed requests
  (``method, url, headers, body = api.kick("alice")``) for ``requests``,
  ``httpx`` or any client; :func:`parse_response` reads the answer into a
  :class:`RestResponse` or raises :class:`ApiError` / :class:`TransportError`.
- Codes: :class:`ErrorCode` (name, description, :class:`ErrorClass`,
  ``explain()``) and :class:`Backoff`.
- Retries: :class:`RetryPolicy` and, per call, a :class:`Retrier` that
  turns each failure into a :class:`RetryDecision` (wait and retry, renew
  the admin UserSig, or give up) and keeps every :class:`Attempt`;
  :func:`is_read_only`.
- Kicks: :class:`KickReason` in every form and its :class:`Reaction`.
- The Web SDK login lifecycle: :class:`Lifecycle`, inputs in, outputs
  (:class:`SendRequest`, :class:`EmitEvent`, :class:`Resolve`,
  :class:`Reject`, :class:`Proceed`) out; :func:`preflight`.
- The server's multi-instance policy: :class:`Instances`, :class:`Policy`,
  :class:`Platform`, :class:`CrossPlatform`.
- Callbacks: :class:`CallbackVerifier`, :func:`sign`, :class:`StateChange`,
  :data:`OK_REPLY`, :func:`fail_reply`.

>>> from usersig.login import ErrorCode, ErrorClass
>>> ErrorCode(70001).error_class is ErrorClass.REISSUE
True
"""

from __future__ import annotations

from usersig._native import (
    ACCOUNT_BATCH,
    CALLBACK_OK_REPLY,
    DEFAULT_ADMIN_SIG_TTL,
    DEFAULT_RENEW_MARGIN,
    ONLINE_STATUS_BATCH,
    Attempt,
    Backoff,
    CallbackQuery,
    CallbackVerifier,
    CrossPlatform,
    EmitEvent,
    ErrorClass,
    ErrorCode,
    Instances,
    Kicked,
    KickReason,
    Lifecycle,
    LoginOutcome,
    OnlineInstance,
    OnlineStatus,
    Platform,
    Policy,
    PreparedRequest,
    Proceed,
    Reaction,
    Region,
    Reject,
    Resolve,
    RestApi,
    RestResponse,
    Retrier,
    RetryDecision,
    RetryPolicy,
    SendRequest,
    StateChange,
    fail_reply,
    is_read_only,
    parse_response,
    preflight,
)
from usersig._native import callback_sign as sign
from usersig.exceptions import (
    ApiError,
    CallbackError,
    LoginError,
    PreflightError,
    SigRefusedError,
    TransportError,
)

#: The body to answer a callback with once it is handled:
#: ``{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}``.
OK_REPLY: str = CALLBACK_OK_REPLY

__all__ = [
    "ACCOUNT_BATCH",
    "DEFAULT_ADMIN_SIG_TTL",
    "DEFAULT_RENEW_MARGIN",
    "OK_REPLY",
    "ONLINE_STATUS_BATCH",
    "ApiError",
    "Attempt",
    "Backoff",
    "CallbackError",
    "CallbackQuery",
    "CallbackVerifier",
    "CrossPlatform",
    "EmitEvent",
    "ErrorClass",
    "ErrorCode",
    "Instances",
    "KickReason",
    "Kicked",
    "Lifecycle",
    "LoginError",
    "LoginOutcome",
    "OnlineInstance",
    "OnlineStatus",
    "Platform",
    "Policy",
    "PreflightError",
    "PreparedRequest",
    "Proceed",
    "Reaction",
    "Region",
    "Reject",
    "Resolve",
    "RestApi",
    "RestResponse",
    "Retrier",
    "RetryDecision",
    "RetryPolicy",
    "SendRequest",
    "SigRefusedError",
    "StateChange",
    "TransportError",
    "fail_reply",
    "is_read_only",
    "parse_response",
    "preflight",
    "sign",
]
