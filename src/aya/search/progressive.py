"""The progressive search strategy: relax filters in a fixed order until enough products match.

When a search with filters finds fewer than ``min(min_results, k)`` products, the constraints are loosened one step at
a time, least important first, and the search is repeated until enough match:

1. ``protein_min``         dropped
2. price range             widened by 25% (max × 1.25, min × 0.8), then dropped
3. ``brand``               dropped
4. ``special_features``    dropped one at a time, the last one asked for first (preferences such as grain free)
5. ``food_type``           dropped
6. ``target_conditions``   dropped (a health need matters more than a preference)
7. ``life_stage``          dropped

Never relaxed: ``species`` (food for the wrong animal is useless), ``exclude_ingredients`` (allergies: a safety
matter) and ``availability``. Each applied step is reported as a :class:`Relaxation` the assistant can repeat
("I couldn't find grain-free puppy food under $20, so I raised the limit to $25"). When no step helps, the original
result is returned without relaxations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from aya.catalog.models import Product
from aya.search.analysis import vocab_phrase
from aya.search.models import CatalogStats, Facets, Filters, ProductSearch, Relaxation, SearchQuery, SearchResult

PRICE_WIDEN = 0.25


def relaxation_steps(f: Filters) -> Iterator[tuple[Filters, Relaxation]]:
    """Successively looser filters, each with the relaxation that produced it (cumulative)."""
    cur = f
    if cur.protein_min is not None:
        rel = Relaxation(
            filter="protein_min",
            removed=cur.protein_min,
            description=f"dropped the minimum protein of {cur.protein_min:g}%",
        )
        cur = cur.model_copy(update={"protein_min": None})
        yield cur, rel
    if cur.price_min is not None or cur.price_max is not None:
        lo = round(cur.price_min * (1 - PRICE_WIDEN), 2) if cur.price_min is not None else None
        hi = round(cur.price_max * (1 + PRICE_WIDEN), 2) if cur.price_max is not None else None
        parts = []
        if hi is not None:
            parts.append(f"raised the price limit from ${cur.price_max:.2f} to ${hi:.2f}")
        if lo is not None:
            parts.append(f"lowered the minimum price from ${cur.price_min:.2f} to ${lo:.2f}")
        rel = Relaxation(
            filter="price",
            removed={"price_min": cur.price_min, "price_max": cur.price_max},
            replaced_by={"price_min": lo, "price_max": hi},
            description=" and ".join(parts),
        )
        cur = cur.model_copy(update={"price_min": lo, "price_max": hi})
        yield cur, rel
        rel = Relaxation(
            filter="price", removed={"price_min": lo, "price_max": hi}, description="ignored the price range"
        )
        cur = cur.model_copy(update={"price_min": None, "price_max": None})
        yield cur, rel
    if cur.brand:
        rel = Relaxation(filter="brand", removed=cur.brand, description="included other brands than " + _or(cur.brand))
        cur = cur.model_copy(update={"brand": None})
        yield cur, rel
    features = list(cur.special_features)
    while features:
        dropped = features.pop()
        rel = Relaxation(
            filter="special_features",
            removed=dropped,
            description=f"included products that are not {vocab_phrase(dropped)}",
        )
        cur = cur.model_copy(update={"special_features": list(features)})
        yield cur, rel
    if cur.food_type:
        names = [vocab_phrase(t) for t in cur.food_type]
        rel = Relaxation(
            filter="food_type", removed=cur.food_type, description=f"included food types other than {_or(names)}"
        )
        cur = cur.model_copy(update={"food_type": None})
        yield cur, rel
    if cur.target_conditions:
        names = [vocab_phrase(c) for c in cur.target_conditions]
        rel = Relaxation(
            filter="target_conditions",
            removed=cur.target_conditions,
            description=f"included products not specifically made for {_or(names)}",
        )
        cur = cur.model_copy(update={"target_conditions": []})
        yield cur, rel
    if cur.life_stage:
        rel = Relaxation(
            filter="life_stage",
            removed=cur.life_stage,
            description=f"included food for other life stages than {cur.life_stage}",
        )
        cur = cur.model_copy(update={"life_stage": None})
        yield cur, rel


def _or(values: Sequence[str]) -> str:
    values = list(values)
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


async def progressive_search(search: ProductSearch, query: SearchQuery, min_results: int) -> SearchResult:
    """Search; if fewer than ``min(min_results, k)`` products match, relax filters (see module doc) and retry."""
    result = await search.search(query)
    threshold = min(min_results, query.k)
    if not query.relax or threshold <= 0 or result.total >= threshold or query.filters.is_empty():
        return result
    applied: list[Relaxation] = []
    best, best_relax = result, []
    took = result.took_ms
    for filters, rel in relaxation_steps(query.filters):
        applied.append(rel)
        attempt = await search.search(query.model_copy(update={"filters": filters}))
        took += attempt.took_ms
        if attempt.total > best.total:
            best, best_relax = attempt, list(applied)
        if attempt.total >= threshold:
            break
    best.relaxations = best_relax
    best.took_ms = round(took, 3)
    return best


class ProgressiveSearch:
    """A ``ProductSearch`` that applies the progressive strategy to every ``search`` (opt out with ``relax=False``)."""

    def __init__(self, backend: ProductSearch, *, min_results: int = 3) -> None:
        self.backend = backend
        self.min_results = min_results

    async def search(self, query: SearchQuery) -> SearchResult:
        return await progressive_search(self.backend, query, self.min_results)

    async def get(self, product_ids: Sequence[str]) -> list[Product]:
        return await self.backend.get(product_ids)

    async def similar(self, product_id: str, k: int = 5, filters: Filters | None = None) -> SearchResult:
        return await self.backend.similar(product_id, k, filters)

    async def upsert(self, products: Iterable[Product]) -> int:
        return await self.backend.upsert(products)

    async def delete(self, product_ids: Sequence[str]) -> int:
        return await self.backend.delete(product_ids)

    async def stats(self) -> CatalogStats:
        return await self.backend.stats()

    async def facets(self) -> Facets:
        return await self.backend.facets()

    async def aclose(self) -> None:
        await self.backend.aclose()
