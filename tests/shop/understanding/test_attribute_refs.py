"""References by attribute ("the adult one", "the salmon one", "the big bag", "the purina one"): reading them from
many phrasings, matching them against the products shown (one, several, none), the policy's answer to each, and
stored states from before the new fields still loading."""

from __future__ import annotations

import pytest

from aya.shop.policy import Conversation, Policy, ReplyStep, ToolStep
from aya.shop.state import ShownProduct, ThreadState, load_state
from aya.shop.understanding import parse
from aya.shop.understanding.refs import Attribute, match_attribute, package_kg, read_refs
from aya.shop.understanding.text import normalize_text

SHOWN = [
    ShownProduct(
        id="p1", title="Summit Ridge Adult Salmon & Rice Recipe Dry Dog Food, 30-lb bag", brand="Summit Ridge",
        price=54.99, species="dog", food_type="dry", life_stage="adult", protein_min=26, size="30-lb bag",
        breed_size="large",
    ),
    ShownProduct(
        id="p2", title="Purina Pro Plan Adult Small Breed Chicken Formula Dry Dog Food, 6-lb bag",
        brand="Purina Pro Plan", price=18.49, species="dog", food_type="dry", life_stage="adult", protein_min=29,
        size="6-lb bag", breed_size="small", special_features=["high_protein"],
    ),
    ShownProduct(
        id="p3", title="Northern Paws Senior Turkey Pate Grain-Free Canned Dog Food, 13-oz can, case of 12",
        brand="Northern Paws", price=31.99, species="dog", food_type="wet", life_stage="senior", protein_min=8,
        size="13-oz, case of 12", special_features=["grain_free"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "attribute"),
    [
        ("tell me more about the adult one", ("life_stage", "adult")),
        ("is the senior one grain free?", ("life_stage", "senior")),
        ("the one for seniors", ("life_stage", "senior")),
        ("what about the puppy formula", ("life_stage", "puppy")),
        ("which is the cheaper one", ("price", "min")),
        ("i'll take the cheapest one", ("price", "min")),
        ("the less expensive one pls", ("price", "min")),
        ("the more expensive one", ("price", "max")),
        ("is the wet one grain free?", ("food_type", "wet")),
        ("the canned one", ("food_type", "wet")),
        ("tell me about the pate one", ("food_type", "wet")),
        ("the kibble one", ("food_type", "dry")),
        ("the dry food", ("food_type", "dry")),
        ("the freeze dried one", ("food_type", "freeze_dried")),
        ("the salmon one", ("word", "salmon")),
        ("what's in the turkey one", ("word", "turkey")),
        ("the one with salmon", ("word", "salmon")),
        ("the one with chicken in it?", ("word", "chicken")),
        ("the purina one", ("word", "purina")),
        ("tell me about the blue buffalo one", ("word", "blue buffalo")),
        ("the summit ridge bag", ("word", "summit ridge")),
        ("the big bag", ("size", "max")),
        ("the bigger bag please", ("size", "max")),
        ("the large bag", ("size", "max")),
        ("is the small bag cheaper", ("size", "min")),
        ("the smaller one", ("size", "min")),
        ("the large breed one", ("breed_size", "large")),
        ("the small breed one", ("breed_size", "small")),
        ("the grain free one", ("feature", "grain_free")),
        ("the high protein one", ("protein", "max")),
        ("the other one", None),
        ("the first one", None),
        ("that one", None),
        ("the last one", None),
        ("the same food as before", None),
        ("she loves the chicken food", None),  # a wish, not a pointer
        ("the 5 lb one", None),
        ("something cheaper", None),
    ],
)
def test_attributes_are_read_from_many_phrasings(text: str, attribute: tuple[str, str] | None) -> None:
    assert read_refs(normalize_text(text)).attribute == attribute


@pytest.mark.parametrize(
    ("attribute", "hits"),
    [
        (Attribute("life_stage", "adult"), [0, 1]),  # two adult foods: both, to ask which
        (Attribute("life_stage", "senior"), [2]),
        (Attribute("life_stage", "kitten"), []),
        (Attribute("food_type", "wet"), [2]),
        (Attribute("food_type", "dry"), [0, 1]),
        (Attribute("price", "min"), [1]),
        (Attribute("price", "max"), [0]),
        (Attribute("size", "max"), [0]),  # 30 lb (13.6 kg) beats 12 cans of 13 oz (4.4 kg)
        (Attribute("size", "min"), [1]),  # 6 lb (2.7 kg) is less than 12 cans of 13 oz (4.4 kg)
        (Attribute("protein", "max"), [1]),
        (Attribute("word", "salmon"), [0]),
        (Attribute("word", "purina"), [1]),
        (Attribute("word", "pro plan"), [1]),
        (Attribute("word", "beef"), []),
        (Attribute("word", "recipe"), [0]),
        (Attribute("feature", "grain_free"), [2]),
        (Attribute("breed_size", "small"), [1]),
        (Attribute("breed_size", "large"), [0]),
    ],
)
def test_attributes_match_the_products_shown(attribute: Attribute, hits: list[int]) -> None:
    assert match_attribute(attribute, SHOWN) == hits


@pytest.mark.parametrize(
    ("size", "kg"),
    [("30-lb bag", 13.608), ("6 lb", 2.7216), ("13-oz, case of 12", 4.4226), ("3 oz can, 24 count", 2.0412),
     ("2 kg", 2.0), ("", None), ("family size", None)],
)  # fmt: skip
def test_package_weights(size: str, kg: float | None) -> None:
    assert package_kg(size) == (pytest.approx(kg, abs=0.01) if kg is not None else None)


def _step(text: str, shown: list[ShownProduct] = SHOWN) -> ReplyStep | ToolStep:
    state = ThreadState(shown=list(shown))
    state.profile = state.profile.model_copy(update={"species": "dog", "age_years": 5})
    policy = Policy()
    return policy.next_step(Conversation(user_texts=[text]), state, parse(text))


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("tell me more about the senior one", "p3"),
        ("what's in the salmon one?", "p1"),
        ("the purina one, is it any good", "p2"),
        ("tell me about the wet one", "p3"),
        ("details on the cheaper one", "p2"),
        ("the big bag, how much protein", "p1"),
        ("tell me about the grain free one", "p3"),
        ("more about the small breed one", "p2"),
    ],
)
def test_one_match_is_the_reference(text: str, product: str) -> None:
    step = _step(text)
    assert isinstance(step, ToolStep) and step.name == "get_product_details", step
    assert step.arguments["product_id"] == product


