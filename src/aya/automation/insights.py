"""Store insights: what shoppers asked for over a period, as aggregates only (counts, never a message).

:func:`aggregate` is pure: it takes the period's shopper threads (their creation time and the texts of their user
messages) and the feedback rows, and counts per thread the needs the catalog vocabulary recognizes in the shopper's
own words (species, life stages, food types, special features, conditions), plus thumbs up and down. Searches that
found nothing or had to be relaxed are counted from the thread state, where the shop records each search tool call
once (``metadata["aya"]["searches"]``: time, hits, relaxations, filter labels; see :mod:`aya.shop.state`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aya.catalog.derive import derive_all, derive_food_type, derive_life_stage, derive_species

TOP = 10


@dataclass
class ThreadSample:
    user_texts: list[str]
    metadata: dict[str, Any] = field(default_factory=dict)


def needs_of(text: str) -> set[str]:
    """The recognized needs in one shopper text, as labels: ``dog``, ``puppy``, ``wet``, ``grain free``…"""
    found: set[str] = set()
    for value in (derive_species(text), derive_life_stage(text), derive_food_type(text)):
        if value:
            found.add(value)
    for terms in derive_all(text).values():
        found.update(terms)
    return {label.replace("_", " ") for label in found}


def aggregate(threads: Sequence[ThreadSample], feedback: Iterable[str], days: int) -> dict[str, Any]:
    needs: Counter[str] = Counter()
    messages = 0
    empty = relaxed = 0
    for thread in threads:
        messages += len(thread.user_texts)
        seen: set[str] = set()
        for text in thread.user_texts:
            seen |= needs_of(text)
        needs.update(seen)
        searches = (thread.metadata.get("aya") or {}).get("searches") if isinstance(thread.metadata, dict) else None
        for search in searches if isinstance(searches, list) else []:
            if isinstance(search, dict):
                empty += 1 if search.get("hits") == 0 else 0
                relaxed += 1 if search.get("relaxations") else 0
    kinds = Counter(feedback)
    return {
        "days": days,
        "threads": len(threads),
        "messages": messages,
        "top_needs": needs.most_common(TOP),
        "empty_searches": empty,
        "relaxed_searches": relaxed,
        "thumbs_up": kinds.get("positive", 0),
        "thumbs_down": kinds.get("negative", 0),
    }
