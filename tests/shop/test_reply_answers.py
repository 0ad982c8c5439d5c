"""Yes/no answers about a shown product come from its ingredient list through the ingredient families
(aya.catalog.ingredients), never from a label word alone or a substring."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from aya.shop.replies import _answer_question
from aya.shop.understanding import parse


@dataclass
class Shown:
    title: str
    ingredients: list[str]
    special_features: list[str] = field(default_factory=list)
    target_conditions: list[str] = field(default_factory=list)


LABELLED = Shown("Senior Grain-Free Duck Entree", ["Duck", "White Rice", "Poultry By-Product Meal"], ["grain_free"])
CLEAN = Shown("Salmon & Sweet Potato", ["Salmon", "Sweet Potatoes", "Chickpeas"], ["grain_free"])


@pytest.mark.parametrize(
    ("product", "question", "answer"),
    [
        (LABELLED, "is the second one grain free?", "labelled grain-free, but its ingredients list white rice"),
        (LABELLED, "does it have chicken??", "Yes, chicken is in its ingredients"),  # poultry by-product meal
        (LABELLED, "any chiken in that one", "Yes, chicken is in its ingredients"),
        (CLEAN, "is it grain free", "Yes, it's grain-free"),
        (CLEAN, "does it have chicken?", "No, chicken is not in its ingredients"),  # chickpeas are no chicken
    ],
)
def test_answers_follow_the_ingredient_list(product: Shown, question: str, answer: str) -> None:
    assert answer in _answer_question(product, parse(question))  # type: ignore[arg-type]
