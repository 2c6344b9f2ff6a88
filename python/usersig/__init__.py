"""Issue and verify Tencent Cloud IM / TRTC UserSig credentials (TLSSigAPIv2).

>>> from usersig import Signer, Verifier
>>> key = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
>>> sig = Signer(1400000000, key).sign("xiaojun", 86400, now=1700000000)
>>> Verifier(1400000000, key).verify("xiaojun", sig, now=1700000100).expires_at
1700086400

``usersig.compat.TLSSigAPIv2`` is a drop-in for the official Python class.
"""

from __future__ import annotations

import enum

from usersig._native import (
    DEFAULT_EXPIRE,
    MAX_EXPIRE,
    MAX_IDENTIFIER_LEN,
    MAX_ROOM_STR_LEN,
    MAX_SIG_LEN,
    MAX_USERBUF_LEN,
    Claims,
    Inspection,
    PrivateMapKey,
    PrivateMapKeyClaims,
    Signer,
    Verifier,
    __version__,
    inspect,
)
from usersig.exceptions import (
    AppIdMismatchError,
    ExpiredError,
    IdentifierMismatchError,
    InvalidArgumentError,
    IssuedInFutureError,
    MalformedError,
    MissingUserBufError,
    RoomMismatchError,
    SignatureMismatchError,
    UnexpectedUserBufError,
    UserBufMismatchError,
    UserSigError,
)

__all__ = [
    "DEFAULT_EXPIRE",
    "MAX_EXPIRE",
    "MAX_IDENTIFIER_LEN",
    "MAX_ROOM_STR_LEN",
    "MAX_SIG_LEN",
    "MAX_USERBUF_LEN",
    "AppIdMismatchError",
    "Claims",
    "ExpiredError",
    "IdentifierMismatchError",
    "Inspection",
    "InvalidArgumentError",
    "IssuedInFutureError",
    "MalformedError",
    "MissingUserBufError",
    "Privilege",
    "PrivateMapKey",
    "PrivateMapKeyClaims",
    "RoomMismatchError",
    "SignatureMismatchError",
    "Signer",
    "UnexpectedUserBufError",
    "UserBufMismatchError",
    "UserSigError",
    "Verifier",
    "__version__",
    "inspect",
]


class Privilege(enum.IntFlag):
    """The bits of a PrivateMapKey privilege map (``ALL`` = 255).

    Pass a combination as ``privileges=``; ``PrivateMapKeyClaims.privileges``
    is a plain ``int`` that ``Privilege(claims.privileges)`` names.
    """

    CREATE_ROOM = 1
    ENTER_ROOM = 2
    SEND_AUDIO = 4
    RECV_AUDIO = 8
    SEND_VIDEO = 16
    RECV_VIDEO = 32
    SEND_SUB_STREAM = 64
    RECV_SUB_STREAM = 128
    ALL = 255
