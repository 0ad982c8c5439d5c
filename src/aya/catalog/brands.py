"""Brands for products that arrive without one, from the start of their titles.

Retailer exports often leave the brand empty (1,245 of the 2,071 real Chewy cat foods of 2021). When the title starts
with a brand the catalog KNOWS — one that other records of the same ingest carry, one already in the target index,
or one listed in a brands file (``AYA_BRANDS_FILE``) — that brand is the product's (:func:`brand_from_title`: the
longest known brand the title starts with, as whole words). A title that starts with no known brand keeps its empty
brand: guessing its first word would invent brands ("Grain-Free", "Chicken").

:class:`BrandFiller` does it on a stream of products in one pass: products with a brand pass through at once (and
teach their brand), the brandless ones are held back and filled at the end, when every brand of the ingest is known.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from pathlib import Path

from aya.catalog.denormalize import brand_from_title
from aya.catalog.models import Product

MIN_BRAND_LENGTH = 2  # a one-letter "brand" would claim every title starting with "A"


class BrandsFileError(ValueError):
    """The brands file cannot be read."""


def read_brands_file(path: Path) -> list[str]:
    """One brand a line, as written; blank lines and ``#`` comments skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BrandsFileError(f"brands file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BrandsFileError(f"brands file {path}: cannot be read ({exc})") from None
    out: list[str] = []
    for line in text.splitlines():
        brand = line.split("#", 1)[0].strip()
        if brand:
            out.append(brand)
    return out


class BrandFiller:
    """Fill empty brands from titles with the known brands (see the module docstring). Counters after a pass:
    ``brandless`` products arrived without a brand, ``filled`` of them got one."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        self.known: set[str] = set()
        self.brandless = 0
        self.filled = 0
        self._held: list[Product] = []
        for b in known:
            self.learn(b)

    def learn(self, brand: str) -> None:
        """Know ``brand``, and each part of a list ("Hill's, Science Diet": a brand and its line or maker)."""
        for name in (brand, *brand.split(",")):
            name = " ".join(name.split())
            if len(name) >= MIN_BRAND_LENGTH:
                self.known.add(name)

    def _take(self, product: Product) -> Product | None:
        if product.brand.strip():
            self.learn(product.brand)
            return product
        self.brandless += 1
        self._held.append(product)
        return None

    def _release(self) -> Iterator[Product]:
        # longest first, then alphabetical: the same brand wins whatever order the brands were learnt in
        brands = sorted(self.known, key=lambda b: (-len(b), b.lower(), b))
        held, self._held = self._held, []
        for p in held:
            brand = brand_from_title(p.title, brands)
            if brand:
                self.filled += 1
                p = p.model_copy(update={"brand": brand})
            yield p

    def fill(self, products: Iterable[Product]) -> Iterator[Product]:
        for p in products:
            out = self._take(p)
            if out is not None:
                yield out
        yield from self._release()

    async def afill(self, products: AsyncIterable[Product]) -> AsyncIterator[Product]:
        async for p in products:
            out = self._take(p)
            if out is not None:
                yield out
        for p in self._release():
            yield p
