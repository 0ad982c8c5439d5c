"""Fixtures of the security suite: the real app in process (ASGI) or over real HTTP, with the settings' real defaults
(the test-wide host list that admits httpx's "testserver" is removed here)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.chat.chat_fakes import fake_assistant, fake_echo_model, lifespan

from aya.core.settings import Settings
from aya.web.app import create_app

BASE = "http://localhost:8000"
SECRET = "s" * 32

AppFactory = Callable[..., AbstractAsyncContextManager[FastAPI]]


@pytest.fixture(autouse=True)
def _default_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AYA_ALLOWED_HOSTS", raising=False)


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    return Settings(data_dir=data_dir, embedder="none", _env_file=None, **overrides)  # type: ignore[call-arg]


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A stand-in web app build (index.html and one asset), so these tests do not depend on `npm run build`."""
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>Aya</title><div id=root></div>")
    (root / "assets" / "app.js").write_text("console.log('aya')")
    return root


@pytest.fixture
def app_factory(data_dir: Path, dist: Path) -> AppFactory:
    """``async with app_factory(**settings) as app``: the whole app (lifespan run) with a scripted echo model."""

    @asynccontextmanager
    async def build(**overrides: Any) -> AsyncIterator[FastAPI]:
        app = create_app(make_settings(data_dir, **{"frontend_dist": dist, **overrides}))
        app.state.resources.extras["assistant"] = fake_assistant(fake_echo_model())
        async with lifespan(app):
            yield app

    return build


def client(app: FastAPI, *, ip: str = "127.0.0.1", **kwargs: Any) -> httpx.AsyncClient:
    """An HTTP client of ``app`` as seen from ``ip`` (loopback unless said otherwise)."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE, **kwargs)


def thread_create(text: str) -> dict[str, Any]:
    return {
        "type": "threads.create",
        "params": {
            "input": {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}
        },
    }
