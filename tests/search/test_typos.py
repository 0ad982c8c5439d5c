"""Typo tolerance over the sample catalog: misspelled and partial words still find the right products."""

from __future__ import annotations

import pytest

from aya.search.models import ProductSearch, SearchQuery
from aya.search.typos import QueryCorrector

PROBES = [
    ("salmn", "salmon"),
    ("puppie", "pupp"),
    ("senoir cat", "senior"),
    ("grian free", "grain"),
    ("chiken", "chicken"),
    ("turky", "turkey"),
    ("salm", "salmon"),
    ("kitt", "kitten"),
]


@pytest.mark.parametrize(("query", "expected"), PROBES)
async def test_typo_probe_finds_the_right_products(catalog_search: ProductSearch, query: str, expected: str) -> None:
    res = await catalog_search.search(SearchQuery(text=query, k=5, mode="keyword"))
    assert res.corrected_text is not None and expected in res.corrected_text
    assert len(res.hits) == 5
    for hit in res.hits:
        text = f"{hit.product.title} {hit.product.description}".lower()
        assert expected in text, (query, hit.product.title)


async def test_known_words_are_never_changed(catalog_search: ProductSearch) -> None:
    res = await catalog_search.search(SearchQuery(text="chicken puppy", k=3, mode="keyword"))
    assert res.corrected_text is None


def test_corrector_rules() -> None:
    c = QueryCorrector({"salmon": 40, "salmonella": 1, "senior": 30, "kitten": 20, "kittens": 5, "grain": 50})
    q = c.correct("senoir salm")
    assert q.text == "senior salmon"
    assert q.terms == ["senior", ("salmon", "salmonella")]  # the partial last word expands to completions
    assert c.correct("for my kitt").terms == [("kitten", "kittens")]  # stop words dropped
    assert c.correct("zzzz grain").text == "zzzz grain"  # nothing close: kept as typed
    assert not c.correct("zzzz grain").changed