@pytest.mark.parametrize("text", ["tell me about the adult one", "what's in the dry one?", "the kibble one please"])
def test_several_matches_are_asked_about_listing_them(text: str) -> None:
    step = _step(text)
    assert isinstance(step, ReplyStep), step
    assert "Which one do you mean?" in step.text
    assert "1. **Summit Ridge Adult Salmon" in step.text and "2. **Purina Pro Plan" in step.text
    assert "Northern Paws" not in step.text


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("tell me about the beef one", '"beef"'),
        ("the kitten one please", '"for kittens"'),
        ("what about the blue buffalo one", '"blue buffalo"'),
    ],
)
def test_no_match_is_said(text: str, said: str) -> None:
    step = _step(text)
    assert isinstance(step, ReplyStep), step
    assert step.text.startswith("None of the 3 products I showed is") and said in step.text


def test_comparing_the_ones_an_attribute_names() -> None:
    step = _step("compare the dry ones")
    assert isinstance(step, ToolStep) and step.name == "compare_products"
    assert step.arguments["product_ids"] == ["p1", "p2"]


def test_a_question_about_an_attribute_reference_changes_no_wish() -> None:
    from aya.shop.understanding.dialogue import update

    state = ThreadState(shown=list(SHOWN))
    state.profile = state.profile.model_copy(update={"species": "dog", "age_years": 5})
    update(state, parse("what's in the salmon one?"))
    update(state, parse("tell me about the purina one"))
    assert state.profile.brands == [] and state.profile.food_types == []


def test_states_stored_before_the_new_fields_still_load() -> None:
    old = {
        "aya": {
            "profile": {"species": "dog"},
            "shown": [{"id": "p1", "title": "Old Bag Dry Dog Food", "brand": "Old", "price": 9.5, "food_type": "dry"}],
            "turns": 3,
        }
    }
    state = load_state(old)
    assert state.shown[0].id == "p1" and state.shown[0].size == "" and state.shown[0].special_features == []
    assert state.turns == 3
    saved = state.to_metadata()
    assert "size" not in saved["shown"][0]  # defaults are not written back


TIED = [
    SHOWN[0].model_copy(update={"id": "t1", "price": 15.36}),
    SHOWN[1].model_copy(update={"id": "t2", "price": 20.00}),
    SHOWN[2].model_copy(update={"id": "t3", "price": 15.36}),
]


def test_a_tie_is_asked_about() -> None:
    step = _step("ok tell me more about the cheaper one", TIED)
    assert isinstance(step, ReplyStep) and "2 of the products I showed" in step.text, step
    assert "1. **Summit Ridge" in step.text and "3. **Northern Paws" in step.text


@pytest.mark.parametrize(("compared", "product"), [(["t1", "t2"], "t1"), (["t2", "t3"], "t3")])
def test_after_a_comparison_the_cheaper_one_is_among_those_compared(compared: list[str], product: str) -> None:
    state = ThreadState(shown=list(TIED), compared=compared)
    state.profile = state.profile.model_copy(update={"species": "dog"})
    text = "ok tell me more about the cheaper one"
    step = Policy().next_step(Conversation(user_texts=[text]), state, parse(text))
    assert isinstance(step, ToolStep) and step.arguments["product_id"] == product, step


def test_a_new_list_forgets_the_comparison() -> None:
    from aya.shop.tools import ProductSummary

    state = ThreadState(shown=list(TIED), compared=["t1", "t2"])
    state.show([ProductSummary(id="n1", title="New", brand="B", species="dog", life_stage="adult", food_type="dry",
                               price=3.0)])  # fmt: skip
    assert state.compared == [] and [s.id for s in state.shown] == ["n1"]
