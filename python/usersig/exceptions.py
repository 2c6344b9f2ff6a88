"""Exceptions raised by usersig.

Every error is a subclass of :class:`UserSigError`, itself a ``ValueError``,
and carries its details as attributes (never only as text). Messages never
contain the secret key.

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
"""

from __future__ import annotations

from typing import Any, Optional, Union

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
]


def _restore(cls: type[UserSigError], args: tuple[Any, ...], state: dict[str, Any]) -> UserSigError:
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
    ``"privileges"``, ``"now"``, ...); ``kind`` names the rule broken
    (``"empty"``, ``"too_long"``, ``"zero"``, ``"negative"``, ...).
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
