"""Where a message no rule read goes, from its intent by similarity (:mod:`aya.shop.understanding.similarity`).

The policy asks only about messages no rule decided (:func:`~aya.shop.understanding.similarity.undecided`), after the
safety checks and the knowledge questions had their turn. Each route ends in something Aya already knows how to do:
a reply of :mod:`aya.shop.replies`, or a tool call about the products shown. ``"cheaper"`` and ``"search"`` are left
to the policy (a new search needs its profile questions).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from aya.shop import replies
from aya.shop.knowledge_tools import WEIGHT_QUESTION
from aya.shop.state import ShownProduct, ThreadState
from aya.shop.steps import ReplyStep, Step, ToolStep
from aya.shop.understanding import Parsed
from aya.shop.understanding.similarity import IntentGuess

Deferred = Literal["cheaper", "search"]


def route_intent(guess: IntentGuess, state: ThreadState, p: Parsed, key: str) -> Step | Deferred | None:
    """The step for a message of intent ``guess`` (None: no route, Aya says she did not follow)."""
    profile, shown = state.profile, state.shown
    match guess.route:
        case "greeting":
            return ReplyStep(replies.greeting(state.username, profile, key, smalltalk=True))
        case "thanks":
            return ReplyStep(replies.thanks(state.username, key))
        case "goodbye":
            return ReplyStep(replies.goodbye(state.username, profile))
        case "emergency":  # a route to the vet is only ever added, never removed
            return ReplyStep(replies.out_of_scope(dataclasses.replace(p, out_of_scope="emergency"), key))
        case "other_animal" | "order" | "off_topic":
            kind: Literal["other_animal", "order", "off_topic"] = guess.route
            return ReplyStep(replies.out_of_scope(dataclasses.replace(p, out_of_scope=kind), key))
        case "details":
            product = _one(shown)
            if product is None:
                return ReplyStep(replies.ask_which("details", len(shown)))
            return ToolStep("get_product_details", {"product_id": product.id})
        case "bigger":  # the other sizes of every product shown (up to three; aya.shop.sizes)
            if not shown:
                return ReplyStep(replies.ask_which("details", 0))
            return ToolStep("other_sizes", {"product_ids": [s.id for s in shown[:3]], "direction": "bigger"})
        case "other_flavour":
            product = _one(shown)
            if product is None:
                return ReplyStep(replies.ask_which("similar", len(shown)))
            args = {
                "product_id": product.id,
                "k": 3,
                "cheaper": False,
                "exclude_ingredients": profile.avoid_ingredients,
            }
            return ToolStep("find_similar", args)
        case "compare":
            if len(shown) < 2:
                return ReplyStep(replies.ask_which("compare", len(shown)))
            return ToolStep("compare_products", {"product_ids": [s.id for s in shown[:3]]})
        case "unit_price":
            if not shown:
                return ReplyStep(replies.ask_which("details", 0))
            unit = "can" if all(s.food_type == "wet" for s in shown) else "lb"
            return ToolStep("unit_prices", {"product_ids": [s.id for s in shown[:10]], "unit": unit})
        case "feeding":
            if profile.species is None:
                return ReplyStep("Happy to work that out! Is it for a dog or a cat, and how much does your pet weigh?")
            if profile.weight_kg is None:
                return ReplyStep(
                    f"Happy to work that out! {WEIGHT_QUESTION} your {profile.species} weigh (in lb or kg)?"
                )
            feeding: dict[str, object] = {"species": profile.species, "weight": profile.weight_kg, "weight_unit": "kg"}
            if profile.age_years is not None:
                feeding["age_years"] = profile.age_years
            if shown:
                feeding["product_id"] = (_one(shown) or shown[0]).id
            return ToolStep("feeding_guide", feeding)
        case "cheaper":
            return "cheaper"
        case "search":
            return "search"
    return None


def _one(shown: list[ShownProduct]) -> ShownProduct | None:
    """The product a question without a reference is about: the only one shown (with several, Aya asks which)."""
    return shown[0] if len(shown) == 1 else None


__all__ = ["route_intent"]
