"""Shop fixtures: the real app (ChatKit server, SQLite search over the 300-product sample catalog, offline model)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from aya.core.settings import Settings
from aya.search.models import ProductSearch
from aya.web.app import create_app


def offline_settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        model_provider="offline",
        openai_api_key=None,
        voice_mode="offline",
        _env_file=None,  # type: ignore[call-arg]
    )


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[FastAPI]:
    """Run the app's lifespan in one task of its own (its task groups must start and stop in the same task)."""
    started = asyncio.Event()
    stop = asyncio.Event()

    async def run() -> None:
        try:
            async with app.router.lifespan_context(app):
                started.set()
                await stop.wait()
        finally:
            started.set()

    task = asyncio.create_task(run())
    await started.wait()
    if task.done():
        task.result()  # start-up failed: raise its error here
    try:
        yield app
    finally:
        stop.set()
        await task


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shop_app(catalog_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FastAPI]:
    """One served app per test module over a private copy of the sample catalog, with the offline model."""
    data = tmp_path_factory.mktemp("shop") / "data"
    shutil.copytree(catalog_data_dir, data)
    async with serving(create_app(offline_settings(data))) as app:
        yield app


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shop_http(shop_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=shop_app), base_url="http://testserver") as http:
        yield http


@asynccontextmanager
async def small_catalog(data_dir: Path, products: list[Any]) -> AsyncIterator[ProductSearch]:
    """The real search (SQLite + tantivy, progressive relaxation; keyword mode) over hand-written products."""
    from aya.search.factory import open_search

    search = await open_search(offline_settings(data_dir).model_copy(update={"embedder": "none"}))
    try:
        await search.upsert(products)
        yield search
    finally:
        await search.aclose()


@pytest.fixture
def shop_search(shop_app: FastAPI) -> ProductSearch:
    search = shop_app.state.resources.search
    assert search is not None
    return search  # type: ignore[no-any-return]
