"""Why a product matched: short phrases the assistant and the UI can show next to a hit."""

from __future__ import annotations

import re
from collections.abc import Sequence

from aya.catalog.models import Product
from aya.search.analysis import vocab_phrase
from aya.search.models import Filters
from aya.search.text_index import brand_key, matched_words


def explain(
    product: Product,
    filters: Filters,
    *,
    patterns: Sequence[tuple[str, list[re.Pattern[str]]]] = (),
    cosine: float | None = None,
) -> list[str]:
    why: list[str] = []
    words = matched_words(patterns, product)
    if words:
        why.append("matches " + ", ".join(f'"{w}"' for w in words))
    if cosine is not None:
        why.append(f"similar in meaning (cosine {cosine:.2f})")
    f = filters
    if f.species:
        why.append(f"for {product.species}s")
    if f.life_stage:
        if product.life_stage == f.life_stage:
            why.append(f"life stage: {product.life_stage}")
        else:
            why.append(f"all life stages (suits {f.life_stage})")
    if f.food_type:
        why.append(f"food type: {vocab_phrase(product.food_type)}")
    if f.brand and brand_key(product.brand) in {brand_key(b) for b in f.brand}:
        why.append(f"brand: {product.brand}")
    if f.price_min is not None or f.price_max is not None:
        lo = f"${f.price_min:.2f}" if f.price_min is not None else ""
        hi = f"${f.price_max:.2f}" if f.price_max is not None else ""
        bound = f"{lo}–{hi}" if lo and hi else (f"≤ {hi}" if hi else f"≥ {lo}")
        why.append(f"price ${product.price:.2f} ({bound})")
    if f.protein_min is not None and product.nutritional_info.protein_min is not None:
        why.append(f"protein {product.nutritional_info.protein_min:g}% (≥ {f.protein_min:g}%)")
    for feature in f.special_features:
        if feature in product.special_features:
            why.append(vocab_phrase(feature))
    wanted = [c for c in f.target_conditions if c in product.target_conditions]
    if wanted:
        why.append("for " + ", ".join(vocab_phrase(c) for c in wanted))
    if f.exclude_ingredients:
        why.append("without " + ", ".join(f.exclude_ingredients))
    if f.availability:
        why.append(vocab_phrase(product.availability))
    return why
