"""Other package sizes of the products shown (aya.shop.sizes) over the real SQLite search, the recipe key that tells
sizes of one recipe from other recipes (aya.catalog.packages), and how the policy routes a size wish."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aya.catalog.models import Product
from aya.catalog.packages import recipe_key, recipe_name
from aya.core.errors import NotFound
from aya.search.models import ProductSearch
from aya.shop.policy import Conversation, Policy, ReplyStep, ToolStep
from aya.shop.sizes import OtherSizesArgs, other_sizes
from aya.shop.state import ShownProduct, ThreadState
from aya.shop.understanding import parse
from aya.shop.understanding.dialogue import update

from .conftest import small_catalog


def _p(pid: str, title: str, size: str, price: float, **kw: object) -> Product:
    base: dict[str, object] = {
        "id": pid, "title": f"{title}, {size}", "size": size, "price": price, "brand": "Summit Ridge",
        "species": "dog", "ingredients": ["chicken", "rice"],
    }  # fmt: skip
    base.update(kw)
    return Product.model_validate(base)


ADULT = "Summit Ridge Adult Chicken & Rice Dry Dog Food"
PRODUCTS = [
    _p("a5", ADULT, "5-lb bag", 12.99),
    _p("a15", ADULT, "15-lb bag", 29.99),
    _p("a30", ADULT, "30-lb bag", 49.99),
    # same words but another recipe (a comma in the name must not make them one)
    _p("t1", "Summit Ridge Feast with Turkey, Quail & Duck Canned Dog Food", "3-oz, case of 24", 23.5, food_type="wet"),
    _p("t2", "Summit Ridge Feast with Turkey, Quail & Duck Dry Dog Food", "10-lb bag", 42.98),
    # one size only
    _p("o1", "Summit Ridge Senior Lamb Recipe Dry Dog Food", "24-lb bag", 54.0),
    # the same recipe from another brand is another product
    _p("x30", ADULT.replace("Summit Ridge", "Valley Farms"), "40-lb bag", 39.0, brand="Valley Farms"),
    # cans: case of 6 and case of 24
    _p("c6", "Summit Ridge Thin Slices in Gravy Canned Cat Food", "3-oz, case of 6", 8.83, species="cat"),
    _p("c24", "Summit Ridge Thin Slices in Gravy Canned Cat Food", "3-oz, case of 24", 35.52, species="cat"),
]


@pytest.fixture
async def search(data_dir: Path) -> AsyncIterator[ProductSearch]:
    async with small_catalog(data_dir, PRODUCTS) as s:
        yield s


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (("B", f"{ADULT}, 5-lb bag", "5-lb bag"), ("B", f"{ADULT}, 30-lb bag", "30-lb bag"), True),
        (("B", "x canned cat food, 3-oz, case of 6", ""), ("B", "X Canned Cat Food, 3-oz, case of 24", ""), True),
        (("B", "south star dry dog food,8-lb bag", "8-lb bag"), ("B", "south star dry dog food", "25-lb bag"), True),
        (("B", "Feast with Turkey, Quail & Duck Canned", ""), ("B", "Feast with Turkey, Quail & Duck Dry", ""), False),
        (("B", f"{ADULT}, 5-lb bag", ""), ("C", f"{ADULT}, 5-lb bag", ""), False),
    ],
)
def test_recipe_key(a: tuple[str, str, str], b: tuple[str, str, str], same: bool) -> None:
    assert (recipe_key(*a) == recipe_key(*b)) is same


def test_recipe_name_drops_only_the_package() -> None:
    assert recipe_name(f"{ADULT}, 30-lb bag", "30-lb bag") == ADULT
    assert recipe_name("Tiki Cat Chicken, Pumpkin & Egg Recipe Wet Cat Food, 2.5-oz, case of 12") == (
        "Tiki Cat Chicken, Pumpkin & Egg Recipe Wet Cat Food"
    )


async def test_bigger_sizes_of_the_same_recipe(search: ProductSearch) -> None:
    result = await other_sizes(search, OtherSizesArgs(product_ids=["a5"], direction="bigger"))
    (item,) = result.items
    assert [o.product.id for o in item.sizes] == ["a15", "a30"]  # smallest first, nothing of another brand
    assert item.sizes[1].per_lb is not None and item.per_lb is not None and item.sizes[1].per_lb < item.per_lb
    assert "15-lb bag for $29.99" in result.answer and "30-lb bag for $49.99" in result.answer
    assert "The one I showed is the 5-lb bag at $12.99" in result.answer


async def test_smaller_sizes_and_a_case_of_cans(search: ProductSearch) -> None:
    result = await other_sizes(search, OtherSizesArgs(product_ids=["a30", "c24"], direction="smaller"))
    assert [o.product.id for o in result.items[0].sizes] == ["a5", "a15"]
    assert [o.product.id for o in result.items[1].sizes] == ["c6"]


async def test_none_is_said_honestly(search: ProductSearch) -> None:
    biggest = await other_sizes(search, OtherSizesArgs(product_ids=["a30"], direction="bigger"))
    assert not biggest.items[0].sizes and biggest.items[0].others == 2
    assert "biggest size we carry" in biggest.answer
    only = await other_sizes(search, OtherSizesArgs(product_ids=["o1", "t1"], direction="bigger"))
    assert all(not item.sizes and item.others == 0 for item in only.items)  # the dry feast is another recipe
    assert only.answer.count("comes only in") == 2 and "something similar" in only.answer


async def test_unknown_products_are_an_error(search: ProductSearch) -> None:
    with pytest.raises(NotFound):
        await other_sizes(search, OtherSizesArgs(product_ids=["nope"]))


SHOWN = [
    ShownProduct(id="a5", title=f"{ADULT}, 5-lb bag", brand="Summit Ridge", price=12.99, size="5-lb bag",
                 species="dog", food_type="dry"),
    ShownProduct(id="o1", title="Summit Ridge Senior Lamb Recipe Dry Dog Food, 24-lb bag", brand="Summit Ridge",
                 price=54.0, size="24-lb bag", species="dog", food_type="dry"),
    ShownProduct(id="t2", title="Summit Ridge Feast with Turkey, Quail & Duck Dry Dog Food, 10-lb bag",
                 brand="Summit Ridge", price=42.98, size="10-lb bag", species="dog", food_type="dry"),
]  # fmt: skip


def _decide(text: str, shown: list[ShownProduct] = SHOWN) -> ReplyStep | ToolStep:
    state = ThreadState(shown=list(shown), turns=3)
    state.profile = state.profile.model_copy(update={"species": "dog", "age_years": 4.0})
    p = parse(text)
    update(state, p)
    return Policy().next_step(Conversation(user_texts=[text]), state, p)


@pytest.mark.parametrize(
    ("text", "ids", "direction"),
    [
        ("bigger bag", ["a5", "o1", "t2"], "bigger"),
        ("do they come in a bigger size?", ["a5", "o1", "t2"], "bigger"),
        ("any bigger packs available", ["a5", "o1", "t2"], "bigger"),
        ("got a bigger bag of that?", ["a5", "o1", "t2"], "bigger"),
        ("do u have a larger one", ["a5", "o1", "t2"], "bigger"),
        ("can i buy in bulk", ["a5", "o1", "t2"], "bigger"),
        ("family size available?", ["a5", "o1", "t2"], "bigger"),
        ("does the first one come in a bigger bag", ["a5"], "bigger"),
        ("is there a larger bag of the 2nd one", ["o1"], "bigger"),
        ("smaller bag pls", ["a5", "o1", "t2"], "smaller"),
        ("is there a smaller size", ["a5", "o1", "t2"], "smaller"),
        ("any smaller packs", ["a5", "o1", "t2"], "smaller"),
        ("do they make a trial size", ["a5", "o1", "t2"], "smaller"),
        ("a trial size", ["a5", "o1", "t2"], "smaller"),
        ("trial size?", ["a5", "o1", "t2"], "smaller"),
        ("sample size of the first one?", ["a5"], "smaller"),
        ("just want a small bag to try", ["a5", "o1", "t2"], "smaller"),
        ("do u have it in a 30 lb bag", ["a5", "o1", "t2"], "any"),
        ("is there a 40lb bag of the last one", ["t2"], "any"),
    ],
)
def test_a_size_wish_asks_for_other_sizes_of_the_products_shown(text: str, ids: list[str], direction: str) -> None:
    step = _decide(text)
    assert isinstance(step, ToolStep) and step.name == "other_sizes", (text, step)
    assert step.arguments == {"product_ids": ids, "direction": direction}


@pytest.mark.parametrize(
    "text",
    [
        "which is the bigger bag",  # a reference to the products shown
        "tell me about the big bag",
        "he needs a smaller kibble size",
        "do you have a small breed bag",
        "my dog is bigger now",
        "large breed puppy food",
    ],
)
def test_size_words_that_are_not_a_size_wish(text: str) -> None:
    assert parse(text).package is None, text


def test_a_size_wish_with_nothing_shown_says_so() -> None:
    step = _decide("do they come in a bigger bag", [])
    assert isinstance(step, ReplyStep) and "haven't shown you any products" in step.text
