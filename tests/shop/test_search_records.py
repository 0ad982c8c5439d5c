"""The searches a thread ran, kept in its state: one record per search tool call, the last 50, the filters as
labels (never the words of a query), stored with the thread metadata and read back; damaged records are dropped
without losing the rest of the state."""

from __future__ import annotations

from typing import Any

from aya.search.models import Filters
from aya.shop.agent import remember
from aya.shop.profile import PetProfile
from aya.shop.state import MAX_SEARCHES, ThreadState, filter_labels, load_state, save_state
from aya.shop.tools import SearchProductsArgs, SearchProductsResult


def test_the_last_searches_are_kept_in_order() -> None:
    state = ThreadState()
    for i in range(MAX_SEARCHES + 7):
        state.record_search("search_products", i, [], Filters(species="dog"))
    assert len(state.searches) == MAX_SEARCHES
    assert [r.hits for r in state.searches] == list(range(7, MAX_SEARCHES + 7))


def test_records_travel_with_the_thread_metadata() -> None:
    state = ThreadState(profile=PetProfile(species="cat"))
    state.record_search("get_recommendations", 0, ["ignored the price range"], Filters(species="cat", price_max=12.5))
    metadata: dict[str, Any] = {}
    save_state(metadata, state)
    again = load_state(metadata)
    assert again.searches == state.searches
    record = metadata["aya"]["searches"][0]
    assert record["hits"] == 0 and record["relaxations"] == ["ignored the price range"]
    assert record["filters"] == ["species:cat", "price_max:12.5"] and record["at"].endswith("Z")


def test_a_damaged_record_is_dropped_and_the_profile_kept() -> None:
    metadata = {
        "aya": {
            "profile": {"species": "dog"},
            "searches": [{"hits": "many"}, {"at": "2026-01-01T00:00:00Z", "tool": "search_products", "hits": 2}],
        }
    }
    state = load_state(metadata)
    assert state.profile.species == "dog"
    assert [r.hits for r in state.searches] == [2]
    assert load_state({"aya": {"profile": {"species": "cat"}, "searches": "junk"}}).profile.species == "cat"


def test_labels_name_the_filters_never_free_words() -> None:
    filters = Filters(
        species="cat",
        life_stage="senior",
        food_type=["wet"],
        special_features=["grain free"],
        target_conditions=["kidney support"],
        brand=["Meadowlark", "Bob's <script>"],
        exclude_ingredients=["chicken", "my neighbour's 3 secret sauces!"],
        price_max=30,
    )
    assert filter_labels(filters) == [
        "species:cat",
        "life_stage:senior",
        "food_type:wet",
        "feature:grain_free",
        "condition:kidney_support",
        "price_max:30",
        "brand:meadowlark",
        "without:chicken",
    ]


def test_a_search_tool_result_is_recorded_once_without_the_query_words() -> None:
    state = ThreadState()
    args = SearchProductsArgs(species="dog", food_type=["dry"], query="Biscuit's favourite crunchy salmon")
    result = SearchProductsResult(products=[], total=0, relaxations=["ignored the price range"], looked_for="x")
    remember(state, result, args)
    assert len(state.searches) == 1
    record = state.searches[0]
    assert (record.tool, record.hits, record.filters) == ("search_products", 0, ["species:dog", "food_type:dry"])
    assert "Biscuit" not in state.model_dump_json()
