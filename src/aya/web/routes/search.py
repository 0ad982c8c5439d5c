"""Search routes and the search component: ``POST /api/search``, ``GET /api/products/{id}`` (and similar).

``setup`` opens the configured search (see :func:`aya.search.factory.open_search`) in the lifespan and closes it with
the exit stack. Requests are validated by the search models: an unknown filter or a bad value answers 422 naming
the field.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import AsyncExitStack
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query

from aya.core.errors import NotFound
from aya.search.embedder import make_embedder
from aya.search.factory import open_search
from aya.search.models import ProductSearch, SearchQuery
from aya.web.deps import SearchDep
from aya.web.resources import Resources

logger = logging.getLogger("aya.web")
router = APIRouter(prefix="/api", tags=["search"])


async def setup(app: FastAPI, resources: Resources, stack: AsyncExitStack) -> None:
    embedder = make_embedder(resources.settings)
    search = await open_search(resources.settings, embedder)
    stack.push_async_callback(search.aclose)
    resources.search = search
    resources.embedder = embedder
    if resources.settings.embedder != "none":
        # Load the embedding model now, in the background, rather than on the first shopper's query (~0.8 s).
        warm_up = asyncio.create_task(_warm_up(search), name="aya-search-warm-up")
        resources.search_warm_up = warm_up
        stack.push_async_callback(_finish, warm_up)  # runs before search.aclose (the stack unwinds in reverse)


async def _warm_up(search: ProductSearch) -> None:
    try:
        await search.search(SearchQuery(text="dog food", k=1, mode="semantic"))
    except Exception:  # a failed warm-up only costs the first query its speed
        logger.warning("search warm-up failed", exc_info=True)


async def _finish(task: asyncio.Task[None]) -> None:
    """Let a running warm-up end (about a second) so the search is not closed under its worker thread."""
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(task, timeout=10)


@router.post("/search")
async def search_products(query: SearchQuery, search: SearchDep) -> dict[str, Any]:
    """Search: ``{"text", "filters", "k", "offset", "sort", "mode"}`` → hits, total, relaxations, took_ms."""
    result = await search.search(query)
    return result.model_dump(mode="json")


@router.get("/products/{product_id}")
async def get_product(product_id: str, search: SearchDep) -> dict[str, Any]:
    products = await search.get([product_id])
    if not products:
        raise NotFound(f"product {product_id!r} not found", field="product_id")
    return products[0].model_dump(mode="json")


@router.get("/products/{product_id}/similar")
async def similar_products(
    product_id: str, search: SearchDep, k: Annotated[int, Query(ge=1, le=50)] = 5
) -> dict[str, Any]:
    """Products like this one (same species), by embedding similarity or, without embeddings, by keywords."""
    result = await search.similar(product_id, k=k, filters=None)
    return result.model_dump(mode="json")
