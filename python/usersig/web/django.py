"""Tencent IM webhooks and UserSig issuance for Django.

Imported only where Django is installed (``pip install 'usersig[django]'``).

- :func:`callback_view` decorates a view ``handler(request, callback,
  *args, **kwargs)`` (sync or ``async def``): the view is CSRF-exempt, as a
  webhook must be, answers anything but ``POST`` with 405, gets a verified
  :class:`~usersig.web.Callback`, and a refused callback is answered with
  401/400/413 and Tencent's ``FAIL`` body without calling it; a view that
  returns None answers Tencent's ``OK`` body.
- :func:`read_callback` verifies a request's callback.
- :func:`usersig_response`: an issued UserSig as a ``no-store`` JSON response.

The body is read with ``request.read()``, at most 1 MiB (a larger
``Content-Length`` is refused before anything is read). Under ASGI Django
has the body in memory (or a spooled file) before the view runs, so the
async view reads it without waiting on the network.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Optional

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

require("django", "usersig.web.django", "django")

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed  # noqa: E402

__all__ = ["callback_view", "read_body", "read_callback", "usersig_response"]

#: A clock for the freshness check: unix seconds (tests pass a fixed one).
Clock = Callable[[], int]


def read_body(request: HttpRequest, limit: int = MAX_BODY_LEN) -> bytes:
    """``request``'s body, at most ``limit`` bytes, or ``CallbackError``
    (kind ``"body_too_large"``)."""
    declared = _declared_length(request.META.get("CONTENT_LENGTH"))
    if declared is not None and declared > limit:
        raise body_too_large(declared)
    data: bytes = request.read(limit + 1)
    if len(data) > limit:
        raise body_too_large(len(data))
    return data


def read_callback(
    request: HttpRequest, verifier: CallbackVerifier, *, now: Optional[int] = None
) -> Callback:
    """Verifies ``request``'s callback (its raw query string and its body):
    a :class:`~usersig.web.Callback`, or ``CallbackError``."""
    query = request.META.get("QUERY_STRING", "")
    return verify_callback(verifier, query, read_body(request), now=now)


def _csrf_exempt(view: Callable[..., Any]) -> Callable[..., Any]:
    # What django.views.decorators.csrf.csrf_exempt marks, without its
    # wrapper (which, before Django 5.0, turns an async view into a sync one).
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def _answer(status: int, body: str) -> HttpResponse:
    return HttpResponse(body, status=status, content_type=CONTENT_TYPE)


def callback_view(
    verifier: CallbackVerifier, *, clock: Optional[Clock] = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator for the view of IM's callbacks: CSRF-exempt, ``POST``
    only, called as ``handler(request, callback, *args, **kwargs)`` with the
    verified callback (``clock()`` gives the time of the freshness check,
    the system clock by default). A refusal, or a ``CallbackError`` the view
    raises, is answered with :func:`usersig.web.refusal`; a view that
    returns None answers ``OK``. Works for sync and ``async def`` views."""
    if not isinstance(verifier, CallbackVerifier):
        raise TypeError(
            f"verifier must be a usersig.login.CallbackVerifier, not {type(verifier).__name__}"
        )

    def verify(request: HttpRequest) -> Callback:
        return read_callback(request, verifier, now=None if clock is None else clock())

    def wrap(handler: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(handler):

            @functools.wraps(handler)
            async def async_view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                if request.method != "POST":
                    return HttpResponseNotAllowed(["POST"])
                try:
                    answer = await handler(request, verify(request), *args, **kwargs)
                except CallbackError as e:
                    return _answer(*refusal(e))
                return _answer(200, OK_REPLY) if answer is None else answer

            return _csrf_exempt(async_view)

        @functools.wraps(handler)
        def view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            try:
                answer = handler(request, verify(request), *args, **kwargs)
            except CallbackError as e:
                return _answer(*refusal(e))
            return _answer(200, OK_REPLY) if answer is None else answer

        return _csrf_exempt(view)

    return wrap


def usersig_response(
    signer: Signer,
    user_id: str,
    expire: int = DEFAULT_ISSUE_EXPIRE,
    *,
    now: Optional[int] = None,
) -> HttpResponse:
    """A UserSig for ``user_id`` (your own authentication's user, never one
    read from the request) as a JSON response ``{sdkAppId, userId, userSig,
    expireAt}`` with ``Cache-Control: no-store``
    (:func:`usersig.web.issue_usersig`)."""
    issued = issue_usersig(signer, user_id, expire, now=now)
    response = HttpResponse(issued.body, status=200, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response
