"""A small list-backed ProductSearch used only by the shop's unit tests of tool logic (post-filters, reasons).

The conversation suite runs over the real SQLite search and the sample catalog; this exists so the tool functions'
own rules can be tested against hand-written products whose every field the test controls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aya.catalog.models import Product
from aya.search.models import CatalogStats, Filters, Relaxation, SearchHit, SearchQuery, SearchResult


def _matches(p: Product, f: Filters) -> bool:
    if f.species and p.species != f.species:
        return False
    if f.life_stage and p.life_stage not in (f.life_stage, "all"):
        return False
    if f.food_type and p.food_type not in f.food_type:
        return False
    if f.brand and p.brand not in f.brand:
        return False
    if f.price_max is not None and p.price > f.price_max:
        return False
    if f.price_min is not None and p.price < f.price_min:
        return False
    if any(x not in p.special_features for x in f.special_features):
        return False
    if f.target_conditions and not set(f.target_conditions) & set(p.target_conditions):
        return False
    return not any(i in " ".join(p.ingredients).lower() for i in f.exclude_ingredients)


class ListProductSearch:
    def __init__(self, products: Iterable[Product]) -> None:
        self.products = {p.id: p for p in products}

    async def search(self, query: SearchQuery) -> SearchResult:
        f = query.filters
        relaxations: list[Relaxation] = []
        hits = [p for p in self.products.values() if _matches(p, f)]
        if not hits and f.price_max is not None:
            relaxations.append(Relaxation(filter="price_max", removed=f.price_max, description="dropped the price cap"))
            f = f.model_copy(update={"price_max": None})
            hits = [p for p in self.products.values() if _matches(p, f)]
        words = set(query.text.lower().split())
        hits.sort(key=lambda p: -len(words & set(p.title.lower().split())))
        if query.sort == "price":
            hits.sort(key=lambda p: p.price)
        out = [SearchHit(product=p, score=1.0, why=[]) for p in hits[: query.k]]
        return SearchResult(hits=out, total=len(hits), relaxations=relaxations)

    async def get(self, product_ids: Sequence[str]) -> list[Product]:
        return [self.products[i] for i in product_ids if i in self.products]

    async def similar(self, product_id: str, k: int = 5, filters: Filters | None = None) -> SearchResult:
        base = self.products[product_id]
        f = filters or Filters()
        hits = [p for p in self.products.values() if p.id != base.id and _matches(p, f) and p.species == base.species]
        return SearchResult(hits=[SearchHit(product=p, score=1.0) for p in hits[:k]], total=len(hits))

    async def upsert(self, products: Iterable[Product]) -> int:
        n = 0
        for p in products:
            self.products[p.id] = p
            n += 1
        return n

    async def delete(self, product_ids: Sequence[str]) -> int:
        return sum(1 for i in product_ids if self.products.pop(i, None) is not None)

    async def stats(self) -> CatalogStats:
        return CatalogStats(total=len(self.products))

    async def aclose(self) -> None:
        return None
