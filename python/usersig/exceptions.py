"""Exceptions raised by usersig.

Every error about a UserSig or an argument is a subclass of
:class:`UserSigError`, itself a ``ValueError``. The login handshake
(``usersig.login``) raises subclasses of :class:`LoginError`: a REST server's
answer or an unreadable response is not a problem with a value the caller
gave, so those are not ``ValueError``s; a refused callback is a
:class:`UserSigError` too (what ``usersig.web`` raises is always one), and a
UserSig that fails the pre-flight check is a ``ValueError``. A bad argument to anything in
``usersig.login`` is an :class:`InvalidArgumentError`, as everywhere else.
Every exception carries its details as attributes (never only as text).
Messages never contain the secret key, an admin UserSig or a callback token.

Hierarchy::

    UserSigError(ValueError)
    ├── InvalidArgumentError        argument, kind
    ├── MalformedError              kind, field
    ├── SignatureMismatchError
    ├── ExpiredError                expired_at, now
    ├── IssuedInFutureError         issued_at, now, max_future
    ├── AppIdMismatchError          expected, found
    ├── IdentifierMismatchError     expected, found
    ├── UserBufMismatchError
    │   ├── UnexpectedUserBufError
    │   └── MissingUserBufError
    └── RoomMismatchError           expected, found

    LoginError(Exception)
    ├── ApiError                    code, info, error_class, request_id, waiting_time, attempts, gave_up
    ├── TransportError              kind, status, field, attempts, gave_up
    ├── SigRefusedError             code, kind, issued_at, kicked_at
    ├── CallbackError(UserSigError) kind, parameter, ...
    ├── PreflightError(ValueError)  code, kind, ...
    └── EmulatorError               code, status
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Union

if TYPE_CHECKING:
    from collections.abc import Sequence

    from usersig._native import Attempt, ErrorClass, ErrorCode

__all__ = [
    "UserSigError",
    "InvalidArgumentError",
    "MalformedError",
    "SignatureMismatchError",
    "ExpiredError",
    "IssuedInFutureError",
    "AppIdMismatchError",
    "IdentifierMismatchError",
    "UserBufMismatchError",
    "UnexpectedUserBufError",
    "MissingUserBufError",
    "RoomMismatchError",
    "LoginError",
    "ApiError",
    "TransportError",
    "SigRefusedError",
    "CallbackError",
    "PreflightError",
    "EmulatorError",
]


def _restore(cls: type[Exception], args: tuple[Any, ...], state: dict[str, Any]) -> Exception:
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class UserSigError(ValueError):
    """Base class of every usersig error.

    ``message`` is the human-readable text (also ``str(exc)``). ``index`` is
    the position of the failing item for errors raised by ``Signer.sign_many``,
    otherwise None.
    """

    index: Optional[int] = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> Any:
        # Keyword-only attributes do not survive the default exception
        # pickling (which calls cls(*args)); rebuild from the state instead.
        return (_restore, (type(self), self.args, dict(self.__dict__)))


class InvalidArgumentError(UserSigError):
    """An argument to a constructor or a signing call is not acceptable.

    ``argument`` names it (``"identifier"``, ``"expire"``, ``"key"``,
    ``"sdkappid"``, ``"userbuf"``, ``"room_id"``, ``"room_str"``,
    ``"privileges"``, ``"now"``; in ``usersig.login`` also ``"token"``, ``"service"``,
    ``"command"``, ``"domain"``, ``"region"``, ``"body"``, ``"user_id"``,
    ``"random"``, ``"code"``, ``"platform"``, ``"web_instances"``, ...);
    ``kind`` names the rule broken (``"empty"``, ``"too_long"``, ``"zero"``,
    ``"negative"``, ``"unknown"``, ...).
    """

    def __init__(self, message: str, *, argument: Optional[str], kind: str) -> None:
        super().__init__(message)
        self.argument = argument
        self.kind = kind


class MalformedError(UserSigError):
    """The UserSig cannot be decoded.

    ``kind`` names the layer that failed (``"invalid_character"``,
    ``"base64"``, ``"zlib"``, ``"json_syntax"``, ``"missing_field"``,
    ``"wrong_type"``, ...); ``field`` names the JSON field concerned, if any
    (``"TLS.sdkappid"``...).
    """

    def __init__(self, message: str, *, kind: str, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.field = field


class SignatureMismatchError(UserSigError):
    """The MAC does not match: another key issued the sig, or it was altered."""


class ExpiredError(UserSigError):
    """The sig is past its expiry: ``now > expired_at + leeway``."""

    def __init__(self, message: str, *, expired_at: int, now: int) -> None:
        super().__init__(message)
        self.expired_at = expired_at
        self.now = now


class IssuedInFutureError(UserSigError):
    """``TLS.time`` is more than the verifier's ``max_future`` after ``now``."""

    def __init__(self, message: str, *, issued_at: int, now: int, max_future: int) -> None:
        super().__init__(message)
        self.issued_at = issued_at
        self.now = now
        self.max_future = max_future


class AppIdMismatchError(UserSigError):
    """The sig is for another SDKAppID (``found``) than the verifier's (``expected``)."""

    def __init__(self, message: str, *, expected: int, found: int) -> None:
        super().__init__(message)
        self.expected = expected
        self.found = found


