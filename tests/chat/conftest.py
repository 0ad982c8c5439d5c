"""Chat fixtures: the store contract runs against SQLite and a real PostgreSQL (started by the tests), always."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from agents.testing import ScriptedModel
from fastapi import FastAPI

from aya.chat.server import AyaChatServer
from aya.chat.sql_store import SqlStore
from aya.core.settings import Settings
from aya.web.app import create_app

from .chat_fakes import ChatClient, fake_assistant, fake_echo_model, lifespan


async def _postgres_store(dsn: str) -> tuple[SqlStore, str]:
    """A store in a fresh schema of the session's PostgreSQL (dropped by :func:`_drop_schema`)."""
    from aya.chat.postgres_db import open_postgres_store

    schema = f"aya_test_{secrets.token_hex(6)}"
    return await open_postgres_store(dsn, schema=schema), schema


async def _drop_schema(dsn: str, schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    if request.param == "sqlite":
        from aya.chat.sqlite_db import open_sqlite_store

        sqlite_store = await open_sqlite_store(tmp_path / "threads.sqlite3")
        yield sqlite_store
        await sqlite_store.close()
        return
    dsn: str = request.getfixturevalue("postgres_dsn")
    pg_store, schema = await _postgres_store(dsn)
    try:
        yield pg_store
    finally:
        await pg_store.close()
        await _drop_schema(dsn, schema)


# --- the real app over ASGI, with a scripted fake model ------------------------------------------------------------
@pytest.fixture
def chat_settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def model() -> ScriptedModel:
    return fake_echo_model()


@pytest.fixture
def assistant(model: ScriptedModel) -> Any:
    return fake_assistant(model)


@pytest.fixture
async def app(chat_settings: Settings, assistant: Any) -> AsyncIterator[FastAPI]:
    application = create_app(chat_settings)
    application.state.resources.extras["assistant"] = assistant
    async with lifespan(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[ChatClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield ChatClient(http, "alice", app=app)


@pytest.fixture
def chat_server(app: FastAPI) -> AyaChatServer:
    return app.state.resources.extras["chat_server"]  # type: ignore[no-any-return]
