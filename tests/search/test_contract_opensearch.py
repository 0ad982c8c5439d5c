"""The ProductSearch contract against the OpenSearch backend on a real node, with and without an embedder."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from tests.search.contract import *  # noqa: F403

from aya.core.settings import Settings
from aya.search.embedder import MiniLMEmbedder
from aya.search.opensearch_backend import OpenSearchProductSearch

_indexes = itertools.count()


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture(params=["keyword-only", "minilm"])
async def backend(
    request: pytest.FixtureRequest, settings: Settings, minilm: MiniLMEmbedder, opensearch_url: str
) -> AsyncIterator[OpenSearchProductSearch]:
    embedder = minilm if request.param == "minilm" else None
    s = settings.model_copy(
        update={
            "search_backend": "opensearch",
            "opensearch_url": opensearch_url,
            "opensearch_index": f"contract-{next(_indexes)}-{request.param}",
        }
    )
    search = await OpenSearchProductSearch.open(s, embedder, use_settings_embedder=False)
    try:
        yield search
    finally:
        current = await search.current_index()
        if current:
            await search.client.indices.delete(index=current)
        await search.aclose()
