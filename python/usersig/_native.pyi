# Type stubs for the extension module usersig._native (checked against the
# built module with `python -m mypy.stubtest usersig._native`).

from collections.abc import Iterable
from typing import Literal, Optional, Union, final

from usersig.exceptions import UserSigError

__all__ = [
    "Signer",
    "Verifier",
    "Claims",
    "PrivateMapKeyClaims",
    "PrivateMapKey",
    "Inspection",
    "inspect",
    "DEFAULT_EXPIRE",
    "MAX_EXPIRE",
    "MAX_IDENTIFIER_LEN",
    "MAX_USERBUF_LEN",
    "MAX_SIG_LEN",
    "MAX_ROOM_STR_LEN",
    "__version__",
]

DEFAULT_EXPIRE: int
MAX_EXPIRE: int
MAX_IDENTIFIER_LEN: int
MAX_USERBUF_LEN: int
MAX_SIG_LEN: int
MAX_ROOM_STR_LEN: int
__version__: str

_Compression = Literal["default", "zlib", "stored"]
_Binary = Union[bytes, bytearray]

@final
class Signer:
    def __new__(
        cls,
        sdkappid: int,
        key: Union[str, bytes],
        *,
        compression: _Compression = ...,
    ) -> Signer: ...
    @property
    def sdkappid(self) -> int: ...
    @property
    def compression(self) -> _Compression: ...
    def sign(
        self,
        identifier: str,
        expire: int = ...,
        *,
        userbuf: Optional[_Binary] = None,
        now: Optional[int] = None,
    ) -> str: ...
    def sign_private_map_key(
        self,
        identifier: str,
        expire: int,
        *,
        room_id: Optional[int] = None,
        room_str: Optional[str] = None,
        privileges: int = ...,
        now: Optional[int] = None,
    ) -> str: ...
    def sign_many(
        self,
        identifiers: Iterable[str],
        expire: int = ...,
        *,
        now: Optional[int] = None,
    ) -> list[str]: ...

@final
class Verifier:
    def __new__(
        cls,
        sdkappid: int,
        key: Union[str, bytes],
        *,
        leeway: int = ...,
        max_future: Optional[int] = None,
    ) -> Verifier: ...
    @property
    def sdkappid(self) -> int: ...
    @property
    def leeway(self) -> int: ...
    @property
    def max_future(self) -> Optional[int]: ...
    def verify(
        self,
        identifier: str,
        sig: Union[str, bytes],
        *,
        userbuf: Optional[_Binary] = None,
        now: Optional[int] = None,
    ) -> Claims: ...
    def verify_private_map_key(
        self,
        identifier: str,
        sig: Union[str, bytes],
        *,
        room_id: Optional[int] = None,
        room_str: Optional[str] = None,
        now: Optional[int] = None,
    ) -> PrivateMapKeyClaims: ...
    def verify_many(
        self,
        items: Iterable[tuple[str, Union[str, bytes]]],
        *,
        now: Optional[int] = None,
    ) -> list[Union[Claims, UserSigError]]: ...

@final
class Claims:
    @property
    def identifier(self) -> str: ...
    @property
    def sdkappid(self) -> int: ...
    @property
    def issued_at(self) -> int: ...
    @property
    def expire(self) -> int: ...
    @property
    def expires_at(self) -> int: ...
    @property
    def userbuf(self) -> Optional[bytes]: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class PrivateMapKeyClaims:
    @property
    def identifier(self) -> str: ...
    @property
    def sdkappid(self) -> int: ...
    @property
    def issued_at(self) -> int: ...
    @property
    def expire(self) -> int: ...
    @property
    def expires_at(self) -> int: ...
    @property
    def room_id(self) -> Optional[int]: ...
    @property
    def room_str(self) -> Optional[str]: ...
    @property
    def privileges(self) -> int: ...
    @property
    def ticket_expires_at(self) -> int: ...
    @property
    def userbuf(self) -> bytes: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class PrivateMapKey:
    @property
    def account(self) -> str: ...
    @property
    def sdkappid(self) -> int: ...
    @property
    def room_id(self) -> Optional[int]: ...
    @property
    def room_str(self) -> Optional[str]: ...
    @property
    def expires_at(self) -> int: ...
    @property
    def privileges(self) -> int: ...
    @property
    def account_type(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Inspection:
    @property
    def version(self) -> str: ...
    @property
    def identifier(self) -> str: ...
    @property
    def sdkappid(self) -> int: ...
    @property
    def issued_at(self) -> int: ...
    @property
    def expire(self) -> int: ...
    @property
    def expires_at(self) -> Optional[int]: ...
    @property
    def userbuf(self) -> Optional[bytes]: ...
    @property
    def private_map_key(self) -> Optional[PrivateMapKey]: ...
    @property
    def sig(self) -> str: ...
    @property
    def zlib_header(self) -> bytes: ...
    @property
    def compression(self) -> str: ...
    @property
    def json(self) -> str: ...
    def is_expired_at(self, now: int) -> bool: ...

def inspect(sig: Union[str, bytes]) -> Inspection: ...
