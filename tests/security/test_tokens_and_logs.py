"""Findings 6, 8 and 12: no session token in a WebSocket URL (single-use tickets instead); key-shaped text and the
configured secrets never reach the log, not even when an upstream server echoes the key; an empty OPENAI_API_KEY= is
"not set"."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from aya.core.context import RequestContext
from aya.core.logging import install_redaction, redact
from aya.core.settings import Settings
from aya.web.app import create_app
from aya.web.tickets import TicketBook

from .conftest import SECRET, AppFactory, client, make_settings, thread_create

LEAKED_KEY = "sk-proj-echoedBack0123456789abcdefXYZ"


def test_a_session_token_in_the_websocket_url_is_refused_and_a_ticket_works_once(data_dir: Path) -> None:
    app = create_app(make_settings(data_dir, auth_mode="token", secret_key=SECRET))
    with TestClient(app, base_url="http://localhost:8000") as http:
        token = http.post("/api/session", json={}).json()["token"]
        http.cookies.clear()
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            http.websocket_connect(f"ws://localhost:8000/voice/ws?token={token}"),
        ):
            pass
        assert refused.value.code == 4401 and "ticket" in (refused.value.reason or "")

        no_identity = http.post("/voice/ticket")
        assert no_identity.status_code == 401
        ticket = http.post("/voice/ticket", headers={"authorization": f"Bearer {token}"}).json()["ticket"]
        book: TicketBook = app.state.resources.tickets
        assert book.redeem(ticket) is not None  # what the WebSocket does: the first use works…
        with (
            pytest.raises(WebSocketDisconnect) as reused,
            http.websocket_connect(f"ws://localhost:8000/voice/ws?ticket={ticket}"),
        ):
            pass
        assert reused.value.code == 4401  # …and only the first


def test_tickets_expire() -> None:
    book = TicketBook(ttl_s=-1)
    ticket = book.issue(RequestContext(user_id="u1"))
    assert book.redeem(ticket) is None
    fresh = TicketBook()
    issued = fresh.issue(RequestContext(user_id="u2", role="shopper"))
    assert fresh.redeem(issued) == RequestContext(user_id="u2")
    assert fresh.redeem(issued) is None


def test_key_shaped_text_and_configured_secrets_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    install_redaction(["configured-secret-value-42"])
    log = logging.getLogger("aya.test.redaction")
    with caplog.at_level(logging.INFO):
        log.warning("upstream said: %s", f"Incorrect API key provided: {LEAKED_KEY}")
        log.info("header Authorization: Bearer abcdefghijklmnop, and configured-secret-value-42")
        try:
            raise RuntimeError(f"boom with {LEAKED_KEY}")
        except RuntimeError:
            log.exception("failed")
    assert LEAKED_KEY not in caplog.text and "abcdefghijklmnop" not in caplog.text
    assert "configured-secret-value-42" not in caplog.text
    assert "[redacted]" in caplog.text and "boom with" in caplog.text
    assert redact("GET /voice/ws?token=abc.def.ghi&thread_id=t1") == "GET /voice/ws?token=[redacted]&thread_id=t1"


@contextmanager
def _echoing_upstream() -> Iterator[str]:
    """An OpenAI-compatible server that refuses every call and echoes the caller's key in its error text."""
    app = FastAPI()

    @app.post("/v1/chat/completions")
    @app.post("/v1/responses")
    async def refuse(request: Request) -> JSONResponse:
        key = request.headers.get("authorization", "").removeprefix("Bearer ")
        error = {"message": f"Incorrect API key provided: {key}", "type": "invalid_request_error"}
        return JSONResponse({"error": error}, status_code=401)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


async def test_an_upstream_error_echoing_the_key_never_reaches_the_log(
    data_dir: Path, dist: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.chat.chat_fakes import lifespan

    with _echoing_upstream() as base_url:
        settings = make_settings(
            data_dir,
            frontend_dist=dist,
            model_provider="openai_compatible",
            model_base_url=base_url,
            model_api_key=LEAKED_KEY,
            model="llama-test",
        )
        app = create_app(settings)
        caplog.set_level(logging.DEBUG)
        async with lifespan(app), client(app) as http:
            response = await http.post("/chatkit", json=thread_create("hello"), headers={"user-id": "u1"})
            assert response.status_code == 200
            assert LEAKED_KEY not in response.text
    assert "Incorrect API key" in caplog.text or "401" in caplog.text  # the failure was logged…
    assert LEAKED_KEY not in caplog.text  # …without the key


def test_an_empty_openai_api_key_means_not_set(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "")
    monkeypatch.setenv("AYA_MCP_TOKEN", "  ")
    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    assert settings.openai_api_key is None and settings.mcp_token is None
    assert settings.effective_model_provider == "offline" and settings.effective_voice_mode == "offline"
    with TestClient(create_app(settings), base_url="http://localhost:8000") as http:
        assert http.get("/healthz").status_code == 200


async def test_the_app_factory_fixture_is_isolated(app_factory: AppFactory) -> None:
    async with app_factory() as app, client(app) as http:
        assert (await http.get("/api/me", headers={"user-id": "u1"})).json()["role"] == "shopper"
