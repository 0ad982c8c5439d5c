"""What Aya remembers about a thread between turns: the pet profile and the products last shown, in order.

Kept in the ChatKit thread's metadata under ``"aya"`` (so every store persists it with the thread), read at the start
of a turn, updated by the tools, and shown to the model in its instructions (``<aya_state>`` block) so that follow-ups
("the second one", "something cheaper") resolve against what the shopper actually saw.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from aya.shop.profile import PetProfile
from aya.shop.tools import ProductSummary

METADATA_KEY = "aya"
MAX_SHOWN = 10
_STATE_BLOCK = re.compile(r"<aya_state>(.*?)</aya_state>", re.DOTALL)


class ShownProduct(BaseModel):
    id: str
    title: str
    brand: str = ""
    price: float = 0.0
    species: str = ""
    food_type: str = ""
    life_stage: str = ""
    rating: float | None = None
    review_count: int = 0
    protein_min: float | None = None

    @classmethod
    def of(cls, p: ProductSummary) -> ShownProduct:
        return cls(
            id=p.id,
            title=p.title,
            brand=p.brand,
            price=p.price,
            species=p.species,
            food_type=p.food_type,
            life_stage=p.life_stage,
            rating=p.rating,
            review_count=p.review_count,
            protein_min=p.protein_min,
        )


class ThreadState(BaseModel):
    profile: PetProfile = Field(default_factory=PetProfile)
    shown: list[ShownProduct] = Field(default_factory=list, description="Products last shown, in display order.")
    query: str = Field(default="", description="Free words of the last product search (flavors).")
    username: str | None = None

    def show(self, products: Iterable[ProductSummary]) -> None:
        items = [ShownProduct.of(p) for p in products][:MAX_SHOWN]
        if items:
            self.shown = items

    def to_metadata(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"username"}, exclude_defaults=True)

    def block(self) -> str:
        """The machine-readable state the instructions carry (the offline model reads it back)."""
        payload = self.model_dump_json(exclude_defaults=True).replace("<", "\\u003c")  # no markup inside the block
        return f"<aya_state>{payload}</aya_state>"

    def describe(self) -> str:
        """The same state in words, for a hosted model."""
        lines: list[str] = []
        if self.username:
            lines.append(f"The shopper's name is {self.username}.")
        if not self.profile.is_empty():
            lines.append(f"Pet profile so far: {self.profile.describe()}. Facts: {_facts(self.profile)}")
        if self.shown:
            lines.append("Products shown most recently, in order (refer to them by these ids):")
            lines.extend(
                f"{i}. [{p.id}] {p.title} ({p.brand}), ${p.price:.2f}" for i, p in enumerate(self.shown, start=1)
            )
        return "\n".join(lines) or "Nothing known yet about the shopper's pet."


def _facts(profile: PetProfile) -> str:
    return json.dumps(profile.model_dump(mode="json", exclude_defaults=True), separators=(",", ":"))


def load_state(metadata: Mapping[str, Any] | None, *, username: str | None = None) -> ThreadState:
    """The thread's state from its metadata; a damaged or missing entry gives an empty state (never an error)."""
    raw = (metadata or {}).get(METADATA_KEY)
    state = ThreadState()
    if isinstance(raw, Mapping):
        try:
            state = ThreadState.model_validate(raw)
        except ValidationError:
            state = ThreadState()
    state.username = clean_username(username)
    return state


def clean_username(username: str | None) -> str | None:
    """The display name as it may appear in the model's instructions: letters, digits, spaces, . ' -; 40 chars."""
    if not username:
        return None
    cleaned = " ".join(re.sub(r"[^\w .'-]", " ", username).split())[:40].strip()
    return cleaned or None


def save_state(metadata: dict[str, Any], state: ThreadState) -> None:
    metadata[METADATA_KEY] = state.to_metadata()


def state_from_instructions(instructions: str | None) -> ThreadState:
    """The state block of the system instructions, as the offline model sees it."""
    if not instructions:
        return ThreadState()
    m = _STATE_BLOCK.search(instructions)
    if not m:
        return ThreadState()
    try:
        return ThreadState.model_validate_json(m.group(1))
    except ValidationError:
        return ThreadState()
