"""Fixtures for the MCP tests: a small real catalog (SQLite + tantivy, no embeddings), real HTTP through uvicorn,
and a tiny second MCP server (``echo_server.py``) for the registry."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from types import ModuleType

import pytest
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aya.catalog.sample import generate_sample_catalog
from aya.core.settings import Settings
from aya.search.factory import open_search
from aya.search.ingest import ingest_products
from aya.search.models import ProductSearch

HERE = Path(__file__).resolve().parent
ECHO_SERVER = HERE / "echo_server.py"
CATALOG_SIZE = 60

ServeHttp = Callable[[ASGIApp], AbstractAsyncContextManager[str]]
EchoTable = Callable[..., str]


async def _build_catalog(data_dir: Path) -> None:
    search = await open_search(Settings(data_dir=data_dir, embedder="none", _env_file=None))  # type: ignore[call-arg]
    try:
        await ingest_products(search, generate_sample_catalog(n=CATALOG_SIZE, seed=7), embed=False)
    finally:
        await search.aclose()


@pytest.fixture(scope="session")
def catalog_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding a 60-product sample catalog (built once; tests only read it)."""
    data_dir = tmp_path_factory.mktemp("mcp-catalog")
    asyncio.run(_build_catalog(data_dir))
    return data_dir


@pytest.fixture
async def app_settings(tmp_path: Path, servers_file: Path) -> Settings:
    """Settings for a whole app (chat threads, attachments): a fresh catalog in this test's own data dir."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    await _build_catalog(data_dir)
    return Settings(  # type: ignore[call-arg]
        data_dir=data_dir, embedder="none", mcp_servers_file=servers_file, admin_users=["owner-1"], _env_file=None
    )


@pytest.fixture
def catalog_size() -> int:
    return CATALOG_SIZE


@pytest.fixture
def servers_file(tmp_path: Path) -> Path:
    return tmp_path / "mcp_servers.toml"


@pytest.fixture
def mcp_settings(catalog_dir: Path, servers_file: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        data_dir=catalog_dir, embedder="none", mcp_servers_file=servers_file, _env_file=None
    )


@pytest.fixture
async def search(mcp_settings: Settings) -> AsyncIterator[ProductSearch]:
    opened = await open_search(mcp_settings)
    try:
        yield opened
    finally:
        await opened.aclose()


@pytest.fixture
def echo_module() -> ModuleType:
    """``echo_server.py`` loaded as a module (its ``build()`` makes the MCPServer, for in-process HTTP)."""
    spec = importlib.util.spec_from_file_location("aya_test_echo_server", ECHO_SERVER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def echo_table() -> EchoTable:
    """``echo_table(name, *args, extra="...")``: a servers-file table spawning the echo server over stdio."""

    def table(name: str, *extra_args: str, extra: str = "") -> str:
        args = ", ".join(f'"{a}"' for a in [ECHO_SERVER.as_posix(), *extra_args])
        return f'[servers.{name}]\ncommand = "{Path(sys.executable).as_posix()}"\nargs = [{args}]\n{extra}\n'

    return table


@asynccontextmanager
async def _serve_http(app: ASGIApp) -> AsyncIterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    started = asyncio.Event()
    outcome: list[str] = []

    async def watched(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return

        async def send_and_watch(message: Message) -> None:
            await send(message)
            if message["type"] in ("lifespan.startup.complete", "lifespan.startup.failed"):
                outcome.append(message["type"])
                started.set()

        await app(scope, receive, send_and_watch)

    server = uvicorn.Server(uvicorn.Config(watched, lifespan="on", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        waiter = asyncio.create_task(started.wait())
        await asyncio.wait({task, waiter}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if task.done() or outcome != ["lifespan.startup.complete"]:
            raise RuntimeError("the test HTTP server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
        sock.close()


@pytest.fixture
async def echo_url(echo_module: ModuleType) -> AsyncIterator[str]:
    """The echo server over streamable HTTP (uvicorn on a free port, in this test's event loop): its MCP URL."""
    async with _serve_http(echo_module.build().streamable_http_app()) as base_url:
        yield f"{base_url}/mcp"


@pytest.fixture
def http_table() -> EchoTable:
    """``http_table(name, url, extra="...")``: a servers-file table for a streamable HTTP server."""

    def table(name: str, url: str, extra: str = "") -> str:
        return f'[servers.{name}]\nurl = "{url}"\n{extra}\n'

    return table


@pytest.fixture
def serve_http() -> ServeHttp:
    """``async with serve_http(app) as base_url``: ``app`` served by uvicorn on a free port, lifespan on."""
    return _serve_http
