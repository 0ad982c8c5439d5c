"""Follow-ups after a product list that used to fall through to a new search: the best value among the products shown
(price per unit weight), which one to pick, "none of these", the most popular. Each from several phrasings written
the way owners type; what must stay a new search is checked too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aya.catalog.models import Product
from aya.search.models import ProductSearch
from aya.shop.knowledge_tools import UnitPriceArgs, unit_price_tool
from aya.shop.policy import Conversation, Policy, ReplyStep, Step, ToolStep
from aya.shop.state import ShownProduct, ThreadState
from aya.shop.understanding import parse
from aya.shop.understanding.dialogue import update

from .conftest import small_catalog

SHOWN = [
    ShownProduct(id="a", title="Alpha Adult Chicken Dry Dog Food, 30-lb bag", brand="Alpha", price=40.0,
                 food_type="dry", life_stage="adult", size="30-lb bag", species="dog", rating=4.1, review_count=90),
    ShownProduct(id="b", title="Beta Adult Lamb Dry Dog Food, 5-lb bag", brand="Beta", price=12.0,
                 food_type="dry", life_stage="adult", size="5-lb bag", species="dog", rating=4.8, review_count=900),
    ShownProduct(id="c", title="Gamma Salmon Dry Dog Food, 15-lb bag", brand="Gamma", price=30.0,
                 food_type="dry", life_stage="adult", size="15-lb bag", species="dog", rating=4.5, review_count=300),
]  # fmt: skip
IDS = ["a", "b", "c"]


def _decide(text: str, shown: list[ShownProduct] = SHOWN) -> Step:
    state = ThreadState(shown=list(shown), turns=3)
    state.profile = state.profile.model_copy(update={"species": "dog", "age_years": 4.0})
    p = parse(text)
    update(state, p)
    return Policy().next_step(Conversation(user_texts=[text]), state, p)


@pytest.mark.parametrize(
    "text",
    [
        "which one is the most food for the money",
        "best value",
        "cheapest per pound",
        "which is the best value",
        "most bang for the buck?",
        "best bang for my buck here?",
        "which gives me the most food per dollar",
        "whats cheapest per lb",
        "whats the best deal here",
        "which is more economical",
        "which bag gives the most food for the price",
        "which one goes the furthest",
        "which is cheaper by the pound",
        "is the big one worth the money",
        "which would stretch my budget the most",
        "lowest price per kg?",
    ],
)
def test_best_value_is_the_price_per_pound_of_the_products_shown(text: str) -> None:
    step = _decide(text)
    assert isinstance(step, ToolStep) and step.name == "unit_prices", (text, step)
    assert step.arguments["product_ids"] == IDS
    assert step.arguments["unit"] == ("kg" if "kg" in text else "lb")


def test_best_value_without_products_shown_is_not_a_unit_price_question() -> None:
    step = _decide("which one is the most food for the money", [])
    assert not (isinstance(step, ToolStep) and step.name == "unit_prices"), step


@pytest.mark.parametrize("text", ["need a good value food for my other dog", "any good deals on cat food"])
def test_a_request_for_other_food_stays_a_search(text: str) -> None:
    step = _decide(text)
    assert not (isinstance(step, ToolStep) and step.name == "unit_prices"), (text, step)


@pytest.fixture
async def search(data_dir: Path) -> AsyncIterator[ProductSearch]:
    products = [
        Product(id="a", title="Alpha Adult Chicken Dry Dog Food, 30-lb bag", brand="Alpha", species="dog", price=40.0,
                size="30-lb bag"),
        Product(id="b", title="Beta Adult Lamb Dry Dog Food, 5-lb bag", brand="Beta", species="dog", price=12.0,
                size="5-lb bag"),
        Product(id="t", title="Tiki Feast with Turkey, Quail & Duck Dry Dog Food, 10-lb bag", brand="Tiki",
                species="dog", price=25.0, size="10-lb bag"),
    ]  # fmt: skip
    async with small_catalog(data_dir, products) as s:
        yield s


async def test_the_value_answer_names_the_cheapest_per_pound(search: ProductSearch) -> None:
    result = await unit_price_tool(search, UnitPriceArgs(product_ids=["a", "b", "t"], unit="lb"))
    assert result.cheapest_id == "a"  # $1.33/lb beats $2.40/lb and $2.50/lb
    assert result.answer.startswith("Cheapest per lb: **Alpha Adult Chicken Dry Dog Food** at $1.33 per lb")
    assert "**Tiki Feast with Turkey, Quail & Duck Dry Dog Food**" in result.answer  # the whole name, comma and all


@pytest.mark.parametrize(
    "text",
    [
        "which one would you pick",
        "which is best for him",
        "what do you recommend out of these",
        "which one is healthiest",
        "whats the difference",
        "which of these is best for a lab",
        "if u had to pick one",
        "which do u recommend",
    ],
)
def test_which_one_to_pick_compares_the_products_shown(text: str) -> None:
    step = _decide(text)
    assert isinstance(step, ToolStep) and step.name == "compare_products", (text, step)
    assert step.arguments["product_ids"] == IDS


@pytest.mark.parametrize(
    "text", ["which is the best food for a senior cat", "which is the best kibble for a lab", "whats the best dry food"]
)
def test_which_is_best_about_food_in_general_is_a_search(text: str) -> None:
    p = parse(text)
    assert "compare" not in p.acts, text


@pytest.mark.parametrize(
    "text",
    [
        "none of these",
        "nah none of those",
        "not those",
        "something else",
        "show me different ones",
        "i dont like any of these",
        "not feeling these",
    ],
)
def test_none_of_these_searches_again_without_them(text: str) -> None:
    step = _decide(text)
    assert isinstance(step, ToolStep) and step.name == "get_recommendations", (text, step)
    assert set(step.arguments["exclude_ids"]) == set(IDS)


@pytest.mark.parametrize(
    "text", ["which has the most reviews", "which is the most popular", "which one is the best seller"]
)
def test_the_most_popular_is_one_of_the_products_shown(text: str) -> None:
    step = _decide(text)
    assert isinstance(step, ToolStep) and step.name == "get_product_details", (text, step)
    assert step.arguments["product_id"] == "b"


LEAN = [
    SHOWN[0].model_copy(update={"fat_min": 16.0, "kcal_per_kg": 3700.0}),
    SHOWN[1].model_copy(update={"fat_min": 9.0, "kcal_per_kg": 3900.0}),
    SHOWN[2].model_copy(update={"fat_min": None, "kcal_per_kg": 3300.0}),
]


@pytest.mark.parametrize(
    ("text", "pick"),
    [
        ("which has the least fat", "b"),
        ("which one has the lowest fat content?", "b"),
        ("which is the leanest", "b"),
        ("whats the lowest calorie one", "c"),
        ("which one has the fewest calories", "c"),
        ("which has the least calories", "c"),
    ],
)
def test_the_leanest_and_lowest_calorie_of_the_products_shown(text: str, pick: str) -> None:
    step = _decide(text, LEAN)
    assert isinstance(step, ToolStep) and step.name == "get_product_details", (text, step)
    assert step.arguments["product_id"] == pick


def test_nothing_listed_is_said_not_guessed() -> None:
    step = _decide("which has the least fat", SHOWN)  # no fat content in what was shown
    assert isinstance(step, ReplyStep) and "lists its fat content" in step.text


def test_least_fat_for_an_overweight_pet_keeps_the_need() -> None:
    p = parse("which has the least fat, she's overweight")
    assert p.superlative == "least_fat" and p.conditions == ["weight_management"]


def test_ok_after_a_list_is_not_a_search() -> None:
    step = _decide("ok cool")
    assert isinstance(step, ReplyStep)
