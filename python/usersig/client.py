"""REST clients for Tencent Cloud IM that send, on httpx: :class:`Client`
(blocking) and :class:`AsyncClient` (asyncio).

They are thin layers over ``usersig.login``: :class:`~usersig.login.RestApi`
prepares and signs every request (the admin UserSig from its cache),
:func:`~usersig.login.parse_response` reads every answer, and a
:class:`~usersig.login.RetryPolicy`'s :class:`~usersig.login.Retrier`
decides after each failure whether to wait and send again, renew the admin
UserSig, or give up: the same rules as the Rust client. Around them they
add the sending, a rate limit per API, the one renewal of the admin UserSig
when many threads or tasks meet a refused one, and typed errors.

>>> from usersig.client import Client
>>> with Client(1400000000, "administrator", "key", base_url="http://127.0.0.1:9") as im:
...     im.base_url
'http://127.0.0.1:9'

Install with ``pip install "usersig[client]"`` (httpx).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import re
import threading
import time
from collections.abc import Awaitable, Iterable, Mapping
from typing import Any, Callable, NoReturn, Optional, Union
from urllib.parse import urlsplit

try:
    import httpx
except ImportError as e:  # pragma: no cover - the test extra installs httpx
    raise ImportError('usersig.client needs httpx: pip install "usersig[client]"') from e

from usersig.exceptions import ApiError, InvalidArgumentError, TransportError
from usersig.login import (
    ACCOUNT_BATCH,
    DEFAULT_ADMIN_SIG_TTL,
    ErrorClass,
    DEFAULT_RENEW_MARGIN,
    ONLINE_STATUS_BATCH,
    OnlineStatus,
    PreparedRequest,
    Region,
    RestApi,
    RestResponse,
    Retrier,
    RetryPolicy,
    is_read_only,
    parse_response,
)

__all__ = ["DEFAULT_RATE_LIMIT", "DEFAULT_TIMEOUT", "AsyncClient", "Client"]

#: Calls per API per second a client allows itself unless told otherwise:
#: Tencent's default limit (``multiaccount_import`` gets half, Tencent's 100).
DEFAULT_RATE_LIMIT: int = 200

#: Seconds one attempt may take unless told otherwise.
DEFAULT_TIMEOUT: float = 10.0

# The longest the client sleeps at once, one day: a longer wait (a server's
# ``WaitingTime`` may be up to 2**64 - 1 seconds, and with
# ``RetryPolicy(deadline=None)`` nothing else bounds it) is cut to this, and
# the call is sent again after it, as the Rust client sends again after its
# timer's own cap (tokio's, about 30 years). ``time.sleep`` refuses far
# longer waits (OverflowError).
_MAX_WAIT = 86400.0

# The most a response body may hold (usersig.login's cap, 8 MiB); a longer
# one is refused as it arrives, before it is all read.
_MAX_RESPONSE = 8 * 1024 * 1024
_LOGIN = "im_open_login_svc"
_Prepare = Callable[[RestApi, int], PreparedRequest]
_Failure = Union[ApiError, TransportError]
#: A request body: a ``dict``, JSON text, or None for ``{}``.
_Body = Union[Mapping[str, Any], str, bytes, None]

log = logging.getLogger("usersig.client")
_DEBUG = logging.DEBUG
# ``json.dumps(body, separators=(",", ":"), ensure_ascii=False)``, as
# ``RestApi.prepare`` encodes a dict, without making an encoder each time.
_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

_USERSIG_VALUE = re.compile(r"(usersig=)[^&\s\"']*")


def _redacted(text: str) -> str:
    return _USERSIG_VALUE.sub(r"\1[redacted]", text)


class _RedactUserSig(logging.Filter):
    """httpx logs every request's URL (logger ``httpx``, level INFO), and
    every IM REST URL carries the admin UserSig: this filter, added to that
    logger when ``usersig.client`` is imported, replaces every ``usersig``
    query value in its records with ``[redacted]``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "usersig=" in record.msg:
            record.msg = _redacted(record.msg)
        if isinstance(record.args, tuple) and any("usersig=" in str(a) for a in record.args):
            record.args = tuple(_redacted(str(a)) if "usersig=" in str(a) else a for a in record.args)
        return True


logging.getLogger("httpx").addFilter(_RedactUserSig())


