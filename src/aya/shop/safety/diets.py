"""Veterinary diets and diets unsafe for the animal: the checks every tool result passes before anyone sees it.

- A veterinary (prescription) diet is never an ordinary pick: it is shown only when the pet has the matching
  diagnosed condition (kidney disease, urinary crystals or blockage, diabetes, heart disease, diagnosed food allergy) or
  the shopper asked for a veterinary diet, and then always with "needs your vet's authorization".
- Diets unsafe for the animal are removed with the reason, which Aya must pass on: vegan or vegetarian food for a cat,
  dog food for a cat (and cat food for a dog), adult food for a large-breed puppy still growing, kitten or puppy food
  for a senior.
- Allergies are enforced: every product containing an excluded ingredient family is removed (the search already
  excludes them; this is the second, exact check on what a tool returns).

:func:`screen` does all of it for one list of products and returns what may be shown, a caution per product and the
notes to pass on. Pure functions over product summaries (anything with the fields used here).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aya.catalog.ingredients import family_label, violations
from aya.shop.profile import life_stage_for

VET_NOTE = "needs your vet's authorization"
# Diagnosed conditions a veterinary diet is made for (target_conditions values). Food allergies are not among them:
# "allergic to chicken" is handled by excluding chicken; a hydrolyzed veterinary diet is shown only when asked for.
MEDICAL_CONDITIONS = frozenset({"kidney_support", "urinary_health", "diabetes", "heart_health"})
CONDITION_NAMES = {
    "kidney_support": "kidney disease",
    "urinary_health": "urinary crystals or blockage",
    "diabetes": "diabetes",
    "heart_health": "heart disease",
}
SENIOR_YOUNG_FOOD = (
    "Kitten and puppy food is too rich in calories and minerals for most seniors (weight gain, extra phosphorus for "
    "aging kidneys), so I left it out; a senior or adult food fits better."
)
# The label says it: the catalog's "prescription" feature (the store's own category), or a veterinary line named in the
# title. Never a condition word alone: Forza10's "Renal Support" and the many "urinary care" or "kidney support" foods
# are sold without a vet's authorization.
_VET_TITLE = re.compile(
    r"\b(prescription diet|veterinary diets?|vet(erinary)? formula|therapeutic diet|vet diet|"
    r"pro plan veterinary|royal canin veterinary|hill'?s prescription|[a-z]/d\b|urinary so\b|"
    r"hydrolyzed protein (hp|adult)|ha hydrolyzed|nf kidney|en gastroenteric|om overweight|dm dietetic|"
    r"ur urinary|hp hydrolyzed|selected protein)",
    re.IGNORECASE,
)
_VET_ASK = re.compile(r"\b(prescription|veterinary|vet (diet|food|prescribed)|therapeutic|rx)\b", re.IGNORECASE)
_MEDICAL_ASK = re.compile(r"\b(diagnos\w*|my vet (said|says|told|recommended|prescribed))\b", re.IGNORECASE)


class ProductLike(Protocol):
    id: str
    title: str
    species: str
    life_stage: str
    special_features: list[str]
    target_conditions: list[str]


@dataclass(frozen=True)
class Pet:
    """What the checks need to know about the pet (all optional)."""

    species: str | None = None
    life_stage: str | None = None
    breed_size: str | None = None
    conditions: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    asked_vet_diet: bool = False
    refuses_vet_diet: bool = False  # "i don't have a prescription": no veterinary diet at all


@dataclass
class Screened:
    keep: list[Any]
    cautions: dict[str, str] = field(default_factory=dict)  # product id -> caution shown on its card
    notes: list[str] = field(default_factory=list)  # to pass on to the shopper, in words
    removed: dict[str, str] = field(default_factory=dict)  # product id -> why


def is_vet_diet(p: ProductLike) -> bool:
    """A veterinary (prescription) diet: by its label feature or its product line's name."""
    return is_vet_label(p.title, p.special_features)


def is_vet_label(title: str, special_features: Sequence[str]) -> bool:
    """:func:`is_vet_diet` from a title and label features."""
    return "prescription" in special_features or bool(_VET_TITLE.search(title))


def asks_for_vet_diet(text: str) -> bool:
    """Whether the shopper's words ask for a veterinary diet ("her vet prescribed k/d", "prescription food")."""
    return bool(_VET_ASK.search(text)) or bool(re.search(r"\b[a-z]/d\b", text, re.IGNORECASE))


def medical_conditions(conditions: Sequence[str]) -> list[str]:
    return [c for c in conditions if c in MEDICAL_CONDITIONS]


def condition_note(conditions: Sequence[str]) -> str | None:
    """The vet note a diagnosed condition gets ("With kidney disease, the right food is your vet's call…")."""
    medical = medical_conditions(conditions)
    if not medical:
        return None
    names = " and ".join(CONDITION_NAMES[c] for c in medical[:2])
    return (
        f"With {names}, please let your vet guide the choice of food; a veterinary diet for it {VET_NOTE}, and "
        "the foods I show support the condition but don't treat it."
    )


