"""The dialogue state: what Aya remembers about a thread between turns.

Per-pet profiles (the active pet in ``profile``, the others in ``pets``), the question Aya is waiting on, and what was
shown (in order, with the search that produced it), and the searches the thread ran (the last :data:`MAX_SEARCHES`:
when, how many hits, what had to be relaxed, the filters as labels, never the shopper's words; store insights count
empty and relaxed searches from them). Kept in the ChatKit thread's metadata under ``"aya"`` (so every store persists
it with the thread), updated ONCE per user message by :func:`aya.shop.understanding.dialogue.update`
and by the tools' results, never re-derived from history or from reply text. The offline model is built for the turn
from it; remote models get it as structured context in their instructions (:meth:`ThreadState.describe`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from aya.search.models import Filters
from aya.shop.profile import PetProfile
from aya.shop.tools import ProductSummary

METADATA_KEY = "aya"
MAX_SHOWN = 10
MAX_PETS = 6
MAX_SEARCHES = 50
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
    # for "which has the least fat", "the lowest calorie one" (absent in states stored before: unknown)
    fat_min: float | None = None
    kcal_per_kg: float | None = None
    # for "the big bag", "the small breed one", "the grain free one" (absent in states stored before: defaults)
    size: str = ""
    breed_size: str | None = None
    special_features: list[str] = Field(default_factory=list)

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
            fat_min=p.fat_min,
            kcal_per_kg=p.kcal_per_kg,
            size=p.size,
            breed_size=p.breed_size,
            special_features=list(p.special_features),
        )


class SearchRecord(BaseModel):
    """One search a tool call ran (once per call, whatever the relaxation steps and over-fetch behind it)."""

    at: datetime = Field(description="When the search ran (UTC).")
    tool: str = Field(max_length=60, description="The tool that searched: search_products, get_recommendations…")
    hits: int = Field(ge=0, description="Products the search found and showed.")
    relaxations: list[str] = Field(default_factory=list, description="What had to be relaxed, as said to the shopper.")
    filters: list[str] = Field(default_factory=list, description="The filters as labels (species:cat, feature:…).")


class ThreadState(BaseModel):
    profile: PetProfile = Field(default_factory=PetProfile, description="The active pet, with the shopper's wishes.")
    pets: list[PetProfile] = Field(default_factory=list, description="The thread's other pets.", max_length=MAX_PETS)
    pending: Pending | None = Field(default=None, description="The question Aya asked and waits an answer to.")
    asked: list[Pending] = Field(default_factory=list, description="Questions Aya asked in this thread (never twice).")
    shown: list[ShownProduct] = Field(default_factory=list, description="Products last shown, in display order.")
    shown_search: str = Field(default="", description="The search that produced the products shown, in words.")
    compared: list[str] = Field(
        default_factory=list, description="Ids of the shown products last compared ('the cheaper one' is among them)."
    )
    focus: str | None = Field(
        default=None, description="Id of the shown product last talked about alone ('is it grain free?' asks of it)."
    )
    query: str = Field(default="", description="Free words of the last product search (flavors).")
    turns: int = Field(default=0, description="User messages understood so far.")
    searches: list[SearchRecord] = Field(default_factory=list, description="The last searches run, oldest first.")
    username: str | None = None

    @field_validator("searches", mode="before")
    @classmethod
    def _readable_searches(cls, value: Any) -> Any:
        """A damaged search record is dropped (the rest of the state, the pet profile first, is never lost for it)."""
        if not isinstance(value, list):
            return []
        kept = []
        for raw in value[-MAX_SEARCHES:]:
            try:
                kept.append(SearchRecord.model_validate(raw))
            except ValidationError:
                continue
        return kept

    def show(self, products: Iterable[ProductSummary], search: str = "") -> None:
        items = [ShownProduct.of(p) for p in products][:MAX_SHOWN]
        if items:
            self.shown = items
            self.shown_search = search[:300]
            self.compared = []
            self.focus = None

    def record_search(self, tool: str, hits: int, relaxations: Iterable[str], filters: Filters | None) -> None:
        """Remember one search (the last :data:`MAX_SEARCHES` are kept)."""
        record = SearchRecord(
            at=datetime.now(UTC),
            tool=tool[:60],
            hits=max(0, hits),
            relaxations=[r[:200] for r in list(relaxations)[:10]],
            filters=filter_labels(filters) if filters is not None else [],
        )
        self.searches = [*self.searches, record][-MAX_SEARCHES:]

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


_WORDS = re.compile(r"[a-z][a-z '-]{0,39}")


def filter_labels(filters: Filters) -> list[str]:
    """The filters of a search as labels: vocabulary values (``species:cat``, ``feature:grain_free``), the price range,
    brands and excluded ingredients when they are plain words; never the free text of a query."""
    labels: list[str] = []
    if filters.species:
        labels.append(f"species:{filters.species}")
    if filters.life_stage:
        labels.append(f"life_stage:{filters.life_stage}")
    labels += [f"food_type:{t}" for t in filters.food_type or []]
    labels += [f"feature:{f}" for f in filters.special_features]
    labels += [f"condition:{c}" for c in filters.target_conditions]
    if filters.price_min is not None:
        labels.append(f"price_min:{filters.price_min:g}")
    if filters.price_max is not None:
        labels.append(f"price_max:{filters.price_max:g}")
    if filters.protein_min is not None:
        labels.append(f"protein_min:{filters.protein_min:g}")
    labels += [f"brand:{b.lower()}" for b in filters.brand or [] if _WORDS.fullmatch(b.lower())]
    labels += [f"without:{i.lower()}" for i in filters.exclude_ingredients if _WORDS.fullmatch(i.lower())]
    return labels[:30]


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