class _RateLimit:
    """Calls per API and second, as a queue: each attempt reserves its API's
    next slot and waits for it, so that a burst is spread out instead of
    being refused with 60007. The slots are spaced evenly (``1 / rate``
    seconds apart, a burst of one, as the Rust client's default), so that no
    second holds more than ``rate`` calls however the server counts its
    seconds. ``im_open_login_svc/multiaccount_import`` gets half the rate
    (Tencent's 100 of 200). Shared by threads and tasks: the lock is held for
    a few arithmetic operations, never across a wait. A slot that would
    make the call wait past its deadline is not taken (the call gives up,
    as the Rust client's does)."""

    def __init__(self, per_second: Optional[int], clock: Callable[[], float] = time.monotonic) -> None:
        self._per_second = per_second or 0
        self._clock = clock
        self._next: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def reserve(
        self, service: str, command: str, left: Callable[[], Optional[float]] = lambda: None
    ) -> Optional[float]:
        """Takes the next slot of ``service``/``command``: the seconds to
        wait before sending. ``left`` says, when asked, the seconds left
        before the call's deadline (None without one): a slot further off
        than that is not taken, and None is returned."""
        if self._per_second <= 0:
            return 0.0
        rate = self._per_second
        if service == _LOGIN and command == "multiaccount_import":
            rate = -(-rate // 2)
        key = (service, command)
        with self._lock:
            now = self._clock()
            slot = max(self._next.get(key, now), now)
            wait = slot - now
            if wait > 0:
                most = left()
                if most is not None and wait > most:
                    return None
            self._next[key] = slot + 1.0 / rate
        return wait


class _Core:
    """What both clients share: the request preparation, the admin UserSig's
    renewal, the rate limit and the settings. Preparing takes microseconds
    and never waits, so one lock serves threads and tasks alike."""

    def __init__(
        self,
        sdkappid: int,
        admin: str,
        key: Union[str, bytes],
        *,
        region: Union[Region, str],
        base_url: Optional[str],
        timeout: Union[float, httpx.Timeout],
        max_attempts: Optional[int],
        rate_limit: Optional[int],
        retry: Optional[RetryPolicy],
        clock: Optional[Callable[[], float]],
        admin_sig_ttl: int,
        admin_sig_margin: int,
    ) -> None:
        self.api = RestApi(
            sdkappid,
            admin,
            key,
            region,
            base_url=base_url,
            admin_sig_ttl=admin_sig_ttl,
            admin_sig_margin=admin_sig_margin,
        )
        if retry is None:
            retry = RetryPolicy() if max_attempts is None else RetryPolicy(max_attempts)
        elif max_attempts is not None and max_attempts != retry.max_attempts:
            raise TypeError("give max_attempts in the RetryPolicy when retry= is given")
        if rate_limit is not None and (not isinstance(rate_limit, int) or isinstance(rate_limit, bool)):
            raise TypeError(f"rate_limit must be an int or None, not {type(rate_limit).__name__}")
        if rate_limit is not None and rate_limit < 1:
            raise InvalidArgumentError(
                "invalid argument: rate_limit must be at least 1 call a second (None turns it off)",
                argument="rate_limit",
                kind="negative" if rate_limit < 0 else "zero",
            )
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float, httpx.Timeout)):
            raise TypeError(f"timeout must be a number of seconds or an httpx.Timeout, not {type(timeout).__name__}")
        self.retry = retry
        self.timeout = timeout
        self.rate_limit = rate_limit
        self.limits = _RateLimit(rate_limit)
        self.clock = clock or time.time
        self.lock = threading.Lock()
        self.generation = 0
        # When the admin UserSig of ``generation`` expires, as the RestApi
        # said after the last request (only this core prepares with it).
        self.expires_at: Optional[int] = self.api.admin_sig_expires_at
        # The Retrier stops at max_attempts, plus the one resend after a
        # reissue; the loops stop here whatever it says.
        self.most_attempts = retry.max_attempts + 1
        # What each attempt passes httpx as its timeout (see sent_with).
        self.send_timeout: Any = timeout

    def sent_with(self, http_timeout: httpx.Timeout) -> None:
        """Told the httpx client's default timeout: when it is ``timeout``
        already, attempts pass ``USE_CLIENT_DEFAULT``, since merging the same
        one again costs a few microseconds a call."""
        if http_timeout == httpx.Timeout(self.timeout):
            self.send_timeout = httpx.USE_CLIENT_DEFAULT

    def prepare(self, prepare: _Prepare) -> tuple[PreparedRequest, int]:
        """A request prepared afresh (a new ``random``, the cached admin
        UserSig or a new one), and the generation of the admin UserSig it
        carries."""
        with self.lock:
            request = prepare(self.api, int(self.clock()))
            after = self.api.admin_sig_expires_at
            if after != self.expires_at:
                self.expires_at = after
                self.generation += 1
                log.debug("admin UserSig issued for %s, expires at %s", self.api.admin, after)
            return request, self.generation

    def reissue(self, generation: int) -> None:
        """Drops the admin UserSig of ``generation`` unless a newer one
        replaced it already: however many calls met the refused sig, one
        new sig is issued."""
        with self.lock:
            if generation == self.generation:
                self.api.invalidate_admin_sig()
                self.expires_at = None


