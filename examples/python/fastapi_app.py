"""The example backend, on FastAPI: ``POST /usersig`` issues a UserSig to
the user the app's own authentication names, and ``POST /im/callback``
receives IM's webhooks, verified, to keep a presence table.

Run it (``pip install 'usersig[web]'``)::

    SDKAPPID=1400000000 USERSIG_SECRET_KEY=... IM_CALLBACK_TOKEN=... \\
        uvicorn --factory fastapi_app:app_from_env --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

import os
from typing import Callable, Optional

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException
from starlette.responses import Response

from presence import Presence
from usersig import Signer
from usersig.login import CallbackVerifier
from usersig.web import Callback
from usersig.web.fastapi import CallbackRoute, VerifiedCallback, usersig_response

#: The stand-in for the app's own authentication: bearer tokens and the
#: users they belong to (a real app asks its session store or its identity provider).
DEMO_SESSIONS = {"token-of-alice": "alice", "token-of-bob": "bob"}


def create_app(
    signer: Signer,
    verifier: CallbackVerifier,
    *,
    sessions: Optional[dict[str, str]] = None,
    presence: Optional[Presence] = None,
    expire: int = 86400,
    clock: Optional[Callable[[], int]] = None,
) -> FastAPI:
    """The app: ``signer`` issues, ``verifier`` checks the webhooks
    (``clock`` for their freshness, the system clock by default)."""
    sessions = DEMO_SESSIONS if sessions is None else sessions
    app = FastAPI(title="usersig example")
    app.state.presence = presence if presence is not None else Presence()

    def current_user(authorization: str = Header(default="")) -> str:
        """The app's own authentication (a stub): a bearer token of a session."""
        scheme, _, token = authorization.partition(" ")
        user = sessions.get(token) if scheme.lower() == "bearer" else None
        if user is None:
            raise HTTPException(status_code=401, detail="log in first")
        return user

    @app.post("/usersig")
    def issue(user_id: str = Depends(current_user)) -> Response:
        return usersig_response(signer, user_id, expire)

    webhooks = APIRouter(route_class=CallbackRoute)

    @webhooks.post("/im/callback")
    async def im_callback(callback: Callback = Depends(VerifiedCallback(verifier, clock=clock))) -> None:
        if callback.state_change is not None:
            app.state.presence.apply(callback.state_change, callback.platform)
        # None: Tencent's OK body.

    @app.get("/presence/{user_id}")
    def presence_of(user_id: str, _: str = Depends(current_user)) -> dict[str, object]:
        table: Presence = app.state.presence
        return {"userId": user_id, "online": table.is_online(user_id), "platforms": table.platforms(user_id)}

    app.include_router(webhooks)
    return app


def app_from_env() -> FastAPI:
    """The app configured from ``SDKAPPID``, ``USERSIG_SECRET_KEY`` and ``IM_CALLBACK_TOKEN``."""
    sdkappid = int(os.environ["SDKAPPID"])
    return create_app(
        Signer(sdkappid, os.environ["USERSIG_SECRET_KEY"]),
        CallbackVerifier(os.environ["IM_CALLBACK_TOKEN"], sdkappid=sdkappid),
    )
