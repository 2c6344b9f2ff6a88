"""Tencent IM webhooks and UserSig issuance for FastAPI.

Imported only where FastAPI is installed (``pip install 'usersig[fastapi]'``).

- :class:`VerifiedCallback` is a dependency that hands the path operation a
  verified :class:`~usersig.web.Callback`:
  ``callback: Callback = Depends(VerifiedCallback(verifier))``. It raises
  :class:`CallbackRefused`, an ``HTTPException`` with the refusal's status
  (401, 400 or 413).
- :class:`CallbackRoute`, the route class of the router that holds the
  callback route (``APIRouter(route_class=CallbackRoute)``), answers that
  refusal with Tencent's ``FAIL`` body; without it FastAPI answers the same
  status with its own ``{"detail": KIND}``. ``app.add_exception_handler(
  CallbackRefused, callback_refused_handler)`` does the same app-wide.
- :func:`usersig_response`: an issued UserSig as a ``no-store`` JSON response.

The body is read asynchronously (streamed, at most 1 MiB) and the checks are
native calls of a few microseconds: nothing blocks the event loop.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, Callable, Optional

from usersig._native import CallbackVerifier
from usersig.exceptions import CallbackError
from usersig.web import OK_REPLY, Callback, refusal
from usersig.web._framework import require

require("fastapi", "usersig.web.fastapi", "fastapi")

from fastapi import HTTPException, Request  # noqa: E402
from fastapi.datastructures import DefaultPlaceholder  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from fastapi.routing import APIRoute  # noqa: E402
from starlette.responses import Response  # noqa: E402

from usersig.web.starlette import (  # noqa: E402
    Clock,
    ok_response,
    read_callback,
    refusal_response,
    usersig_response,
)

__all__ = [
    "CallbackRefused",
    "CallbackResponse",
    "CallbackRoute",
    "VerifiedCallback",
    "callback_refused_handler",
    "ok_response",
    "refusal_response",
    "usersig_response",
]


class CallbackRefused(HTTPException):
    """A refused callback, as an ``HTTPException``: ``status_code`` is the
    refusal's (401, 400, 413), ``detail`` the error's ``kind``, ``error``
    the :class:`~usersig.exceptions.CallbackError` itself."""

    def __init__(self, error: CallbackError) -> None:
        super().__init__(status_code=refusal(error).status, detail=error.kind)
        self.error = error


class VerifiedCallback:
    """A FastAPI dependency: the request's callback, verified with
    ``verifier`` (``clock()`` gives the time of the freshness check, the
    system clock by default), or :class:`CallbackRefused`::

        router = APIRouter(route_class=CallbackRoute)

        @router.post("/im/callback")
        async def im_callback(callback: Callback = Depends(VerifiedCallback(verifier))):
            ...  # returning None answers Tencent's OK body
    """

    def __init__(self, verifier: CallbackVerifier, *, clock: Optional[Clock] = None) -> None:
        if not isinstance(verifier, CallbackVerifier):
            raise TypeError(
                f"verifier must be a usersig.login.CallbackVerifier, not {type(verifier).__name__}"
            )
        self.verifier = verifier
        self.clock = clock

    async def __call__(self, request: Request) -> Callback:
        try:
            return await read_callback(
                request, self.verifier, now=None if self.clock is None else self.clock()
            )
        except CallbackError as e:
            raise CallbackRefused(e) from e


async def callback_refused_handler(request: Request, exc: Exception) -> Response:
    """An exception handler for :class:`CallbackRefused` (and a
    ``CallbackError`` raised by a path operation): Tencent's ``FAIL`` body."""
    if isinstance(exc, CallbackRefused):
        return refusal_response(exc.error)
    if isinstance(exc, CallbackError):
        return refusal_response(exc)
    raise exc


class CallbackRoute(APIRoute):
    """A route class that answers :class:`CallbackRefused` (and a
    ``CallbackError`` raised by the path operation) with Tencent's ``FAIL``
    body and the refusal's status. Its default response class is
    :class:`CallbackResponse`: a path operation that returns None answers
    Tencent's ``OK`` body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except CallbackRefused as e:
                return refusal_response(e.error)
            except CallbackError as e:
                return refusal_response(e)

        return route

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        # The router passes its default (JSONResponse) as a placeholder.
        chosen = kwargs.get("response_class")
        if chosen is None or isinstance(chosen, DefaultPlaceholder):
            kwargs["response_class"] = CallbackResponse
        super().__init__(path, endpoint, **kwargs)


class CallbackResponse(JSONResponse):
    """:class:`CallbackRoute`'s default response class: a path operation
    that returns None answers Tencent's ``OK`` body instead of ``null``."""

    def render(self, content: Any) -> bytes:
        if content is None:
            return OK_REPLY.encode()
        return super().render(content)