class IdentifierMismatchError(UserSigError):
    """The sig is for another UserID (``found``) than the one asked about (``expected``)."""

    def __init__(self, message: str, *, expected: str, found: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.found = found


class UserBufMismatchError(UserSigError):
    """The sig's userbuf is not the expected one."""


class UnexpectedUserBufError(UserBufMismatchError):
    """A plain verify met a sig that carries a userbuf (a room ticket is not a
    login credential: verify it with the expected userbuf, or as a PrivateMapKey)."""


class MissingUserBufError(UserBufMismatchError):
    """A userbuf (or PrivateMapKey) verify met a sig that carries no userbuf."""


class RoomMismatchError(UserSigError):
    """The PrivateMapKey opens another room (``found``) than the expected one.

    Rooms are ``int`` (numeric room id) or ``str`` (string room id).
    """

    def __init__(self, message: str, *, expected: Union[int, str], found: Union[int, str]) -> None:
        super().__init__(message)
        self.expected = expected
        self.found = found


class LoginError(Exception):
    """Base class of the errors of the login handshake (``usersig.login``).

    ``message`` is the human-readable text (also ``str(exc)``).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> Any:
        return (_restore, (type(self), self.args, dict(self.__dict__)))


class ApiError(LoginError):
    """The IM REST API answered ``ActionStatus: FAIL`` (or a non-zero ErrorCode).

    ``code`` is the ``ErrorCode``, ``info`` the server's ErrorInfo (at most
    1 KiB), ``error_class`` what to do (an ``ErrorClass``: ``RETRY``,
    ``REISSUE``, ``IMPORT``, ``CONFIG``, ``STOP``, ``UNKNOWN``),
    ``request_id`` the RequestId when the API gives one, ``waiting_time``
    the seconds the server asked to wait (60022), else None.

    Raised by ``usersig.client`` after its retries, it also carries
    ``attempts``, every failed attempt of the call in order (each an
    ``Attempt``: its code, class and time), and ``gave_up``, why no more
    were made (``RetryDecision.reason``: ``"not_retryable"``,
    ``"attempts_exhausted"``, ``"deadline"``, ``"already_reissued"``...);
    from ``parse_response`` they are ``()`` and None.
    """

    attempts: Sequence[Attempt] = ()
    gave_up: Optional[str] = None

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode,
        info: str,
        error_class: ErrorClass,
        request_id: Optional[str] = None,
        waiting_time: Optional[float] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.info = info
        self.error_class = error_class
        self.request_id = request_id
        self.waiting_time = waiting_time


class TransportError(LoginError):
    """The response is not an IM REST response; usually worth a retry.

    ``kind``: ``"status"`` (the HTTP status, in ``status``, is not 200),
    ``"too_large"``, ``"not_json"``, ``"not_an_object"`` or ``"field"`` (the
    field named by ``field`` is missing or has the wrong type); from
    ``usersig.client`` also ``"network"`` (no answer: the connection was
    refused, reset, or failed otherwise), ``"timeout"`` and ``"deadline"``
    (the wait for the client's rate limit would pass the policy's deadline
    before the first attempt: nothing was sent). ``attempts`` and
    ``gave_up`` as for ``ApiError``.
    """

    attempts: Sequence[Attempt] = ()
    gave_up: Optional[str] = None

    def __init__(
        self, message: str, *, kind: str, status: Optional[int] = None, field: Optional[str] = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.field = field


class SigRefusedError(LoginError):
    """The instance table refuses a UserSig: ``kind`` ``"revoked"`` (issued
    at ``issued_at``, at or before a REST kick at ``kicked_at``; ``code``
    70052) or ``"expired"`` (``code`` 70001)."""

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode,
        kind: str,
        issued_at: Optional[int] = None,
        kicked_at: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.kind = kind
        self.issued_at = issued_at
        self.kicked_at = kicked_at


class CallbackError(LoginError, UserSigError):
    """A callback from IM was refused (a ``LoginError`` and a ``UserSigError``).

    ``kind``: ``"query_too_long"``, ``"missing"``, ``"duplicate"``,
    ``"malformed"`` (``parameter`` names the query parameter),
    ``"bad_signature"``, ``"stale"`` (``request_time``, ``now``,
    ``max_skew``), ``"app_id_mismatch"`` (``expected``, ``found``),
    ``"body_too_large"``, ``"body"``, ``"wrong_command"`` or
    ``"command_mismatch"`` (the body's ``CallbackCommand`` is not the query's).
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        parameter: Optional[str] = None,
        request_time: Optional[int] = None,
        now: Optional[int] = None,
        max_skew: Optional[int] = None,
        expected: Optional[int] = None,
        found: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.parameter = parameter
        self.request_time = request_time
        self.now = now
        self.max_skew = max_skew
        self.expected = expected
        self.found = found


class PreflightError(LoginError, ValueError):
    """A UserSig the server would refuse, found before logging in with it.

    ``code`` is the server's answer (70002, 70003, 70014, 70013, 70001) and
    ``kind`` names the check: ``"empty"``, ``"malformed"``,
    ``"app_id_mismatch"`` / ``"identifier_mismatch"`` (``expected``,
    ``found``), ``"expired"`` (``expired_at``, ``now``).
    """

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode,
        kind: str,
        expected: Union[int, str, None] = None,
        found: Union[int, str, None] = None,
        expired_at: Optional[int] = None,
        now: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.kind = kind
        self.expected = expected
        self.found = found
        self.expired_at = expired_at
        self.now = now


class EmulatorError(LoginError):
    """The local IM emulator (``usersig.testing.Emulator``) refused a request
    to one of its own endpoints, as its HTTP server would answer it.

    ``code`` is the ``ErrorCode`` in the answer's body (70402 for a bad
    field such as an instance ID, 60003 for a body that is not JSON, 60017
    for a clock change on the real clock) and ``status`` the HTTP status
    (400, 409, 413...). A refusal IM itself would answer (a UserSig that
    does not verify) is not an exception: it is the answer's ``ErrorCode``.
    """

    def __init__(self, message: str, *, code: ErrorCode, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
