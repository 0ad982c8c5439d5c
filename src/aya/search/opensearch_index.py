"""The OpenSearch index of products: settings, analyzers, mapping, and the document of one product.

- Vocabulary fields are ``keyword``s; ``brand_key`` is the brand folded as the embedded backend folds it.
- Text fields are analyzed as the embedded backend analyzes them (lower case, English stemming); at query time the
  vocabulary fields' words also know the catalog's synonyms from vocab.toml ("kibble" finds dry food, "grainless"
  finds grain free), as a ``synonym_graph`` in their search analyzer, so a vocabulary change needs no reindex.
- ``embedding`` is a ``knn_vector`` (HNSW, lucene engine, cosine): the lucene engine is pure Java, the k-NN
  plugin's default engine (faiss) would need native libraries.
- Nutritional info are floats; heavy fields stay in ``_source`` but are never returned with hits.
- A new index that is about to receive the whole catalog (``bulk_build``) starts with refresh off and no replicas,
  as OpenSearch's bulk-loading advice says: no small segment every second for merges to rewrite (for the HNSW
  graphs too, which lucene builds per segment), and each document indexed once; :func:`live_settings` turns both
  back on before the index serves.
"""

from __future__ import annotations

import re
from typing import Any

from aya.catalog.models import Product
from aya.catalog.vocab import vocabulary
from aya.search.analysis import STOP_WORDS, facet_text, vocab_phrase
from aya.search.text_index import brand_key

SYNONYM_VOCABS = ("species", "life_stage", "food_type", "special_features", "target_conditions", "breed_size")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def _phrase(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


def synonym_rules() -> list[str]:
    """One equivalence rule per canonical value: its words and every synonym of vocab.toml, as plain words."""
    rules: list[str] = []
    vocab = vocabulary()
    for name in SYNONYM_VOCABS:
        for canonical, synonyms in vocab[name].items():
            phrases = list(dict.fromkeys(p for p in (_phrase(x) for x in [vocab_phrase(canonical), *synonyms]) if p))
            if len(phrases) > 1:
                rules.append(", ".join(phrases))
    return rules


REFRESH_INTERVAL = "1s"  # how soon a write is searchable in a serving index


def live_settings(replicas: int) -> dict[str, Any]:
    """The settings a bulk-built index gets back before it serves: the refresh interval and the replicas."""
    return {"index": {"refresh_interval": REFRESH_INTERVAL, "number_of_replicas": replicas}}


def index_settings(*, shards: int = 1, replicas: int = 0, bulk_build: bool = False) -> dict[str, Any]:
    live = live_settings(0 if bulk_build else replicas)["index"]
    if bulk_build:
        live["refresh_interval"] = "-1"
    return {
        "index": {"number_of_shards": shards, "knn": True, **live},
        "analysis": {
            "filter": {
                "aya_stem": {"type": "stemmer", "language": "porter2"},
                "aya_stop": {"type": "stop", "stopwords": sorted(STOP_WORDS)},
                "aya_synonyms": {"type": "synonym_graph", "synonyms": synonym_rules(), "lenient": True},
            },
            "analyzer": {
                # indexing: what tantivy's en_stem does
                "aya_text": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "aya_stem"]},
                # the catalog's words as written, for typo suggestions
                "aya_words": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase"]},
                # shopper queries: no stop words
                "aya_query": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["lowercase", "aya_stop", "aya_stem"],
                },
                # shopper queries on vocabulary words: the catalog's synonyms too
                "aya_vocab_query": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["lowercase", "aya_synonyms", "aya_stop", "aya_stem"],
                },
            },
        },
    }


def _text(search_analyzer: str = "aya_query") -> dict[str, Any]:
    return {"type": "text", "analyzer": "aya_text", "search_analyzer": search_analyzer, "copy_to": "words"}


def mappings(dim: int | None) -> dict[str, Any]:
    """The mapping; without ``dim`` (no embedder) the index has no vector field."""
    keyword = {"type": "keyword"}
    floats = {"type": "float"}
    props: dict[str, Any] = {
        "id": keyword,
        "words": {"type": "text", "analyzer": "aya_words"},  # every searchable word, unstemmed: typo suggestions
        "title": _text(),
        "brand": _text(),
        "brand_key": keyword,
        "description": _text(),
        "ingredients": _text(),
        "features_text": _text("aya_vocab_query"),
        "conditions_text": _text("aya_vocab_query"),
        "facets_text": _text("aya_vocab_query"),
        "species": keyword,
        "life_stage": keyword,
        "food_type": keyword,
        "availability": keyword,
        "special_features": keyword,
        "target_conditions": keyword,
        "breed_size": keyword,
        "product_line": keyword,
        "currency": keyword,
        "price": floats,
        "rating": floats,
        "review_count": {"type": "integer"},
        "package_weight_kg": floats,
        "price_per_kg": floats,
        "nutritional_info": {
            "properties": {
                k: floats
                for k in ("protein_min", "fat_min", "fiber_max", "moisture_max", "kcal_per_kg", "kcal_per_cup")
            }
        },
        "created_at": {"type": "date"},
        "updated_at": {"type": "date"},
        "content_hash": keyword,
        "text_hash": keyword,
    }
    if dim is not None:
        props["embedding"] = {
            "type": "knn_vector",
            "dimension": dim,
            "method": {
                "name": "hnsw",
                "engine": "lucene",
                "space_type": "cosinesimil",
                "parameters": {"m": 16, "ef_construction": 128},
            },
        }
    # anything else (searchable_text, size, urls, texture) is kept in _source, not indexed
    return {"dynamic": False, "properties": props}


def index_body(dim: int | None, *, shards: int = 1, replicas: int = 0, bulk_build: bool = False) -> dict[str, Any]:
    settings = index_settings(shards=shards, replicas=replicas, bulk_build=bulk_build)
    return {"settings": settings, "mappings": mappings(dim)}


def to_document(
    product: Product, content_hash: str, embedding: tuple[str, list[float]] | None = None
) -> dict[str, Any]:
    """The indexed document of a product: the product itself plus the derived search fields."""
    doc = product.model_dump(mode="json")
    doc["brand_key"] = brand_key(product.brand)
    doc["features_text"] = " ".join(vocab_phrase(f) for f in product.special_features)
    doc["conditions_text"] = " ".join(vocab_phrase(c) for c in product.target_conditions)
    doc["facets_text"] = facet_text(product)
    doc["content_hash"] = content_hash
    if embedding is not None:
        doc["text_hash"], doc["embedding"] = embedding
    return doc


DERIVED_FIELDS = (
    "brand_key",
    "features_text",
    "conditions_text",
    "facets_text",
    "content_hash",
    "text_hash",
    "embedding",
)


def to_product(source: dict[str, Any]) -> Product:
    return Product.model_validate({k: v for k, v in source.items() if k not in DERIVED_FIELDS})
