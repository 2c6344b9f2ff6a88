"""The example's callback view and issuance endpoint on Django, in one
module: :func:`setup` builds the views into ``urlpatterns`` here, and
:func:`configure` sets up a minimal project around them (``ROOT_URLCONF``
is this module), for the tests and for ``python django_app.py runserver``."""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Optional

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, clear_url_caches, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from presence import Presence
from usersig import Signer
from usersig.login import CallbackVerifier
from usersig.web import Callback
from usersig.web.django import callback_view, usersig_response

#: The stand-in for the app's own authentication (a real project has
#: ``request.user`` from its session or token middleware).
DEMO_SESSIONS = {"token-of-alice": "alice", "token-of-bob": "bob"}

urlpatterns: list[URLPattern] = []


def build_urlpatterns(
    signer: Signer,
    verifier: CallbackVerifier,
    presence: Presence,
    sessions: dict[str, str],
    clock: Optional[Callable[[], int]] = None,
) -> list[URLPattern]:
    """``POST /usersig`` and ``POST /im/callback`` over these objects."""

    def current_user(request: HttpRequest) -> Optional[str]:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return sessions.get(token) if scheme.lower() == "bearer" else None

    # Bearer-token authentication sends no cookie, so there is nothing for a
    # cross-site request to ride on; with session cookies, keep Django's CSRF check.
    @csrf_exempt
    @require_POST
    def issue(request: HttpRequest) -> HttpResponse:
        user = current_user(request)
        if user is None:
            return HttpResponse("log in first", status=401)
        return usersig_response(signer, user, 86400)

    @callback_view(verifier, clock=clock)
    def im_callback(request: HttpRequest, callback: Callback) -> None:
        if callback.state_change is not None:
            presence.apply(callback.state_change, callback.platform)

    return [path("usersig", issue), path("im/callback", im_callback)]


def setup(
    signer: Signer,
    verifier: CallbackVerifier,
    *,
    presence: Optional[Presence] = None,
    sessions: Optional[dict[str, str]] = None,
    **kw: Any,
) -> Presence:
    """Serves the example's views from this module's ``urlpatterns``;
    returns the presence table they keep."""
    table = presence if presence is not None else Presence()
    urlpatterns[:] = build_urlpatterns(
        signer, verifier, table, DEMO_SESSIONS if sessions is None else sessions, **kw
    )
    clear_url_caches()
    return table


def configure() -> None:
    """A minimal Django project around this module (once per process)."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="example-only-not-secret",
            ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"],
            ROOT_URLCONF=__name__,
            MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
            INSTALLED_APPS=[],
            USE_TZ=True,
        )
        import django

        django.setup()


if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    sdkappid = int(os.environ["SDKAPPID"])
    setup(
        Signer(sdkappid, os.environ["USERSIG_SECRET_KEY"]),
        CallbackVerifier(os.environ["IM_CALLBACK_TOKEN"], sdkappid=sdkappid),
    )
    configure()
    execute_from_command_line(sys.argv)