def _transport_error(kind: str, exc: Exception, request: PreparedRequest) -> TransportError:
    """A ``TransportError`` for an exception of httpx, without the URL (it
    holds the admin UserSig): its message has the exception's type and text
    with the URL redacted, and it is not chained to it."""
    text = _redacted(str(exc).replace(request.url, request.redacted_url))
    sig = dict(p.split("=", 1) for p in request.url.split("?", 1)[1].split("&") if "=" in p).get("usersig")
    if sig:
        text = text.replace(sig, "[redacted]")
    what = "timed out" if kind == "timeout" else "failed"
    return TransportError(f"the request {what}: {type(exc).__name__}: {text}"[:1024], kind=kind)


class _Call:
    """One call's retry bookkeeping, shared by the blocking and the async
    loop: prepare, send, then after each failure the ``Retrier``'s decision."""

    __slots__ = ("core", "service", "command", "make", "_retrier", "start", "generation", "last", "attempt")

    def __init__(self, core: _Core, service: str, command: str, prepare: _Prepare) -> None:
        self.core = core
        self.service = service
        self.command = command
        self.make = prepare
        # Started at the first failure: most calls never need one.
        self._retrier: Optional[Retrier] = None
        self.start = time.monotonic()
        self.generation = 0
        self.last: Optional[_Failure] = None
        self.attempt = 0

    @property
    def retrier(self) -> Retrier:
        """The call's ``Retrier``, started when first asked for."""
        if self._retrier is None:
            self._retrier = self.core.retry.start(is_read_only(self.service, self.command))
        return self._retrier

    def next(self) -> tuple[PreparedRequest, Any]:
        """The request of the next attempt and its timeout."""
        core = self.core
        request, self.generation = core.prepare(self.make)
        self.attempt += 1
        if self.last is None:
            # The first attempt: the whole timeout.
            return request, core.send_timeout
        timeout: Any = core.timeout
        deadline = core.retry.deadline
        if deadline is not None:
            # A retry: it may take only what is left of the deadline.
            left = deadline - (time.monotonic() - self.start)
            if left <= 0:
                self.give_up(self.last, "deadline")
            if not isinstance(timeout, httpx.Timeout):
                return request, min(float(timeout), left)
        return request, core.send_timeout

    def left(self) -> Optional[float]:
        """The seconds left before the policy's deadline (None without one;
        zero or less once it has passed)."""
        deadline = self.core.retry.deadline
        return None if deadline is None else deadline - (time.monotonic() - self.start)

    def slot(self) -> float:
        """Takes the next slot of the call's API under the client's rate
        limit: the seconds to wait for it (at most ``_MAX_WAIT``). A slot that
        would end past the deadline is not taken and the call is given up
        (``gave_up`` ``"deadline"``) with its last failure, or before any
        attempt with a ``TransportError`` of kind ``"deadline"``: what the
        Rust client does."""
        wait = self.core.limits.reserve(self.service, self.command, self.left)
        if wait is None:
            last = self.last
            if last is None:
                last = TransportError(
                    "the deadline passed before the call could be sent (waiting for the rate limit)",
                    kind="deadline",
                )
            self.give_up(last, "deadline")
        return min(wait, _MAX_WAIT)

    def logged(self, outcome: object) -> None:
        if not log.isEnabledFor(_DEBUG):
            return
        log.debug(
            "%s/%s attempt %d: %s in %.1f ms",
            self.service,
            self.command,
            self.attempt,
            outcome,
            (time.monotonic() - self.start) * 1000,
        )

    def failed(self, error: _Failure) -> float:
        """The seconds to wait before the next attempt; raises the failure,
        with every attempt, when the call is given up."""
        self.last = error
        self.logged(error.code if isinstance(error, ApiError) else f"transport failure ({error.kind})")
        decision = self.retrier.on_failure(error, time.monotonic() - self.start)
        if decision.action == "retry":
            # At most a day at once (see _MAX_WAIT), then sent again.
            return min(decision.after or 0.0, _MAX_WAIT)
        if decision.action == "reissue":
            self.core.reissue(self.generation)
            return 0.0
        self.give_up(error, decision.reason)

    def exhausted(self) -> NoReturn:
        """The loop's own bound reached: the last failure, given up."""
        assert self.last is not None  # the loop runs at least once
        self.give_up(self.last, "attempts_exhausted")  # pragma: no cover - the Retrier stops first

    def give_up(self, error: _Failure, reason: Optional[str]) -> NoReturn:
        """Raises ``error`` with every attempt of the call and why no more were made."""
        error.attempts = self.retrier.attempts
        error.gave_up = reason
        raise error


