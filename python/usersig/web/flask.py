"""Tencent IM webhooks and UserSig issuance for Flask.

Imported only where Flask is installed (``pip install 'usersig[flask]'``).

- :func:`callback_view` decorates a view ``handler(callback, **url_args)``:
  it gets a verified :class:`~usersig.web.Callback`; a refused callback is
  answered with 401/400/413 and Tencent's ``FAIL`` body without calling it;
  a view that returns None answers Tencent's ``OK`` body.
- :func:`read_callback` verifies the current request's callback.
- :func:`usersig_response`: an issued UserSig as a ``no-store`` JSON response.

The body is read from ``request.stream``, at most 1 MiB (a larger
``Content-Length`` is refused before anything is read, a chunked body as
soon as it passes the cap), so the view finds ``request.get_data()``
empty: the parsed body is ``callback.body``.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional

from usersig._native import CallbackVerifier, Signer
from usersig.exceptions import CallbackError
from usersig.web import (
    CONTENT_TYPE,
    DEFAULT_ISSUE_EXPIRE,
    ISSUANCE_HEADERS,
    MAX_BODY_LEN,
    OK_REPLY,
    Callback,
    body_too_large,
    issue_usersig,
    refusal,
    verify_callback,
)
from usersig.web._framework import require

require("flask", "usersig.web.flask", "flask")

import flask  # noqa: E402

__all__ = ["callback_view", "read_body", "read_callback", "usersig_response"]

#: A clock for the freshness check: unix seconds (tests pass a fixed one).
Clock = Callable[[], int]


def read_body(limit: int = MAX_BODY_LEN) -> bytes:
    """The current request's body, at most ``limit`` bytes, or
    ``CallbackError`` (kind ``"body_too_large"``)."""
    request = flask.request
    declared = request.content_length
    if declared is not None and declared > limit:
        raise body_too_large(declared)
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise body_too_large(len(data))
    return data


def read_callback(verifier: CallbackVerifier, *, now: Optional[int] = None) -> Callback:
    """Verifies the current request's callback (its raw query string and
    its body): a :class:`~usersig.web.Callback`, or ``CallbackError``."""
    return verify_callback(verifier, flask.request.query_string, read_body(), now=now)


def _answer(status: int, body: str) -> flask.Response:
    return flask.Response(body, status=status, content_type=CONTENT_TYPE)


def callback_view(
    verifier: CallbackVerifier, *, clock: Optional[Clock] = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator for the view of IM's callbacks (route it with
    ``methods=["POST"]``): the view is called as ``handler(callback,
    **url_args)`` with the verified callback (``clock()`` gives the time of
    the freshness check, the system clock by default). A refusal, or a
    ``CallbackError`` the view raises, is answered with
    :func:`usersig.web.refusal`; a view that returns None answers ``OK``."""
    if not isinstance(verifier, CallbackVerifier):
        raise TypeError(
            f"verifier must be a usersig.login.CallbackVerifier, not {type(verifier).__name__}"
        )

    def wrap(handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        def view(*args: Any, **kwargs: Any) -> Any:
            try:
                callback = read_callback(verifier, now=None if clock is None else clock())
                answer = handler(callback, *args, **kwargs)
            except CallbackError as e:
                return _answer(*refusal(e))
            return _answer(200, OK_REPLY) if answer is None else answer

        return view

    return wrap


def usersig_response(
    signer: Signer,
    user_id: str,
    expire: int = DEFAULT_ISSUE_EXPIRE,
    *,
    now: Optional[int] = None,
) -> flask.Response:
    """A UserSig for ``user_id`` (your own authentication's user, never one
    read from the request) as a JSON response ``{sdkAppId, userId, userSig,
    expireAt}`` with ``Cache-Control: no-store``
    (:func:`usersig.web.issue_usersig`)."""
    issued = issue_usersig(signer, user_id, expire, now=now)
    return flask.Response(issued.body, status=200, headers=ISSUANCE_HEADERS)
