"""The dialogue state: what Aya remembers about a thread between turns.

Per-pet profiles (the active pet in ``profile``, the others in ``pets``), the question Aya is waiting on, and what was
shown (in order, with the search that produced it). Kept in the ChatKit thread's metadata under ``"aya"`` (so every
store persists it with the thread), updated ONCE per user message by :func:`aya.shop.understanding.dialogue.update`
and by the tools' results, never re-derived from history or from reply text. The offline model is built for the turn
from it; remote models get it as structured context in their instructions (:meth:`ThreadState.describe`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from aya.shop.profile import PetProfile
from aya.shop.tools import ProductSummary

METADATA_KEY = "aya"
MAX_SHOWN = 10
MAX_PETS = 6
Pending = Literal["species", "age", "which_pet", "which_product"]


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
    profile: PetProfile = Field(default_factory=PetProfile, description="The active pet, with the shopper's wishes.")
    pets: list[PetProfile] = Field(default_factory=list, description="The thread's other pets.", max_length=MAX_PETS)
    pending: Pending | None = Field(default=None, description="The question Aya asked and waits an answer to.")
    asked: list[Pending] = Field(default_factory=list, description="Questions Aya asked in this thread (never twice).")
    shown: list[ShownProduct] = Field(default_factory=list, description="Products last shown, in display order.")
    shown_search: str = Field(default="", description="The search that produced the products shown, in words.")
    query: str = Field(default="", description="Free words of the last product search (flavors).")
    turns: int = Field(default=0, description="User messages understood so far.")
    username: str | None = None

    def show(self, products: Iterable[ProductSummary], search: str = "") -> None:
        items = [ShownProduct.of(p) for p in products][:MAX_SHOWN]
        if items:
            self.shown = items
            self.shown_search = search[:300]

    def to_metadata(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"username"}, exclude_defaults=True)

    def describe(self) -> str:
        """The state as structured context for a remote model (the offline model reads the state itself)."""
        lines: list[str] = []
        if self.username:
            lines.append(f"The shopper's name is {self.username}.")
        if not self.profile.is_empty():
            lines.append(f"Active pet: {self.profile.describe()}. Facts: {_facts(self.profile)}")
        for pet in self.pets:
            lines.append(f"Another pet in this conversation (not the active one): {pet.describe()}.")
        if self.pending:
            lines.append(f"You asked the shopper about: {self.pending.replace('_', ' ')}; their message answers it.")
        if self.shown:
            lines.append(
                "Products shown most recently, in order (refer to them by these ids)"
                + (f", found by searching {self.shown_search}:" if self.shown_search else ":")
            )
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
