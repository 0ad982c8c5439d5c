"""Where a message goes by its intent (aya.shop.fallback via the policy): every route, the products shown or not,
rules always first, and safety never lowered by a guess."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np
import pytest

from aya.shop.policy import Conversation, Policy, ReplyStep, Step, ToolStep
from aya.shop.state import ShownProduct, ThreadState
from aya.shop.understanding import parse
from aya.shop.understanding.dialogue import update
from aya.shop.understanding.similarity import IntentClassifier, IntentGuess, Route, intent_of, load_intents

SHOWN = [
    ShownProduct(id="a", title="Alpha Adult Chicken Dry Dog Food, 30-lb bag", brand="Alpha", price=40.0,
                 food_type="dry", life_stage="adult", size="30-lb bag"),
    ShownProduct(id="b", title="Beta Adult Lamb Dry Dog Food, 5-lb bag", brand="Beta", price=12.0,
                 food_type="dry", life_stage="adult", size="5-lb bag"),
]  # fmt: skip


def _state(shown: Sequence[ShownProduct] = SHOWN, **profile: object) -> ThreadState:
    state = ThreadState(shown=list(shown), turns=3)
    state.profile = state.profile.model_copy(update={"species": "dog", "age_years": 4, **profile})
    return state


def _guess(route: Route, score: float = 0.8) -> IntentGuess:
    return IntentGuess(route, route, score, "similarity", "an example")


def _decide(text: str, route: Route, state: ThreadState | None = None) -> Step:
    state = state or _state()
    p = parse(text)
    update(state, p)
    return Policy().next_step(Conversation(user_texts=[text]), state, p, _guess(route))


@pytest.mark.parametrize(
    ("route", "text", "says"),
    [
        ("greeting", "long time no see aya", "I'm Aya"),
        ("thanks", "omg you rock", "welcome|pleasure|Happy to help"),
        ("goodbye", "gotta run now", "Thanks for stopping by"),
        ("emergency", "she is screaming and wont let me touch her", "veterinarian"),
        ("other_animal", "got stuff for my axolotl", "only carry dog and cat food|only stocks dog and cat food"),
        ("order", "my box showed up all crushed", "customer support"),
        ("off_topic", "book me a table somewhere nice", "outside what I can help with"),
    ],
)
def test_replies_by_intent(route: Route, text: str, says: str) -> None:
    step = _decide(text, route)
    assert isinstance(step, ReplyStep), step
    assert any(option in step.text for option in says.split("|")), step.text


@pytest.mark.parametrize(
    ("route", "text", "tool", "arguments"),
    [
        ("compare", "how do these stack up", "compare_products", {"product_ids": ["a", "b"]}),
        (
            "unit_price",
            "so which one is the better deal overall",
            "unit_prices",
            {"product_ids": ["a", "b"], "unit": "lb"},
        ),
    ],
)
def test_tools_by_intent_over_the_products_shown(route: Route, text: str, tool: str, arguments: dict) -> None:
    step = _decide(text, route)
    assert isinstance(step, ToolStep) and step.name == tool and step.arguments == arguments, step


@pytest.mark.parametrize("route", ["details", "other_flavour"])
def test_a_question_about_one_product_asks_which_when_several_are_shown(route: Route) -> None:
    step = _decide("hmm is it any good tho", route)
    assert isinstance(step, ReplyStep) and step.text.startswith("Which one should I"), step


@pytest.mark.parametrize(
    ("route", "tool"),
    [("details", "get_product_details"), ("other_flavour", "find_similar")],
)
def test_a_question_about_the_only_product_shown_is_about_it(route: Route, tool: str) -> None:
    step = _decide("hmm is it any good tho", route, _state(SHOWN[:1]))
    assert isinstance(step, ToolStep) and step.name == tool and step.arguments["product_id"] == "a", step


@pytest.mark.parametrize("route", ["details", "compare", "unit_price", "bigger", "other_flavour"])
def test_without_products_shown_aya_says_so(route: Route) -> None:
    step = _decide("hmm what about those tho", route, _state([]))
    assert isinstance(step, ReplyStep), step
    assert "haven't shown you any products" in step.text or "Which one" in step.text


@pytest.mark.parametrize("shown", [SHOWN, SHOWN[:1]])
def test_a_bigger_bag_looks_up_the_other_sizes_of_every_product_shown(shown: list[ShownProduct]) -> None:
    step = _decide("hmm got that in something roomier", "bigger", _state(shown))
    assert isinstance(step, ToolStep) and step.name == "other_sizes", step
    assert step.arguments == {"product_ids": [s.id for s in shown], "direction": "bigger"}


def test_feeding_uses_the_pets_weight_or_asks_for_it() -> None:
    step = _decide("how much do i give him then", "feeding", _state(SHOWN[:1]))
    assert isinstance(step, ReplyStep) and "weigh" in step.text
    step = _decide("how much do i give him then", "feeding", _state(SHOWN[:1], weight_kg=20.0))
    assert isinstance(step, ToolStep) and step.name == "feeding_guide"
    assert step.arguments["weight"] == 20.0 and step.arguments["product_id"] == "a"


def test_cheaper_searches_under_the_cheapest_shown() -> None:
    step = _decide("hmm that's a lot of money", "cheaper")
    assert isinstance(step, ToolStep) and step.name == "get_recommendations", step
    assert step.arguments["profile"]["budget_max"] < 12.0 and step.arguments["sort"] == "price"
    assert set(step.arguments["exclude_ids"]) == {"a", "b"}


def test_search_continues_the_shopping_questions() -> None:
    state = ThreadState()
    step = _decide("whats ur best seller these days", "search", state)
    assert isinstance(step, ReplyStep) and "dog or a cat" in step.text and state.pending == "species"


def test_without_an_intent_aya_says_she_did_not_follow() -> None:
    state, text = _state(), "purple monkey dishwasher"
    p = parse(text)
    update(state, p)
    step = Policy().next_step(Conversation(user_texts=[text]), state, p, None)
    assert isinstance(step, ReplyStep) and ("not sure I followed" in step.text or "didn't catch" in step.text)


def test_rules_win_over_a_guess() -> None:
    """A message the rules read is answered by the rules, whatever intent came with it."""
    step = _decide("compare 1 and 2", "thanks")
    assert isinstance(step, ToolStep) and step.name == "compare_products"
    step = _decide("whats the weather like", "greeting")
    assert isinstance(step, ReplyStep) and "outside what I can help with" in step.text


class _Fixed:
    """A stand-in embedder pointing every text at one intent's examples (the boundary under test is the gate)."""

    def __init__(self, target: int, score: float) -> None:
        self.target, self.score = target, score

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) > 1:  # the examples: three of intent 0, then three of intent 1, as unit vectors
            return np.eye(8, dtype=np.float32)[[0, 0, 0, 1, 1, 1]]
        vector = np.zeros((1, 8), np.float32)
        vector[0, self.target] = self.score
        return vector


_TWO = """
[emergency]
route = "emergency"
keywords = ["urgent"]
examples = ["a", "b", "c"]

[thanks]
route = "thanks"
keywords = ["thanks"]
examples = ["d", "e", "f"]
"""


@pytest.mark.parametrize(
    ("text", "target", "score", "route"),
    [
        ("purple monkey dishwasher", 1, 0.6, "thanks"),  # no rule read it: any intent
        ("my cat is acting weird and hiding", 0, 0.75, "emergency"),  # rules read a cat: only an emergency, strictly
        ("my cat is acting weird and hiding", 0, 0.6, None),
        ("my cat is acting weird and hiding", 1, 0.9, None),  # never another intent over the rules
        ("my dog is overweight", 0, 0.95, None),  # a need was named: it is a food question
        ("what should my dog eat, hes acting weird", 0, 0.95, None),  # asks for food
    ],
)
def test_what_similarity_may_decide(text: str, target: int, score: float, route: str | None) -> None:
    classifier = IntentClassifier(_Fixed(target, score), threshold=0.45, intents=load_intents(_TWO))
    guess = asyncio.run(intent_of(classifier, parse(text)))
    assert (guess.route if guess else None) == route
