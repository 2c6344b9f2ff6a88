"""The example's callback view and issuance endpoint on Flask: the same
presence table as the FastAPI app, fed by the same verified webhooks."""

from __future__ import annotations

from typing import Callable, Optional

from flask import Flask, Response, abort, request

from presence import Presence
from usersig import Signer
from usersig.login import CallbackVerifier
from usersig.web import Callback
from usersig.web.flask import callback_view, usersig_response

#: The stand-in for the app's own authentication (a real app has its login
#: session, e.g. flask-login's ``current_user``).
DEMO_SESSIONS = {"token-of-alice": "alice", "token-of-bob": "bob"}


def create_app(
    signer: Signer,
    verifier: CallbackVerifier,
    *,
    sessions: Optional[dict[str, str]] = None,
    presence: Optional[Presence] = None,
    clock: Optional[Callable[[], int]] = None,
) -> Flask:
    sessions = DEMO_SESSIONS if sessions is None else sessions
    app = Flask(__name__)
    table = presence if presence is not None else Presence()
    app.extensions["presence"] = table

    def current_user() -> str:
        """The app's own authentication (a stub): a bearer token of a session."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = sessions.get(token) if scheme.lower() == "bearer" else None
        if user is None:
            abort(401)
        return user

    @app.post("/usersig")
    def issue() -> Response:
        return usersig_response(signer, current_user(), 86400)

    @app.post("/im/callback")
    @callback_view(verifier, clock=clock)
    def im_callback(callback: Callback) -> None:
        if callback.state_change is not None:
            table.apply(callback.state_change, callback.platform)

    return app
