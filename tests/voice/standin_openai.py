"""A local stand-in for OpenAI's Realtime client-secret endpoint (a fake at the OpenAI boundary, named as such).

It records every request it receives (path, headers, JSON body) and answers with the response shape of
``POST /v1/realtime/client_secrets`` (``value``, ``expires_at``, ``session``), or with a configured error status.
It runs on real HTTP (uvicorn on a free port, in a thread).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

EPHEMERAL_SECRET = "ek_standin_0123456789abcdef"


@dataclass
class StandIn:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_with: int | None = None
    fail_body: dict[str, Any] | None = None  # a recorded error body (tests/fixtures/recorded/openai_errors.json)


def _app(state: StandIn) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/realtime/client_secrets")
    async def client_secrets(request: Request) -> JSONResponse:
        body = await request.json()
        state.requests.append({"path": request.url.path, "headers": dict(request.headers), "json": body})
        if state.fail_with is not None:
            body = state.fail_body or {"error": {"message": "stand-in failure", "type": "server_error"}}
            return JSONResponse(body, state.fail_with)
        ttl = int(body.get("expires_after", {}).get("seconds", 600))
        return JSONResponse(
            {"value": EPHEMERAL_SECRET, "expires_at": int(time.time()) + ttl, "session": body.get("session", {})}
        )

    return app


@contextmanager
def openai_standin() -> Iterator[StandIn]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # connections queue in the backlog until uvicorn serves them: no start-up wait needed
    port = sock.getsockname()[1]
    state = StandIn(url=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(_app(state), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
