"""Tencent IM webhooks and UserSig issuance for Starlette (and FastAPI).

Imported only where Starlette is installed (``pip install 'usersig[starlette]'``).

- :func:`read_callback` reads a request's body (streamed, at most 1 MiB)
  and verifies the callback: ``await read_callback(request, verifier)``.
- :func:`callback_endpoint` turns ``async def handler(request, callback)``
  into an endpoint that answers a refused callback with 401/400/413 and
  Tencent's ``FAIL`` body, and a handled one with the handler's response or,
  when it returns None, Tencent's ``OK`` body.
- :func:`refusal_response` and :func:`ok_response` are those answers;
  :func:`usersig_response` is an issued UserSig as a ``no-store`` JSON response.

Nothing here blocks the event loop: the body is read asynchronously and the
checks are native calls of a few microseconds. A synchronous handler runs
in Starlette's thread pool.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable
from typing import Any, Callable, Optional, Union

from usersig._native import CallbackVerifier, Signer
from usersig.exceptions import CallbackError
from usersig.web import (
    CONTENT_TYPE,
    DEFAULT_ISSUE_EXPIRE,
    MAX_BODY_LEN,
    OK_REPLY,
    Callback,
    body_too_large,
    _declared_length,
    issue_usersig,
    refusal,
    verify_callback,
)
from usersig.web._framework import require

require("starlette", "usersig.web.starlette", "starlette")

from starlette.concurrency import run_in_threadpool  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402

__all__ = [
    "callback_endpoint",
    "ok_response",
    "read_body",
    "read_callback",
    "refusal_response",
    "usersig_response",
]

#: A clock for the freshness check: unix seconds (tests pass a fixed one).
Clock = Callable[[], int]

Handler = Callable[[Request, Callback], Union[Awaitable[Optional[Response]], Optional[Response]]]


async def read_body(request: Request, limit: int = MAX_BODY_LEN) -> bytes:
    """The request's body, read as it streams in and refused with
    ``CallbackError`` (kind ``"body_too_large"``) as soon as it passes
    ``limit`` bytes, or at once when ``Content-Length`` says it will.
    ``await request.body()`` returns it afterwards."""
    declared = _declared_length(request.headers.get("content-length"))
    if declared is not None and declared > limit:
        raise body_too_large(declared)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise body_too_large(len(body))
    data = bytes(body)
    # Starlette keeps a body read once here, so that the handler can read it again.
    request._body = data
    return data


async def read_callback(
    request: Request, verifier: CallbackVerifier, *, now: Optional[int] = None
) -> Callback:
    """Reads and verifies the callback ``request`` carries (its raw query
    string and its body, read as :func:`read_body` does): a
    :class:`~usersig.web.Callback`, or ``CallbackError``."""
    body = await read_body(request)
    return verify_callback(verifier, request.scope.get("query_string", b""), body, now=now)


def ok_response() -> Response:
    """HTTP 200 with Tencent's ``OK`` body."""
    return Response(OK_REPLY, media_type=CONTENT_TYPE)


def refusal_response(error: CallbackError) -> Response:
    """The answer to a refused callback: :func:`usersig.web.refusal` as a response."""
    status, body = refusal(error)
    return Response(body, status_code=status, media_type=CONTENT_TYPE)


def callback_endpoint(
    verifier: CallbackVerifier, *, clock: Optional[Clock] = None
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """A decorator: ``handler(request, callback)`` becomes a Starlette
    endpoint for IM's callbacks (route it with ``methods=["POST"]``).

    The endpoint verifies the callback (``clock()`` is the time of the
    freshness check, the system clock by default), answers a refusal with
    :func:`refusal_response` without calling the handler, and otherwise
    answers what the handler returns, or :func:`ok_response` for None. A
    ``CallbackError`` the handler raises is answered the same way.
    """
    if not isinstance(verifier, CallbackVerifier):
        raise TypeError(
            f"verifier must be a usersig.login.CallbackVerifier, not {type(verifier).__name__}"
        )

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        is_async = inspect.iscoroutinefunction(handler)

        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            try:
                callback = await read_callback(
                    request, verifier, now=None if clock is None else clock()
                )
                if is_async:
                    answer: Any = await handler(request, callback)  # type: ignore[misc]
                else:
                    answer = await run_in_threadpool(handler, request, callback)
            except CallbackError as e:
                return refusal_response(e)
            return ok_response() if answer is None else answer

        return endpoint

    return wrap


def usersig_response(
    signer: Signer,
    user_id: str,
    expire: int = DEFAULT_ISSUE_EXPIRE,
    *,
    now: Optional[int] = None,
) -> Response:
    """A UserSig for ``user_id`` (your own authentication's user, never one
    read from the request) as a JSON response ``{sdkAppId, userId, userSig,
    expireAt}`` with ``Cache-Control: no-store``
    (:func:`usersig.web.issue_usersig`)."""
    issued = issue_usersig(signer, user_id, expire, now=now)
    return Response(issued.body, headers={"Cache-Control": "no-store"}, media_type=CONTENT_TYPE)
