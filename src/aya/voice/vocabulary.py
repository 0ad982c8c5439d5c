"""Brands of the store's catalog, for the speech-to-text prompt (so "Orijen" is not heard as "origin")."""

from __future__ import annotations

import logging

from aya.search.models import ProductSearch

logger = logging.getLogger("aya.voice")


async def catalog_brands(search: ProductSearch, limit: int = 40) -> list[str]:
    """The catalog's most common brands, from ``ProductSearch.facets()`` (best effort: [] on failure)."""
    try:
        facets = await search.facets()
    except Exception:
        logger.warning("could not read brands from the catalog for the speech prompt", exc_info=True)
        return []
    return [f.value for f in facets.brands[:limit]]
