"""Canonical vocabularies and the normalization of messy phrases to them.

The vocabularies and their synonyms live in ``data/vocab.toml`` (documented there). Matching ignores case, hyphens,
underscores, slashes-as-spaces and spacing: "Grain-Free", "grain free" and "GRAIN_FREE" all give ``grain_free``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources
from typing import Literal, get_args

Species = Literal["dog", "cat"]
LifeStage = Literal["puppy", "kitten", "adult", "senior", "all"]
FoodType = Literal["dry", "wet", "raw", "freeze_dried", "air_dried", "frozen", "topper", "treat"]
Availability = Literal["in_stock", "out_of_stock", "preorder"]
BreedSize = Literal["toy", "small", "medium", "large", "giant", "all"]
SpecialFeature = Literal[
    "grain_free", "gluten_free", "no_corn_wheat_soy", "high_protein", "low_fat", "low_protein",
    "limited_ingredient", "natural", "organic", "non_gmo", "pea_free", "human_grade", "vegetarian", "vegan",
    "low_glycemic", "prescription",
]  # fmt: skip
TargetCondition = Literal[
    "sensitive_stomach", "weight_management", "kidney_support", "urinary_health", "joint_support", "skin_coat",
    "food_allergies", "dental_health", "hairball_control", "diabetes", "heart_health", "indoor",
]  # fmt: skip

VocabName = Literal[
    "species", "life_stage", "food_type", "availability", "breed_size", "special_features", "target_conditions"
]

CANONICAL: dict[str, tuple[str, ...]] = {
    "species": get_args(Species),
    "life_stage": get_args(LifeStage),
    "food_type": get_args(FoodType),
    "availability": get_args(Availability),
    "breed_size": get_args(BreedSize),
    "special_features": get_args(SpecialFeature),
    "target_conditions": get_args(TargetCondition),
}

_SEP = re.compile(r"[\s\-_/.,&+]+")


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """The matching key of a phrase: lower case, separators removed ("Grain-Free" -> "grainfree")."""
    return _SEP.sub("", text.strip().lower()).replace("&", "and")


class UnknownTerm(ValueError):
    """A phrase that matches no canonical value of a vocabulary."""

    def __init__(self, vocab: str, phrase: str) -> None:
        allowed = ", ".join(CANONICAL[vocab])
        super().__init__(f"unknown {vocab} value {phrase!r}; allowed: {allowed}")
        self.vocab = vocab
        self.phrase = phrase


@cache
def vocabulary() -> dict[str, dict[str, list[str]]]:
    """The raw vocabulary file: {vocab: {canonical: [synonyms]}}."""
    text = resources.files("aya.catalog").joinpath("data/vocab.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    for name, allowed in CANONICAL.items():
        declared = set(data.get(name, {}))
        if declared != set(allowed):
            raise RuntimeError(f"vocab.toml [{name}] declares {sorted(declared)}, expected {sorted(allowed)}")
    return data


@cache
def _lookup(vocab: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, synonyms in vocabulary()[vocab].items():
        for phrase in [canonical, *synonyms]:
            table[fold(phrase)] = canonical
    return table


def normalize(vocab: str, phrase: str) -> str | None:
    """The canonical value for ``phrase`` in ``vocab``, or None when it matches nothing."""
    if vocab not in CANONICAL:
        raise KeyError(f"unknown vocabulary {vocab!r}")
    return _lookup(vocab).get(fold(phrase))


def normalize_strict(vocab: str, phrase: str) -> str:
    value = normalize(vocab, phrase)
    if value is None:
        raise UnknownTerm(vocab, phrase)
    return value


def normalize_list(vocab: str, phrases: Iterable[str], *, strict: bool = False) -> list[str]:
    """Canonical values for phrases, deduplicated, in first-seen order. Unknown phrases raise when strict."""
    out: list[str] = []
    for phrase in phrases:
        value = normalize_strict(vocab, phrase) if strict else normalize(vocab, phrase)
        if value is not None and value not in out:
            out.append(value)
    return out


def synonyms(vocab: str) -> dict[str, str]:
    """Every known phrase (folded) of a vocabulary mapped to its canonical value."""
    return dict(_lookup(vocab))
