"""Follow-up suggestions under an answer: short chips the shopper taps to send the next message ("Cheaper",
"Only wet food", "Compare 1 & 2", "For my other cat").

One pure function, :func:`suggest_followups`, over a small explicit input (what was shown, which species and food
types it covers, how many pets the shopper has), so any dialogue state can feed it. Each suggestion's ``message`` is
what the shopper would have typed, in words Aya understands in text and voice alike.

ChatKit has no protocol field for follow-ups (its prompts are for the start screen only), so they travel as a small
widget (:func:`followups_widget`): a ``Basic`` root keyed ``aya.followups`` whose buttons carry a *client* action
``aya.followup`` with the message; the web client sends it as the shopper's next message. The widget is not part of
what the model sees (:mod:`aya.chat.history` skips it).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from chatkit.actions import ActionConfig
from chatkit.widgets import BasicRoot, Button, Row

FOLLOWUPS_KEY = "aya.followups"
ACTION_FOLLOWUP = "aya.followup"
MAX_FOLLOWUPS = 4
# Below this price the cheapest product shown is already cheap: "Cheaper" would rarely find anything.
_CHEAP_ENOUGH = 5.0
_FOOD_TYPE_WORDS = {"dry": "dry food", "wet": "wet food", "treat": "treats", "treats": "treats"}


class ShownLike(Protocol):
    """What a suggestion needs to know of a product shown (``aya.shop.state.ShownProduct`` fits)."""

    @property
    def price(self) -> float: ...

    @property
    def food_type(self) -> str: ...

    @property
    def species(self) -> str: ...


@dataclass(frozen=True)
class FollowUp:
    label: str
    """The chip's text (short)."""
    message: str
    """What is sent as the shopper's message when the chip is tapped."""


def suggest_followups(
    shown: Sequence[ShownLike],
    *,
    species: Collection[str] = (),
    food_types: Collection[str] = (),
    pets: int = 1,
) -> list[FollowUp]:
    """Up to four follow-ups for an answer that showed ``shown`` (in display order).

    ``species``: the species the conversation is about (defaults to the products'); ``food_types``: the food types the
    shopper asked for or the products cover (defaults to the products'); ``pets``: how many pets the shopper has told
    about. Nothing shown, nothing to follow up.
    """
    if not shown:
        return []
    kinds = {t for t in (food_types or {p.food_type for p in shown}) if t in _FOOD_TYPE_WORDS}
    animals = {s for s in (species or {p.species for p in shown}) if s in ("dog", "cat")}
    out: list[FollowUp] = []
    if min(p.price for p in shown) > _CHEAP_ENOUGH:
        out.append(FollowUp("Cheaper", "something cheaper?"))
    if len(kinds) > 1 or not kinds:
        out.append(FollowUp("Only wet food", "only wet food"))
    elif kinds == {"dry"}:
        out.append(FollowUp("Wet food instead", "only wet food"))
    elif kinds == {"wet"}:
        out.append(FollowUp("Dry food instead", "only dry food"))
    if len(shown) >= 2:
        out.append(FollowUp("Compare 1 & 2", "compare the first two"))
    if pets >= 2 and len(animals) == 1:
        animal = next(iter(animals))
        out.append(FollowUp(f"For my other {animal}", f"now for my other {animal}"))
    elif len(shown) >= 3:
        out.append(FollowUp("Best rated", "which one is the best rated?"))
    return out[:MAX_FOLLOWUPS]


def followups_widget(followups: Sequence[FollowUp]) -> BasicRoot:
    """The chips as a ChatKit widget: a row of buttons, each a client action carrying its message."""
    buttons = [
        Button(
            key=f"followup-{i}",
            label=f.label,
            style="secondary",
            variant="outline",
            size="sm",
            onClickAction=ActionConfig(type=ACTION_FOLLOWUP, payload={"message": f.message}, handler="client"),
        )
        for i, f in enumerate(followups)
    ]
    row = Row(gap=2, wrap="wrap", children=list(buttons))
    return BasicRoot.model_validate({"key": FOLLOWUPS_KEY, "children": [row.model_dump(mode="json")]})
