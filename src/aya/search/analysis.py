"""Text analysis shared by indexing and querying: the analyzers tantivy uses, query words, stop words.

``stem_analyzer`` reproduces tantivy's built-in ``en_stem`` tokenizer (simple tokenizer, long-token removal, lower
case, English stemmer) so query terms built here match indexed terms exactly.
"""

from __future__ import annotations

import re
from functools import cache

import tantivy

from aya.catalog.models import Product

# Words that carry no product meaning in shopper queries; dropped from keyword queries (not from the index).
STOP_WORDS = frozenset(
    """a an and are as at be but by do does for from has have i in is it its me my of on or our so some that the
    their them they this to us want wants we what which with need needs looking look please something any can you
    your who he she his her im i'm get find show give best good""".split()
)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@cache
def stem_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def stems(text: str) -> list[str]:
    return stem_analyzer().analyze(text)


def words(text: str) -> list[str]:
    """Lower-case words as tantivy's ``default`` tokenizer cuts them (letters and digits)."""
    return [w for w in _WORD.findall(text.lower()) if len(w) <= 40]


def vocab_phrase(value: str) -> str:
    """A canonical vocabulary value as searchable words: ``grain_free`` -> ``grain free``."""
    return value.replace("_", " ")


def facet_text(product: Product) -> str:
    """Words for the species, life stage and food type, so "wet cat food" or "senior dog" match by keyword."""
    parts: list[str] = [product.species]
    parts.append("all life stages" if product.life_stage == "all" else product.life_stage)
    parts.append(vocab_phrase(product.food_type))
    if product.breed_size and product.breed_size != "all":
        parts.append(f"{product.breed_size} breed")
    return " ".join(parts)


def query_hints(text: str) -> dict[str, list[str]]:
    """Features and conditions a shopper's words point to ("chubby dog" -> weight_management), found with the
    catalog's own phrase lists. Search uses them as soft boosts, never as filters. (Species, life stage and food type
    words already match the indexed facet words.)"""
    from aya.catalog.derive import derive_all

    return {k: v for k, v in derive_all(text).items() if v}


def embedding_text(product: Product) -> str:
    """The text embedded for semantic search: what the product is, then what it is for, then its description."""
    title = product.title
    if product.size and product.size in title:  # package sizes of one recipe share a vector (and the cache entry)
        title = title.replace(f", {product.size}", "").replace(product.size, "").strip(" ,")
    head = f"{title}. {product.brand} {product.species} food, {facet_text(product)}."
    tags = ", ".join(vocab_phrase(v) for v in [*product.special_features, *product.target_conditions])
    body = product.description[:300]
    return f"{head} {tags}. {body}".strip()
