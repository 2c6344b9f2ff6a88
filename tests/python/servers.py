"""Test servers on 127.0.0.1: an ASGI app under uvicorn on a free port, in a
thread, started and stopped within bounded times."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def serve_asgi(app: Any, *, timeout: float = 10.0) -> Iterator[str]:
    """Serves ``app`` with uvicorn on ``127.0.0.1`` (port 0: any free one)
    and yields its base URL; stops it on exit."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="off",
        ws="none",
        http="h11",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    [listening] = server.servers
    host, port = listening.sockets[0].getsockname()[:2]
    assert host == "127.0.0.1"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        assert not thread.is_alive(), "uvicorn did not stop"
