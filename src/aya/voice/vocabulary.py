"""Brands of the store's catalog, for the speech-to-text prompt (so "Orijen" is not heard as "origin")."""

from __future__ import annotations

import logging
from collections import Counter

from aya.search.models import ProductSearch, SearchQuery

logger = logging.getLogger("aya.voice")

_PROBES = ("dog food", "cat food", "puppy", "kitten", "senior", "treats", "wet food", "grain free")


async def catalog_brands(search: ProductSearch, limit: int = 40) -> list[str]:
    """The most common brands among the products a few broad searches find (best effort: [] on failure)."""
    counts: Counter[str] = Counter()
    try:
        for text in _PROBES:
            query = SearchQuery.model_validate({"text": text, "k": 100, "mode": "keyword", "relax": False})
            result = await search.search(query)
            counts.update(hit.product.brand for hit in result.hits if hit.product.brand)
    except Exception:
        logger.warning("could not read brands from the catalog for the speech prompt", exc_info=True)
        return []
    return [brand for brand, _ in counts.most_common(limit)]