def _too_large(size: int) -> TransportError:
    return TransportError(
        f"the response body is {size} bytes long or more, more than allowed", kind="too_large"
    )


def _refuse_declared(response: httpx.Response) -> None:
    """Refuses an answer whose ``Content-Length`` is over the cap, before
    reading it (an unreadable one is left to the capped read)."""
    declared = response.headers.get("content-length")
    if declared is None:
        return
    try:
        size = int(declared)
    except ValueError:
        return
    if size > _MAX_RESPONSE:
        raise _too_large(size)


def _loopback(base_url: str) -> bool:
    """Whether ``base_url`` names a loopback host (``localhost``,
    ``127.0.0.0/8``, ``[::1]``): such requests go to no proxy, whatever the
    environment says, since an ``http://`` one would carry the admin UserSig
    in clear text to it."""
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _chunks(user_ids: Iterable[str], size: int) -> list[list[str]]:
    if isinstance(user_ids, str):
        raise TypeError("user_ids must be an iterable of str, not a str")
    ids = list(user_ids)
    if len(ids) <= size:
        return [ids] if ids else []
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _batch(
    prepare: Callable[..., list[PreparedRequest]], chunk: list[str], **options: Any
) -> _Prepare:
    """The request of one chunk: ``prepare`` is one of ``RestApi``'s batched
    helpers, given the chunk (at most its batch size, so one request)."""

    def one(api: RestApi, now: int) -> PreparedRequest:
        [request] = prepare(api, chunk, now=now, **options)
        return request

    return one


