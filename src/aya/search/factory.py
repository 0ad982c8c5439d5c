"""Open the configured product search backend."""

from __future__ import annotations

from aya.core.settings import Settings
from aya.search.embedder import Embedder
from aya.search.models import ProductSearch
from aya.search.progressive import ProgressiveSearch


async def open_backend(settings: Settings, embedder: Embedder | None = None) -> ProductSearch:
    """The raw backend of ``settings.search_backend`` (no filter relaxation)."""
    if settings.search_backend == "opensearch":
        from aya.search.opensearch_backend import OpenSearchProductSearch

        return await OpenSearchProductSearch.open(settings, embedder)
    from aya.search.sqlite_backend import SqliteProductSearch

    return await SqliteProductSearch.open(settings, embedder)


async def open_search(settings: Settings, embedder: Embedder | None = None) -> ProgressiveSearch:
    """The product search the app uses: the configured backend wrapped in the progressive strategy.

    Close it with ``await search.aclose()``. ``embedder`` overrides the one ``settings.embedder`` selects.
    """
    backend = await open_backend(settings, embedder)
    return ProgressiveSearch(backend, min_results=settings.search_min_results)
