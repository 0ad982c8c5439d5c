"""The shared populated-catalog fixtures (tests/conftest.py) work and hold what they promise."""

from __future__ import annotations

from aya.search.models import Filters, ProductSearch, SearchQuery


async def test_catalog_search_is_populated_with_embeddings(catalog_search: ProductSearch) -> None:
    stats = await catalog_search.stats()
    assert stats.total == 300
    assert stats.with_embeddings == 300
    assert set(stats.by_species) == {"dog", "cat"}
    res = await catalog_search.search(SearchQuery(text="food for a senior cat", filters=Filters(species="cat")))
    assert res.mode == "hybrid" and res.hits
    assert all(h.product.species == "cat" for h in res.hits)