def _result_items(responses: Iterable[RestResponse]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for r in responses:
        got = r.body.get("ResultItem", [])
        if not isinstance(got, list):
            raise TransportError(
                "the response field ResultItem is missing or has the wrong type", kind="field", field="ResultItem"
            )
        items.extend(got)
    return items


class _Base:
    """The settings and the methods' requests, shared by both clients."""

    _core: _Core

    @property
    def sdkappid(self) -> int:
        """The app's SDKAppID."""
        return self._core.api.sdkappid

    @property
    def admin(self) -> str:
        """The admin account the calls are made as."""
        return self._core.api.admin

    @property
    def base_url(self) -> str:
        """Where the calls go: ``https://HOST``, or ``http://`` for a loopback ``base_url``."""
        return self._core.api.base_url

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy."""
        return self._core.retry

    @property
    def admin_sig_expires_at(self) -> Optional[int]:
        """When the cached admin UserSig expires (unix seconds), or None before the first call."""
        return self._core.api.admin_sig_expires_at

    def __repr__(self) -> str:
        return f"{type(self).__name__}(sdkappid={self.sdkappid}, admin={self.admin!r}, base_url={self.base_url!r})"

    @staticmethod
    def _import(user_id: str, nick: Optional[str], face_url: Optional[str]) -> _Prepare:
        return lambda api, now: api.account_import(user_id, nick=nick, face_url=face_url, now=now)

    @staticmethod
    def _generic(service: str, command: str, body: _Body) -> _Prepare:
        if isinstance(body, dict):
            # Encoded once for every attempt, as RestApi.prepare encodes a dict.
            body = _JSON.encode(body)
        return lambda api, now: api.prepare(service, command, body, now=now)

    @staticmethod
    def _online(chunk: list[str], detail: bool) -> _Prepare:
        def one(api: RestApi, now: int) -> PreparedRequest:
            [request] = api.query_online_status(chunk, detail=detail, now=now)
            return request

        return one


class Client(_Base):
    """A blocking IM REST client on an ``httpx.Client``; thread-safe.

    ``Client(sdkappid, admin, key, *, region=Region.CHINA, base_url=None,
    timeout=10.0, max_attempts=None, rate_limit=200, retry=None,
    http_client=None, clock=None, admin_sig_ttl=604800,
    admin_sig_margin=3600)``. See the module's README for every argument.
    """

    def __init__(
        self,
        sdkappid: int,
        admin: str,
        key: Union[str, bytes],
        *,
        region: Union[Region, str] = Region.CHINA,
        base_url: Optional[str] = None,
        timeout: Union[float, httpx.Timeout] = DEFAULT_TIMEOUT,
        max_attempts: Optional[int] = None,
        rate_limit: Optional[int] = DEFAULT_RATE_LIMIT,
        retry: Optional[RetryPolicy] = None,
        http_client: Optional[httpx.Client] = None,
        clock: Optional[Callable[[], float]] = None,
        admin_sig_ttl: int = DEFAULT_ADMIN_SIG_TTL,
        admin_sig_margin: int = DEFAULT_RENEW_MARGIN,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise TypeError(f"http_client must be an httpx.Client, not {type(http_client).__name__}")
        self._core = _Core(
            sdkappid,
            admin,
            key,
            region=region,
            base_url=base_url,
            timeout=timeout,
            max_attempts=max_attempts,
            rate_limit=rate_limit,
            retry=retry,
            clock=clock,
            admin_sig_ttl=admin_sig_ttl,
            admin_sig_margin=admin_sig_margin,
        )
        self._owns_http = http_client is None
        self._http = (
            http_client
            if http_client is not None
            else httpx.Client(timeout=timeout, trust_env=not _loopback(self.base_url))
        )
        self._core.sent_with(self._http.timeout)
        # Every wait (the rate limit's, the backoff's) goes through here.
        self._sleep: Callable[[float], None] = time.sleep

    def close(self) -> None:
        """Closes the ``httpx.Client`` it made (one passed in is the caller's to close)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, service: str, command: str, prepare: _Prepare) -> RestResponse:
        core = self._core
        http = self._http
        call = _Call(core, service, command, prepare)
        for _ in range(core.most_attempts):
            wait = call.slot()
            if wait > 0:
                self._sleep(wait)
            request, timeout = call.next()
            failure: _Failure
            try:
                reply = http.send(
                    http.build_request(
                        "POST", request.url, content=request.body, headers=request.headers, timeout=timeout
                    ),
                    stream=True,  # read below, up to the cap
                )
                try:
                    body = self._read(reply)
                finally:
                    reply.close()
                response = parse_response(reply.status_code, body)
                if log.isEnabledFor(_DEBUG):
                    call.logged("OK")
                return response
            except (ApiError, TransportError) as e:
                failure = e
            except httpx.TimeoutException as e:
                failure = _transport_error("timeout", e, request)
            except httpx.RequestError as e:
                failure = _transport_error("network", e, request)
            wait = call.failed(failure)
            if wait > 0:
                self._sleep(wait)
        call.exhausted()

    @staticmethod
    def _read(reply: httpx.Response) -> bytes:
        _refuse_declared(reply)
        # The chunks as they come, joined once (one chunk is not copied).
        chunks: list[bytes] = []
        size = 0
        for chunk in reply.iter_bytes():
            size += len(chunk)
            if size > _MAX_RESPONSE:
                raise _too_large(size)
            chunks.append(chunk)
        return b"".join(chunks)

    def call(
        self, service: str, command: str, body: _Body = None, *, import_and_retry: Iterable[str] = ()
    ) -> RestResponse:
        """Any REST API: ``service``/``command`` with a JSON body (a ``dict``,
        JSON text, or None for ``{}``). With ``import_and_retry``, an answer
        of class ``IMPORT`` (70107: an account is not imported) imports those
        accounts and sends the call once more."""
        accounts = _chunks(import_and_retry, ACCOUNT_BATCH)
        try:
            return self._send(service, command, self._generic(service, command, body))
        except ApiError as e:
            if not accounts or e.error_class != ErrorClass.IMPORT:
                raise
        for chunk in accounts:
            self._send(_LOGIN, "multiaccount_import", _batch(RestApi.multiaccount_import, chunk))
        return self._send(service, command, self._generic(service, command, body))

    def account_import(self, user_id: str, nick: Optional[str] = None, face_url: Optional[str] = None) -> RestResponse:
        """``im_open_login_svc/account_import``: one account, with an optional
        nickname and avatar URL (importing it again is no error)."""
        return self._send(_LOGIN, "account_import", self._import(user_id, nick, face_url))

    def multiaccount_import(self, user_ids: Iterable[str]) -> list[str]:
        """``im_open_login_svc/multiaccount_import`` in calls of 100
        accounts; returns the accounts not imported, of every call."""
        failed: list[str] = []
        for chunk in _chunks(user_ids, ACCOUNT_BATCH):
            r = self._send(_LOGIN, "multiaccount_import", _batch(RestApi.multiaccount_import, chunk))
            failed.extend(r.failed_accounts())
        return failed

    def account_check(self, user_ids: Iterable[str]) -> list[dict[str, Any]]:
        """``im_open_login_svc/account_check`` in calls of 100: the
        ``ResultItem`` of every call (``UserID``, ``AccountStatus``:
        ``Imported`` or ``NotImported``, ``ResultCode``, ``ResultInfo``), in order."""
        return _result_items(
            self._send(_LOGIN, "account_check", _batch(RestApi.account_check, chunk))
            for chunk in _chunks(user_ids, ACCOUNT_BATCH)
        )

    def account_delete(self, user_ids: Iterable[str]) -> list[dict[str, Any]]:
        """``im_open_login_svc/account_delete`` in calls of 100: the
        ``ResultItem`` of every call (``UserID``, ``ResultCode``: 0, or 70107
        for an account never imported; ``ResultInfo``), in order."""
        return _result_items(
            self._send(_LOGIN, "account_delete", _batch(RestApi.account_delete, chunk))
            for chunk in _chunks(user_ids, ACCOUNT_BATCH)
        )

    def kick(self, user_id: str) -> RestResponse:
        """``im_open_login_svc/kick``: every instance of the account goes off
        line, and every UserSig issued for it until now stops working (70052)."""
        return self._send(_LOGIN, "kick", lambda api, now: api.kick(user_id, now=now))

    def query_online_status(self, user_ids: Iterable[str], *, detail: bool = True) -> list[OnlineStatus]:
        """``openim/query_online_status`` in calls of 500, merged in order;
        ``detail`` asks for each account's platforms. An account never
        imported is not in the answer (Tencent lists it in ``ErrorList``)."""
        out: list[OnlineStatus] = []
        for chunk in _chunks(user_ids, ONLINE_STATUS_BATCH):
            r = self._send(
                "openim",
                "query_online_status",
                self._online(chunk, detail),
            )
            out.extend(r.online_status())
        return out


class AsyncClient(_Base):
    """An asyncio IM REST client on an ``httpx.AsyncClient``; task-safe and
    thread-safe. The same arguments as :class:`Client` (``http_client`` an
    ``httpx.AsyncClient``) and the same methods, as coroutines."""

    def __init__(
        self,
        sdkappid: int,
        admin: str,
        key: Union[str, bytes],
        *,
        region: Union[Region, str] = Region.CHINA,
        base_url: Optional[str] = None,
        timeout: Union[float, httpx.Timeout] = DEFAULT_TIMEOUT,
        max_attempts: Optional[int] = None,
        rate_limit: Optional[int] = DEFAULT_RATE_LIMIT,
        retry: Optional[RetryPolicy] = None,
        http_client: Optional[httpx.AsyncClient] = None,
        clock: Optional[Callable[[], float]] = None,
        admin_sig_ttl: int = DEFAULT_ADMIN_SIG_TTL,
        admin_sig_margin: int = DEFAULT_RENEW_MARGIN,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise TypeError(f"http_client must be an httpx.AsyncClient, not {type(http_client).__name__}")
        self._core = _Core(
            sdkappid,
            admin,
            key,
            region=region,
            base_url=base_url,
            timeout=timeout,
            max_attempts=max_attempts,
            rate_limit=rate_limit,
            retry=retry,
            clock=clock,
            admin_sig_ttl=admin_sig_ttl,
            admin_sig_margin=admin_sig_margin,
        )
        self._owns_http = http_client is None
        self._http = (
            http_client
            if http_client is not None
            else httpx.AsyncClient(timeout=timeout, trust_env=not _loopback(self.base_url))
        )
        self._core.sent_with(self._http.timeout)
        # Every wait (the rate limit's, the backoff's) goes through here.
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def close(self) -> None:
        """Closes the ``httpx.AsyncClient`` it made (one passed in is the caller's to close)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _send(self, service: str, command: str, prepare: _Prepare) -> RestResponse:
        core = self._core
        http = self._http
        call = _Call(core, service, command, prepare)
        for _ in range(core.most_attempts):
            wait = call.slot()
            if wait > 0:
                await self._sleep(wait)
            request, timeout = call.next()
            failure: _Failure
            try:
                reply = await http.send(
                    http.build_request(
                        "POST", request.url, content=request.body, headers=request.headers, timeout=timeout
                    ),
                    stream=True,  # read below, up to the cap
                )
                try:
                    body = await self._read(reply)
                finally:
                    await reply.aclose()
                response = parse_response(reply.status_code, body)
                if log.isEnabledFor(_DEBUG):
                    call.logged("OK")
                return response
            except (ApiError, TransportError) as e:
                failure = e
            except httpx.TimeoutException as e:
                failure = _transport_error("timeout", e, request)
            except httpx.RequestError as e:
                failure = _transport_error("network", e, request)
            wait = call.failed(failure)
            if wait > 0:
                await self._sleep(wait)
        call.exhausted()

    @staticmethod
    async def _read(reply: httpx.Response) -> bytes:
        _refuse_declared(reply)
        # The chunks as they come, joined once (one chunk is not copied).
        chunks: list[bytes] = []
        size = 0
        async for chunk in reply.aiter_bytes():
            size += len(chunk)
            if size > _MAX_RESPONSE:
                raise _too_large(size)
            chunks.append(chunk)
        return b"".join(chunks)

    async def call(
        self, service: str, command: str, body: _Body = None, *, import_and_retry: Iterable[str] = ()
    ) -> RestResponse:
        """As :meth:`Client.call`."""
        accounts = _chunks(import_and_retry, ACCOUNT_BATCH)
        try:
            return await self._send(service, command, self._generic(service, command, body))
        except ApiError as e:
            if not accounts or e.error_class != ErrorClass.IMPORT:
                raise
        for chunk in accounts:
            await self._send(
                _LOGIN, "multiaccount_import", _batch(RestApi.multiaccount_import, chunk)
            )
        return await self._send(service, command, self._generic(service, command, body))

    async def account_import(
        self, user_id: str, nick: Optional[str] = None, face_url: Optional[str] = None
    ) -> RestResponse:
        """As :meth:`Client.account_import`."""
        return await self._send(_LOGIN, "account_import", self._import(user_id, nick, face_url))

    async def multiaccount_import(self, user_ids: Iterable[str]) -> list[str]:
        """As :meth:`Client.multiaccount_import`."""
        failed: list[str] = []
        for chunk in _chunks(user_ids, ACCOUNT_BATCH):
            r = await self._send(
                _LOGIN, "multiaccount_import", _batch(RestApi.multiaccount_import, chunk)
            )
            failed.extend(r.failed_accounts())
        return failed

    async def account_check(self, user_ids: Iterable[str]) -> list[dict[str, Any]]:
        """As :meth:`Client.account_check`."""
        return _result_items(
            [
                await self._send(_LOGIN, "account_check", _batch(RestApi.account_check, chunk))
                for chunk in _chunks(user_ids, ACCOUNT_BATCH)
            ]
        )

    async def account_delete(self, user_ids: Iterable[str]) -> list[dict[str, Any]]:
        """As :meth:`Client.account_delete`."""
        return _result_items(
            [
                await self._send(_LOGIN, "account_delete", _batch(RestApi.account_delete, chunk))
                for chunk in _chunks(user_ids, ACCOUNT_BATCH)
            ]
        )

    async def kick(self, user_id: str) -> RestResponse:
        """As :meth:`Client.kick`."""
        return await self._send(_LOGIN, "kick", lambda api, now: api.kick(user_id, now=now))

    async def query_online_status(self, user_ids: Iterable[str], *, detail: bool = True) -> list[OnlineStatus]:
        """As :meth:`Client.query_online_status`."""
        out: list[OnlineStatus] = []
        for chunk in _chunks(user_ids, ONLINE_STATUS_BATCH):
            r = await self._send(
                "openim",
                "query_online_status",
                self._online(chunk, detail),
            )
            out.extend(r.online_status())
        return out
