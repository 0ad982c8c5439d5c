"""Other package sizes of the products shown: "do they come in a bigger bag?", "is there a trial size?".

The catalog lists every package size as a product of its own; the sizes of one recipe share
:func:`aya.catalog.packages.recipe_key` (brand and title without the size). :func:`other_sizes` looks the recipe
up in the catalog (same brand and species, its name as the query, nothing relaxed), keeps the other packages of the
same recipe that are bigger or smaller than the one shown, and says so in words with the price per lb, or says
honestly that the catalog has no such size. The answer is computed from catalog data, never generated.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aya.catalog.models import Product
from aya.catalog.packages import recipe_key, recipe_name
from aya.search.models import Filters, ProductSearch, SearchQuery
from aya.shop.knowledge import LB, parse_package
from aya.shop.tools import ProductSummary, products_by_ids

Direction = Literal["bigger", "smaller", "any"]
_SAME = 0.02  # packages within 2% of each other are one size (a listing for dogs and one for cats)
_CANDIDATES = 50


class OtherSizesArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_ids: list[str] = Field(min_length=1, max_length=4, description="Products whose other sizes to find.")
    direction: Direction = Field(default="any", description="bigger, smaller (a trial size), or any other size.")


class SizeOption(BaseModel):
    product: ProductSummary
    kg: float | None = None
    per_lb: float | None = None


class ProductSizes(BaseModel):
    product: ProductSummary = Field(description="The product asked about.")
    kg: float | None = None
    per_lb: float | None = None
    sizes: list[SizeOption] = Field(default_factory=list, description="Its other sizes in the asked direction.")
    others: int = Field(0, description="Other sizes of the recipe in the catalog, in any direction.")


class OtherSizesResult(BaseModel):
    direction: Direction
    items: list[ProductSizes]
    answer: str


async def other_sizes(search: ProductSearch, args: OtherSizesArgs) -> OtherSizesResult:
    items = [await _sizes_of(search, p, args.direction) for p in await products_by_ids(search, args.product_ids)]
    return OtherSizesResult(direction=args.direction, items=items, answer=_answer(items, args.direction))


async def _sizes_of(search: ProductSearch, base: Product, direction: Direction) -> ProductSizes:
    key = recipe_key(base.brand, base.title, base.size)
    filters = Filters.model_validate({"species": base.species, "brand": [base.brand] if base.brand else None})
    query = SearchQuery(text=recipe_name(base.title, base.size)[:300], filters=filters, k=_CANDIDATES, relax=False)
    result = await search.search(query)
    base_kg = _kg(base)
    options: list[SizeOption] = []
    for hit in result.hits:
        p = hit.product
        if p.id == base.id or recipe_key(p.brand, p.title, p.size) != key:
            continue
        kg = _kg(p)
        if kg is not None and base_kg is not None and abs(kg - base_kg) <= _SAME * base_kg:
            continue  # the same package listed again
        options.append(SizeOption(product=ProductSummary.of(p), kg=kg, per_lb=_per_lb(p.price, kg)))
    others = len(options)
    if base_kg is not None and direction != "any":
        options = [o for o in options if o.kg is not None and (o.kg > base_kg) == (direction == "bigger")]
    options.sort(key=lambda o: (o.kg is None, o.kg or 0.0))
    return ProductSizes(
        product=ProductSummary.of(base), kg=base_kg, per_lb=_per_lb(base.price, base_kg), sizes=options, others=others
    )


def _kg(p: Product) -> float | None:
    net = parse_package(p.size, p.title)[0]
    return net if net else p.package_weight_kg or None


def _per_lb(price: float, kg: float | None) -> float | None:
    return round(price / (kg / LB), 2) if kg else None


def _label(s: ProductSummary) -> str:
    return s.size or "another size"


def _answer(items: list[ProductSizes], direction: Direction) -> str:
    lines = [_line(item, direction) for item in items]
    if all(not item.sizes for item in items):
        lines.append('If you like, I can look for similar food in other sizes: just say "something similar".')
    return "\n".join(lines)


def _line(item: ProductSizes, direction: Direction) -> str:
    name = recipe_name(item.product.title, item.product.size)
    here = f"the {_label(item.product)} at ${item.product.price:.2f}{_per_lb_text(item.per_lb)}"
    word = {"bigger": "bigger", "smaller": "smaller", "any": "other"}[direction]
    if not item.sizes:
        if item.others == 0:
            return f"**{name}** comes only in {here} in our catalog: I found no {word} size."
        extreme = {"bigger": "biggest", "smaller": "smallest", "any": "only"}[direction]
        return f"**{name}**: {here} is the {extreme} size we carry, so no {word} one, sorry."
    options = ", ".join(f"{_label(o.product)} for ${o.product.price:.2f}{_per_lb_text(o.per_lb)}" for o in item.sizes)
    many = len(item.sizes) > 1
    what = f"{word} sizes" if many else f"a {word} size" if direction != "any" else "another size"
    return f"**{name}** also comes in {what}: {options}. The one I showed is {here}."


def _per_lb_text(per_lb: float | None) -> str:
    return f", ${per_lb:.2f}/lb" if per_lb is not None else ""


__all__ = ["OtherSizesArgs", "OtherSizesResult", "other_sizes"]
