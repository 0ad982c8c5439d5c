"""The progressive strategy: relax filters in the documented order, never species or excluded ingredients."""

from __future__ import annotations

from aya.search.models import Filters, ProductSearch, SearchQuery
from aya.search.progressive import relaxation_steps

ALL = Filters(
    species="dog",
    life_stage="puppy",
    food_type=["wet"],
    brand=["Acme"],
    price_max=20,
    protein_min=30,
    special_features=["grain_free", "organic"],
    target_conditions=["joint_support"],
    exclude_ingredients=["chicken"],
    availability="in_stock",
)


def test_relaxation_order_is_documented_order() -> None:
    steps = list(relaxation_steps(ALL))
    assert [r.filter for _, r in steps] == [
        "protein_min",
        "price",
        "price",
        "brand",
        "special_features",
        "special_features",
        "food_type",
        "target_conditions",
        "life_stage",
    ]
    assert steps[1][0].price_max == 25.0  # widened by 25% before being dropped
    assert steps[4][1].removed == "organic"  # the last feature asked for goes first
    last = steps[-1][0]
    assert last.species == "dog" and last.exclude_ingredients == ["chicken"] and last.availability == "in_stock"
    assert last.model_dump(exclude={"species", "exclude_ingredients", "availability"}) == Filters().model_dump(
        exclude={"species", "exclude_ingredients", "availability"}
    )


async def test_too_few_results_relax_and_report(catalog_search: ProductSearch) -> None:
    f = Filters(species="cat", brand=["No Such Brand"], price_max=2.0, exclude_ingredients=["chicken"])
    strict = await catalog_search.search(SearchQuery(text="salmon", filters=f, relax=False, mode="keyword"))
    assert strict.total == 0 and strict.relaxations == []
    res = await catalog_search.search(SearchQuery(text="salmon", filters=f, mode="keyword"))
    assert res.total >= 3
    assert [r.filter for r in res.relaxations] == ["price", "price", "brand"]
    assert "price" in res.relaxations[0].description
    for hit in res.hits:  # what is never relaxed still holds
        assert hit.product.species == "cat"
        assert not any("chicken" in i.lower() for i in hit.product.ingredients)


async def test_enough_results_relax_nothing(catalog_search: ProductSearch) -> None:
    res = await catalog_search.search(SearchQuery(text="salmon", filters=Filters(species="dog"), mode="keyword"))
    assert res.total >= 3 and res.relaxations == []


async def test_no_step_helps_returns_original(catalog_search: ProductSearch) -> None:
    f = Filters(species="dog", brand=["Nobody"])
    res = await catalog_search.search(SearchQuery(text="xylophone", filters=f, mode="keyword"))
    assert res.total == 0 and res.relaxations == []
