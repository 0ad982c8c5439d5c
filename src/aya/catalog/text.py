"""The ``searchable_text`` of a product: one plain-text rendering of everything a shopper might search for."""

from __future__ import annotations

from collections.abc import Sequence

_TYPE_WORDS = {
    "dry": "dry food kibble",
    "wet": "wet food canned",
    "raw": "raw food",
    "freeze_dried": "freeze-dried food",
    "air_dried": "air-dried food",
    "frozen": "frozen fresh food",
    "topper": "food topper",
    "treat": "treats",
}
_STAGE_WORDS = {"all": "all life stages"}


def words(value: str) -> str:
    """A canonical value as words: ``grain_free`` -> ``grain free``."""
    return value.replace("_", " ")


def build_searchable_text(
    *,
    title: str,
    brand: str,
    species: str,
    life_stage: str,
    food_type: str,
    description: str = "",
    ingredients: Sequence[str] = (),
    special_features: Sequence[str] = (),
    target_conditions: Sequence[str] = (),
    breed_size: str | None = None,
    texture: str | None = None,
) -> str:
    """Title, brand, the vocabulary values in words, features, conditions, ingredients and the description."""
    facets = [species, _STAGE_WORDS.get(life_stage, life_stage), _TYPE_WORDS.get(food_type, words(food_type))]
    if breed_size and breed_size != "all":
        facets.append(f"{breed_size} breed")
    if texture:
        facets.append(texture)
    parts = [title, brand, " ".join(facets)]
    if special_features:
        parts.append(", ".join(words(f) for f in special_features))
    if target_conditions:
        parts.append("for " + ", ".join(words(c) for c in target_conditions))
    if ingredients:
        parts.append("ingredients: " + ", ".join(ingredients))
    if description:
        parts.append(description)
    return "\n".join(p.strip() for p in parts if p and p.strip())