def unsafe_reason(p: ProductLike, pet: Pet) -> str | None:
    """Why this product is unsafe for this pet, or ``None``."""
    if pet.species == "cat":
        if p.species == "dog":
            return (
                "Dog food isn't safe as a cat's diet: it lacks the taurine, arachidonic acid and vitamin A cats need."
            )
        if {"vegan", "vegetarian"} & set(p.special_features) or re.search(
            r"\b(vegan|vegetarian|plant based)\b", p.title, re.IGNORECASE
        ):
            return (
                "Cats are obligate carnivores, so I won't suggest a vegan or vegetarian diet for a cat: without "
                "nutrients from animal tissue (taurine, arachidonic acid, vitamin A) they risk heart and eye disease."
            )
    if pet.species == "dog" and p.species == "cat":
        return "Cat food isn't a good everyday diet for a dog: it is too rich in protein and fat for dogs."
    stage = pet.life_stage
    if stage == "puppy" and pet.breed_size in ("large", "giant") and p.life_stage == "adult":
        return (
            "A large-breed puppy still growing needs large-breed puppy food, not adult food: its controlled calcium "
            "and calories protect growing bones and joints."
        )
    if stage == "senior" and p.life_stage in ("kitten", "puppy"):
        return SENIOR_YOUNG_FOOD
    return None


_VEGAN_ASK = re.compile(r"\b(vegan|vegetarian|plant[- ]based|meat[- ]free|no meat)\b", re.IGNORECASE)
_DOG_FOOD_ASK = re.compile(r"\bdog (food|kibble|chow)\b", re.IGNORECASE)
_ADULT_ASK = re.compile(r"\badult (food|formula|kibble|dog food)\b", re.IGNORECASE)
_YOUNG_ASK = re.compile(r"\b(kitten|puppy) (food|formula|kibble)\b", re.IGNORECASE)


def request_warnings(pet: Pet, text: str, features: Sequence[str] = ()) -> list[str]:
    """Warnings a request itself deserves, whatever the search finds: a vegan diet or dog food for a cat, adult
    food for a large-breed puppy, kitten or puppy food for a senior."""
    out: list[str] = []
    if pet.species == "cat" and (_VEGAN_ASK.search(text) or {"vegan", "vegetarian"} & set(features)):
        out.append(
            "Cats are obligate carnivores, so I won't suggest a vegan or vegetarian diet for a cat: without "
            "nutrients from animal tissue (taurine, arachidonic acid, vitamin A) they risk heart and eye disease."
        )
    if pet.species == "cat" and _DOG_FOOD_ASK.search(text):
        out.append(
            "Dog food isn't safe as a cat's diet: it lacks the taurine, arachidonic acid and vitamin A cats need."
        )
    if pet.life_stage == "puppy" and pet.breed_size in ("large", "giant") and _ADULT_ASK.search(text):
        out.append(
            "A large-breed puppy still growing needs large-breed puppy food, not adult food: its controlled calcium "
            "and calories protect growing bones and joints."
        )
    if pet.life_stage == "senior" and _YOUNG_ASK.search(text):
        out.append(SENIOR_YOUNG_FOOD)
    return out


def screen(products: Sequence[Any], pet: Pet) -> Screened:
    """What of ``products`` may be shown to this pet's owner, with cautions and notes (see the module docstring)."""
    out = Screened(keep=[])
    allowed_conditions = set(medical_conditions(pet.conditions))
    for p in products:
        reason = unsafe_reason(p, pet)
        if reason is not None:
            out.removed[p.id] = reason
            if reason not in out.notes:
                out.notes.append(reason)
            continue
        if pet.avoid:
            ingredients = list(getattr(p, "ingredients", None) or getattr(p, "main_ingredients", []) or [])
            if not ingredients:
                out.removed[p.id] = "no ingredient list to check the ingredients to avoid against"
                continue
            found = violations(ingredients, list(pet.avoid), title=p.title)
            if found:
                out.removed[p.id] = f"contains {found[0].term} ({family_label(found[0].excluded)})"
                continue
        if is_vet_diet(p):
            if pet.refuses_vet_diet:
                out.removed[p.id] = "veterinary diet, and the shopper has no prescription"
                continue
            matches = allowed_conditions & set(p.target_conditions)
            if not pet.asked_vet_diet and not matches:
                out.removed[p.id] = "veterinary diet without the matching diagnosis"
                continue
            out.cautions[p.id] = f"veterinary diet: {VET_NOTE}"
        out.keep.append(p)
    if any(p.id in out.cautions for p in out.keep):
        out.notes.append(f"Veterinary (prescription) diets are marked: each {VET_NOTE}.")
    vet_note = condition_note(pet.conditions)
    if vet_note:
        out.notes.append(vet_note)
    return out


def pet_of(profile: Any, *, text: str = "") -> Pet:
    """A :class:`Pet` from a :class:`~aya.shop.profile.PetProfile` (or anything with the same fields)."""
    stage = profile.effective_life_stage() if hasattr(profile, "effective_life_stage") else None
    species, age = getattr(profile, "species", None), getattr(profile, "age_years", None)
    if species in ("dog", "cat") and age is not None:  # the age says more than a stage word ("kitten food")
        stage = life_stage_for(species, age, getattr(profile, "breed_size", None))
    return Pet(
        species=getattr(profile, "species", None),
        life_stage=stage,
        breed_size=getattr(profile, "breed_size", None),
        conditions=tuple(getattr(profile, "conditions", ()) or ()),
        avoid=tuple(getattr(profile, "avoid_ingredients", ()) or ()),
        asked_vet_diet=asks_for_vet_diet(text) or "prescription" in (getattr(profile, "features", ()) or ()),
        refuses_vet_diet="prescription" in (getattr(profile, "avoid_features", ()) or ()),
    )
