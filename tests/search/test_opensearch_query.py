"""Golden tests of the OpenSearch query DSL (``build_opensearch_query`` is pure).

The expected bodies live in tests/search/golden/*.json. After an intended change, rewrite them with
``AYA_UPDATE_GOLDEN=1 pytest tests/search/test_opensearch_query.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from aya.search.analysis import STOP_WORDS
from aya.search.models import Filters
from aya.search.opensearch_query import (
    apply_suggestions,
    build_opensearch_query,
    common_words,
    doc_freq_bodies,
    exclusion_clauses,
    partial_candidate,
    understand,
)

GOLDEN = Path(__file__).parent / "golden"
VEC = [0.5, -0.25, 0.125]

CASES: dict[str, dict[str, Any]] = {
    "browse_dog_puppy_by_price": {
        "text": "",
        "f": Filters(species="dog", life_stage="puppy", price_max=40),
        "sort": "price",
        "k": 3,
        "offset": 3,
    },
    "keyword_all_filters": {
        "text": "grain free salmon",
        "f": Filters(
            species="cat",
            life_stage="senior",
            food_type=["wet", "treat"],
            brand=["Whisker  Co"],
            price_min=10,
            price_max=50,
            protein_min=30,
            special_features=["grain free", "natural"],
            target_conditions=["kidney_support", "urinary health"],
            exclude_ingredients=["chicken", "pea protein"],
            availability="in_stock",
        ),
        "hints": {"special_features": ["grain_free"]},
    },
    "keyword_sorted_by_rating_all_words": {
        "text": "duck potato",
        "f": Filters(),
        "sort": "rating",
        "conjunctive": True,
    },
    "keyword_common_words_and_partial_last_word": {
        "text": "dog food with salm",
        "f": Filters(species="dog"),
        "common": {"dog", "food"},
        "prefix": "salm",
    },
    "hybrid_common_words_on_titles_only": {
        "text": "senior cat food kidney",
        "f": Filters(),
        "mode": "hybrid",
        "vector": VEC,
        "common": {"cat", "food"},
    },
    "semantic_filters_inside_knn": {
        "text": "food for my old cat",
        "f": Filters(species="cat", life_stage="all", exclude_ingredients=["fish"]),
        "mode": "semantic",
        "vector": VEC,
        "pool": 50,
    },
    "hybrid_two_pools": {
        "text": "puppy kibble",
        "f": Filters(species="dog"),
        "mode": "hybrid",
        "vector": VEC,
        "pool": 60,
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    case = dict(CASES[name])
    text, f = case.pop("text"), case.pop("f")
    got = build_opensearch_query(text, f, **case)
    path = GOLDEN / f"{name}.json"
    rendered = json.dumps(got, indent=2, sort_keys=True) + "\n"
    if os.environ.get("AYA_UPDATE_GOLDEN"):
        path.write_text(rendered)
    assert rendered == path.read_text(), f"{name}: the query DSL changed (see the module docstring)"


def test_life_stage_all_is_not_doubled() -> None:
    body = build_opensearch_query("", Filters(life_stage="all"))[0]
    assert {"terms": {"life_stage": ["all"]}} in body["query"]["bool"]["filter"]


def test_exclusions_come_from_one_function() -> None:
    clauses = exclusion_clauses(["chicken", " chicken ", "", "chicken meal"])
    # a word with exception phrases ("chicken free" is no chicken) is {"bool": {"must": [phrase], "must_not": [...]}}
    plain = [c.get("match_phrase") or c["bool"]["must"][0]["match_phrase"] for c in clauses]
    phrases = [m["ingredients"]["query"] for m in plain]
    # the whole family, each label word once, as the embedded backend expands it (aya.search.exclusions)
    assert {"chicken", "poultry", "fowl"} <= set(phrases) and len(phrases) == len(set(phrases))
    assert all(m["ingredients"]["analyzer"] == "aya_text" for m in plain)
    assert "chickpea" not in " ".join(phrases)
    assert exclusion_clauses([]) == [] and exclusion_clauses([" "]) == []
    body = build_opensearch_query("salmon", Filters(exclude_ingredients=["chicken"]))[0]
    assert body["query"]["bool"]["must_not"] == exclusion_clauses(["chicken"])


def test_hits_never_carry_heavy_fields() -> None:
    for body in build_opensearch_query("x", Filters(), mode="hybrid", vector=VEC):
        assert "embedding" in body["_source"]["excludes"]


def test_semantic_without_vector_is_refused() -> None:
    with pytest.raises(ValueError, match="query vector"):
        build_opensearch_query("x", Filters(), mode="semantic")


def test_suggestions_replace_only_misspelled_words() -> None:
    entries = [
        {"text": "salmn", "offset": 6, "length": 5, "options": [{"text": "salmon", "score": 0.8, "freq": 3}]},
        {"text": "for", "offset": 12, "length": 3, "options": [{"text": "fur", "score": 0.6, "freq": 1}]},
        {"text": "kiten", "offset": 16, "length": 5, "options": [{"text": "kitten", "score": 0.8, "freq": 9}]},
        {"text": "food", "offset": 0, "length": 4, "options": []},
    ]
    text = "food  salmn for kiten"
    assert apply_suggestions(text, entries, lambda w: w == "for") == "food  salmon for kitten"
    far = [{"text": "throwing", "offset": 0, "length": 8, "options": [{"text": "growing", "score": 0.71, "freq": 5}]}]
    assert apply_suggestions("throwing up", far) == "throwing up"  # not close enough: kept


def _count(n: int) -> dict[str, Any]:
    return {"hits": {"total": {"value": n, "relation": "eq"}, "hits": []}}


def _suggest(*entries: tuple[str, int, str | None, float]) -> dict[str, Any]:
    """A term-suggester answer: (word, offset, suggestion, score) per word."""
    return {
        "suggest": {
            "words": [
                {
                    "text": w,
                    "offset": off,
                    "length": len(w),
                    "options": [] if fix is None else [{"text": fix, "score": score, "freq": 7}],
                }
                for w, off, fix, score in entries
            ]
        }
    }


def _understood(text: str, suggest: dict[str, Any], doc_freq: dict[str, int], n: int = 100, starts: int = 0) -> Any:
    terms = list(dict.fromkeys(w for w in text.lower().replace(",", " ").split() if w not in STOP_WORDS))
    partial = partial_candidate(text, STOP_WORDS)
    counts = [_count(n), *(_count(doc_freq.get(t, 0)) for t in terms)]
    if partial is not None:
        counts.append(_count(starts))
    assert len(counts) == len(doc_freq_bodies(terms, partial))
    return understand(text, suggest, counts, terms=terms, partial=partial, keep=lambda w: w in {"throwing", "for"})


def test_partial_last_word_is_completed_not_corrected() -> None:
    u = _understood("grain free salm", _suggest(("salm", 11, "slam", 0.75)), {"grain": 10, "free": 12}, starts=8)
    assert (u.text, u.prefix, u.fuzzy) == ("grain free salm", "salm", False)
    # no catalog word starts with it: an ordinary typo, corrected
    u = _understood("grain free salmn", _suggest(("salmn", 11, "salmon", 0.8)), {"grain": 10, "free": 12})
    assert (u.text, u.prefix, u.fuzzy) == ("grain free salmon", None, False)
    # only the LAST word can be partial; a known last word is a word
    u = _understood("salm for kittens", _suggest(("salm", 0, None, 0.0)), {"kittens": 5}, starts=3)
    assert (u.prefix, u.fuzzy) == (None, True)
    assert _understood("lamb", _suggest(), {"lamb": 4}, starts=6).prefix is None
    assert partial_candidate("food for my", STOP_WORDS) is None and partial_candidate("kibble 12", STOP_WORDS) is None


def test_common_words_by_document_frequency() -> None:
    df = {"dog": 61, "food": 80, "salmon": 9, "grain": 30}
    u = _understood("dog food salmon", _suggest(), df)
    assert u.common == {"dog", "food"}
    assert _understood("Grain free DOG food, salmon", _suggest(), df).common == {"dog", "food"}  # 30 is not > 30%
    assert _understood("food", _suggest(), df).common == frozenset()  # one word keeps every field
    # a corrected word counts with the suggestion's frequency (7 of 10 products)
    u = _understood("salmon fod", _suggest(("fod", 7, "food", 0.8)), {"salmon": 2}, n=10)
    assert (u.text, u.common) == ("salmon food", {"food"})
    assert common_words(["dog", "cat"], {"dog": 31, "cat": 30}, 100) == {"dog"}


def test_english_words_absent_from_the_catalog_are_kept_not_fuzzed() -> None:
    u = _understood("throwing up", _suggest(("throwing", 0, "growing", 0.8)), {"up": 3})
    assert (u.text, u.fuzzy) == ("throwing up", False)
    u = _understood("qzxv salmon", _suggest(("qzxv", 0, None, 0.0)), {"salmon": 3})
    assert (u.text, u.fuzzy) == ("qzxv salmon", True)
