"""The ProductSearch contract against the embedded SQLite backend, with and without an embedder."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.search.contract import *  # noqa: F403

from aya.core.settings import Settings
from aya.search.embedder import MiniLMEmbedder
from aya.search.sqlite_backend import SqliteProductSearch


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture(params=["keyword-only", "minilm"])
async def backend(
    request: pytest.FixtureRequest, settings: Settings, minilm: MiniLMEmbedder
) -> AsyncIterator[SqliteProductSearch]:
    embedder = minilm if request.param == "minilm" else None
    search = await SqliteProductSearch.open(settings, embedder, use_settings_embedder=False)
    try:
        yield search
    finally:
        await search.aclose()
