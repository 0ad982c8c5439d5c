"""The ProductSearch contract: every backend must pass these tests.

A backend's test module imports everything from here and defines a ``backend`` fixture yielding an EMPTY, open
backend (see test_contract_sqlite.py). Tests use keyword mode where they check exact ranking, so a backend without
embeddings passes too; hybrid/semantic are checked for honouring filters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.search.products import contract_products, product

from aya.search.models import Filters, ProductSearch, SearchQuery

__all__ = [
    "loaded",
    "test_common_words_do_not_outweigh_the_rare_one",
    "test_delete_removes_everywhere",
    "test_exclude_features_none_of_in_every_mode",
    "test_exclude_ingredients_catches_derived_ingredients",
    "test_facets_count_brands_lines_and_vocabularies",
    "test_filter_availability",
    "test_filter_brand_is_case_insensitive",
    "test_filter_food_type_any_of",
    "test_filter_price_and_protein_ranges",
    "test_filter_species_and_life_stage_includes_all",
    "test_filters_hold_in_every_mode",
    "test_filters_only_browse_sorted",
    "test_get_roundtrip_keeps_order_and_skips_missing",
    "test_keyword_relevance_title_first",
    "test_pagination_is_disjoint_and_complete",
    "test_partial_last_word_is_completed",
    "test_similar_same_species_not_itself",
    "test_sort_by_price_and_rating",
    "test_special_features_all_of_conditions_any_of",
    "test_stats_counts",
    "test_update_is_visible_and_idempotent",
    "test_why_explains_matches",
]


@pytest.fixture
async def loaded(backend: ProductSearch) -> AsyncIterator[ProductSearch]:
    n = await backend.upsert(contract_products())
    assert n == 10
    yield backend


def ids(result: object) -> list[str]:
    return [h.product.id for h in result.hits]  # type: ignore[attr-defined]


async def kw(search: ProductSearch, text: str = "", k: int = 20, **filters: object) -> list[str]:
    res = await search.search(SearchQuery(text=text, filters=Filters(**filters), k=k, mode="keyword", relax=False))
    return ids(res)


async def test_get_roundtrip_keeps_order_and_skips_missing(loaded: ProductSearch) -> None:
    got = await loaded.get(["p3", "missing", "p1"])
    assert [p.id for p in got] == ["p3", "p1"]
    assert got[1].special_features == ["grain_free", "natural"]
    assert got[1].nutritional_info.protein_min == 28


async def test_keyword_relevance_title_first(loaded: ProductSearch) -> None:
    res = await loaded.search(SearchQuery(text="salmon", mode="keyword"))
    assert set(ids(res)) == {"p1", "p5"}
    assert res.total == 2
    assert res.hits[0].score >= res.hits[1].score > 0


async def test_partial_last_word_is_completed(loaded: ProductSearch) -> None:
    # a last word no product contains but some words start with is what the shopper is still typing
    assert set((await kw(loaded, "salm"))[:2]) == {"p1", "p5"}
    assert (await kw(loaded, "sweet pota"))[0] == "p1"
    assert (await kw(loaded, "duck and pot"))[0] == "p10"
    assert (await kw(loaded, "Turk"))[0] == "p4"
    assert (await kw(loaded, "kitt"))[0] == "p5"
    assert (await kw(loaded, "lamb"))[0] == "p3"  # a whole word is not a prefix: nothing else comes in


async def test_common_words_do_not_outweigh_the_rare_one(loaded: ProductSearch) -> None:
    # "dog" and "food" are in most products: the rare word decides, whatever the order of the words
    for text in ("lamb dog food", "dog food lamb", "food for my dog, lamb", "DOG FOOD with LAMB please"):
        assert (await kw(loaded, text))[0] == "p3", text
    for text in ("duck dog food", "dog food, duck and potato"):
        assert (await kw(loaded, text))[0] == "p10", text


async def test_filter_species_and_life_stage_includes_all(loaded: ProductSearch) -> None:
    assert set(await kw(loaded, species="cat")) == {"p5", "p6", "p7"}
    # asking for puppy food also matches food for all life stages
    assert set(await kw(loaded, species="dog", life_stage="puppy")) == {"p1", "p4"}
    assert set(await kw(loaded, life_stage="senior")) == {"p3", "p7", "p4"}


async def test_filter_food_type_any_of(loaded: ProductSearch) -> None:
    assert set(await kw(loaded, food_type=["wet", "treat"])) == {"p5", "p7", "p8"}


async def test_filter_brand_is_case_insensitive(loaded: ProductSearch) -> None:
    assert set(await kw(loaded, brand=["ACME"])) == {"p2", "p3", "p9"}
    assert set(await kw(loaded, brand=["whisker co", "prairie"])) == {"p4", "p5", "p6", "p8"}


async def test_filter_price_and_protein_ranges(loaded: ProductSearch) -> None:
    assert set(await kw(loaded, price_min=30, price_max=40)) == {"p1", "p3", "p4", "p9"}
    assert set(await kw(loaded, protein_min=28)) == {"p1", "p4", "p6"}  # products without a value never match


async def test_special_features_all_of_conditions_any_of(loaded: ProductSearch) -> None:
    assert set(await kw(loaded, special_features=["grain_free"])) == {"p1", "p4", "p5", "p10"}
    assert set(await kw(loaded, special_features=["grain free", "natural"])) == {"p1"}
    assert set(await kw(loaded, target_conditions=["kidney_support", "joint_support"])) == {"p3", "p7"}


async def test_exclude_features_none_of_in_every_mode(loaded: ProductSearch) -> None:
    """ "Anything without a prescription": a veterinary diet is never shown, whatever the mode; others stay."""
    with_vet = set(await kw(loaded, target_conditions=["kidney_support", "joint_support"]))
    assert "p7" in with_vet and len(with_vet) > 1
    f = Filters(target_conditions=["kidney_support", "joint_support"], exclude_features=["prescription"])
    for mode in ("keyword", "semantic", "hybrid"):
        res = await loaded.search(SearchQuery(text="kidney food", filters=f, mode=mode, relax=False))
        assert set(ids(res)) == with_vet - {"p7"}, mode
    assert set(await kw(loaded, exclude_features=["grain free"])) == {"p2", "p3", "p6", "p7", "p8", "p9"}


async def test_exclude_ingredients_catches_derived_ingredients(loaded: ProductSearch) -> None:
    dogs = set(await kw(loaded, species="dog"))
    no_chicken = set(await kw(loaded, species="dog", exclude_ingredients=["chicken"]))
    assert no_chicken == dogs - {"p2", "p9"}
    # "peas" also excludes "pea fiber" (same stem); a member names its whole family: "chicken meal" is chicken
    assert "p9" not in await kw(loaded, exclude_ingredients=["peas"])
    assert "p2" not in await kw(loaded, exclude_ingredients=["chicken meal"])
    assert "p6" not in await kw(loaded, exclude_ingredients=["chicken meal"])
    # families: "poultry" on a label is chicken (and turkey); "legumes" covers lentils and peas; "grains" barley
    assert "p4" not in await kw(loaded, exclude_ingredients=["legumes"])  # turkey, lentils, peas
    assert "p4" not in await kw(loaded, exclude_ingredients=["poultry"])
    assert "p3" not in await kw(loaded, exclude_ingredients=["grains"])  # lamb, barley
    assert "p10" in await kw(loaded, exclude_ingredients=["chicken", "grains", "legumes"])  # duck, potato
    # "chickpeas" is not chicken, "sweet potato" is not potato
    assert "p1" in await kw(loaded, exclude_ingredients=["potato"])  # salmon, sweet potato


async def test_filter_availability(loaded: ProductSearch) -> None:
    assert await kw(loaded, availability="out_of_stock") == ["p8"]
    assert "p8" not in await kw(loaded, availability="in_stock")


async def test_sort_by_price_and_rating(loaded: ProductSearch) -> None:
    for text in ("", "food"):
        res = await loaded.search(SearchQuery(text=text, sort="price", k=20, mode="keyword"))
        prices = [h.product.price for h in res.hits]
        assert prices == sorted(prices) and len(prices) >= 5
        res = await loaded.search(SearchQuery(text=text, sort="price_desc", k=20, mode="keyword"))
        prices = [h.product.price for h in res.hits]
        assert prices == sorted(prices, reverse=True)
        res = await loaded.search(SearchQuery(text=text, sort="rating", k=20, mode="keyword"))
        ratings = [h.product.rating or 0 for h in res.hits]
        assert ratings == sorted(ratings, reverse=True)


async def test_filters_only_browse_sorted(loaded: ProductSearch) -> None:
    res = await loaded.search(SearchQuery(filters=Filters(species="dog"), sort="price", k=3))
    assert res.total == 7
    assert [h.product.id for h in res.hits] == ["p8", "p2", "p4"]


async def test_pagination_is_disjoint_and_complete(loaded: ProductSearch) -> None:
    seen: list[str] = []
    for offset in range(0, 12, 3):
        res = await loaded.search(SearchQuery(text="", k=3, offset=offset, sort="price", mode="keyword"))
        assert res.total == 10
        seen.extend(ids(res))
    assert sorted(seen) == sorted(f"p{i}" for i in range(1, 11))
    # relevance paging with text
    first = await loaded.search(SearchQuery(text="dog food", k=2, mode="keyword"))
    second = await loaded.search(SearchQuery(text="dog food", k=2, offset=2, mode="keyword"))
    assert not set(ids(first)) & set(ids(second))


async def test_filters_hold_in_every_mode(loaded: ProductSearch) -> None:
    f = Filters(species="dog", special_features=["grain_free"], exclude_ingredients=["peas"])
    for mode in ("keyword", "semantic", "hybrid"):
        res = await loaded.search(SearchQuery(text="food for my dog", filters=f, mode=mode, relax=False))
        assert ids(res) == ["p10"], mode


async def test_why_explains_matches(loaded: ProductSearch) -> None:
    res = await loaded.search(
        SearchQuery(text="salmon", filters=Filters(species="dog", life_stage="puppy"), mode="keyword")
    )
    assert ids(res) == ["p1"]
    why = " | ".join(res.hits[0].why)
    assert "salmon" in why and "dog" in why and "puppy" in why


async def test_update_is_visible_and_idempotent(loaded: ProductSearch) -> None:
    assert await loaded.upsert(contract_products()) == 0  # nothing changed
    assert (await loaded.stats()).total == 10
    changed = product("p2", "Chicken & Rice Adult Dog Food", price=12.0, ingredients=["chicken"])
    assert await loaded.upsert([changed]) == 1
    assert "p2" in await kw(loaded, price_max=15)
    assert (await loaded.get(["p2"]))[0].price == 12.0
    assert (await loaded.stats()).total == 10


async def test_delete_removes_everywhere(loaded: ProductSearch) -> None:
    assert await loaded.delete(["p1", "nope"]) == 1
    assert await loaded.get(["p1"]) == []
    assert "p1" not in await kw(loaded, "salmon")
    res = await loaded.search(SearchQuery(text="salmon puppy", mode="hybrid", relax=False))
    assert "p1" not in ids(res)
    assert (await loaded.stats()).total == 9


async def test_similar_same_species_not_itself(loaded: ProductSearch) -> None:
    res = await loaded.similar("p5", k=3)
    assert res.hits and "p5" not in ids(res)
    assert all(h.product.species == "cat" for h in res.hits)


async def test_stats_counts(loaded: ProductSearch) -> None:
    stats = await loaded.stats()
    assert stats.total == 10
    assert stats.by_species == {"dog": 7, "cat": 3}
    assert stats.brands == 6  # "Acme" and "acme" are one brand
    assert stats.price_min == 9.0 and stats.price_max == 55.0


async def test_facets_count_brands_lines_and_vocabularies(backend: ProductSearch) -> None:
    await backend.upsert(
        [
            *contract_products(),
            product("f1", "Trail Mix Lamb", brand="Acme", product_line="Trail Mix"),
            product("f2", "Trail Mix Duck", brand="acme", product_line="Trail Mix", species="cat"),
            product("f3", "Summit Senior", brand="Blue Ridge", product_line="Summit", life_stage="senior"),
        ]
    )
    facets = await backend.facets()
    assert [(f.value, f.count) for f in facets.brands] == [
        ("Acme", 5),  # "Acme" and "acme" are one brand, in its most common spelling
        ("Blue Ridge", 2),
        ("Prairie", 2),
        ("Whisker Co", 2),
        ("Simple Paws", 1),
        ("VetLine", 1),
    ]
    assert [(f.brand, f.line, f.count) for f in facets.product_lines] == [
        ("Acme", "Trail Mix", 2),
        ("Blue Ridge", "Summit", 1),
    ]
    assert [(f.value, f.count) for f in facets.species] == [("dog", 9), ("cat", 4)]
    assert facets.food_types[0].value == "dry" and sum(f.count for f in facets.food_types) == 13
    assert {f.value for f in facets.life_stages} >= {"adult", "puppy", "senior", "kitten", "all"}
    assert [f.count for f in facets.life_stages] == sorted((f.count for f in facets.life_stages), reverse=True)
    await backend.delete(["f1", "f2", "f3"])
    facets = await backend.facets()
    assert facets.product_lines == [] and facets.brands[0].value == "Acme" and facets.brands[0].count == 3
