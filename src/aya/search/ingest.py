"""Ingest products into a search backend: brands filled from titles, batches, embeddings through the cache, a report."""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Callable, Iterable, Sequence

from pydantic import BaseModel

from aya.catalog.brands import BrandFiller
from aya.catalog.models import Product
from aya.search.models import ProductSearch

Progress = Callable[[int, int], None]  # (products done, total or -1 when unknown)


class IngestReport(BaseModel):
    products: int  # products read
    changed: int  # products inserted or updated (unchanged ones are skipped)
    embedded: int  # texts that reached the embedding model (cache misses)
    total: int  # catalog size afterwards
    seconds: float
    replaced: bool = False
    brandless: int = 0  # products that arrived without a brand
    brands_filled: int = 0  # of them, those whose title starts with a known brand (now theirs)
    known_brands: int = 0  # brands known to fill them: this ingest's, the catalog's, the brands file's

    @property
    def per_second(self) -> float:
        return self.products / self.seconds if self.seconds > 0 else 0.0


async def ingest_products(
    search: ProductSearch,
    products: Iterable[Product] | AsyncIterable[Product],
    *,
    replace: bool = False,
    embed: bool = True,
    batch_size: int = 500,
    progress: Progress | None = None,
    fill_brands: bool = True,
    brands: Sequence[str] = (),
) -> IngestReport:
    """Upsert (or, with ``replace``, atomically replace the catalog with) ``products``.

    Everything is written in one transaction: an error or an interruption leaves the catalog as it was.
    ``embed=False`` skips embedding (semantic search then covers only products embedded before).
    ``fill_brands``: a product without a brand whose title starts with a known brand gets it
    (:class:`aya.catalog.brands.BrandFiller`); known are the brands of this ingest's other products, those already
    in the catalog (``facets()``) and ``brands`` (the brands file).
    """
    backend = getattr(search, "backend", search)  # unwrap ProgressiveSearch
    started = time.perf_counter()
    filler: BrandFiller | None = None
    if fill_brands:
        filler = BrandFiller([*brands, *(f.value for f in (await search.facets()).brands)])
        products = filler.afill(products) if isinstance(products, AsyncIterable) else filler.fill(products)
    count = 0

    def counting(n: int, _total: int) -> None:
        nonlocal count
        count = n
        if progress:
            progress(n, _total)

    write = getattr(backend, "write", None)
    embedder = getattr(backend, "embedder", None)
    before = embedder.computed if embedder is not None else 0
    if write is not None:
        changed = await write(products, replace=replace, embed=embed, batch_size=batch_size, progress=counting)
    else:  # a backend with only the Protocol's methods
        if replace:
            raise NotImplementedError(f"{type(backend).__name__} does not support replace")
        items = [p async for p in products] if isinstance(products, AsyncIterable) else list(products)
        changed = await backend.upsert(items)
        counting(len(items), len(items))
    embedded = (embedder.computed - before) if embedder is not None else 0
    stats = await search.stats()
    return IngestReport(
        products=count,
        changed=changed,
        embedded=embedded,
        total=stats.total,
        seconds=round(time.perf_counter() - started, 3),
        replaced=replace,
        brandless=filler.brandless if filler else 0,
        brands_filled=filler.filled if filler else 0,
        known_brands=len(filler.known) if filler else 0,
    )
