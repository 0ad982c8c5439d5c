"""The pet profile: what Aya knows about the pet in a thread, and the small domain rules over it.

Remembered per thread (in the thread metadata, see :mod:`aya.shop.state`), filled by the tools and by the offline
model's parser, and used to ground later turns.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aya.catalog.vocab import BreedSize, FoodType, LifeStage, SpecialFeature, Species, TargetCondition

# Ages (in years) at which a pet counts as a senior. Large and giant dogs age faster.
SENIOR_AGE: dict[str, float] = {"cat": 10.0, "dog": 7.0, "large": 6.0, "giant": 5.0}
# Until this age (years) a dog is a puppy; giant breeds grow for longer.
GROWTH_END: dict[str, float] = {"cat": 1.0, "dog": 1.0, "large": 1.5, "giant": 2.0}


# An allergy list is safety data: room for every ingredient the vocabulary names (a long elimination list is real).
MAX_AVOID = 200


class PetProfile(BaseModel):
    """What we know about one pet. Every field is optional: the profile fills in as the conversation goes."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=60, description="The pet's name, if the shopper gave it.")
    species: Species | None = Field(default=None, description="dog or cat.")
    age_years: float | None = Field(default=None, ge=0, le=40, description="Age in years (3 months = 0.25).")
    life_stage: LifeStage | None = Field(default=None, description="puppy, kitten, adult or senior (derived from age).")
    breed: str | None = Field(default=None, max_length=60, description="Breed in plain words, e.g. golden retriever.")
    breed_size: BreedSize | None = Field(default=None, description="toy, small, medium, large or giant.")
    conditions: list[TargetCondition] = Field(default_factory=list, description="Health needs, canonical names.")
    food_types: list[FoodType] = Field(default_factory=list, description="Preferred food types (dry, wet, ...).")
    features: list[SpecialFeature] = Field(default_factory=list, description="Wanted features (grain_free, ...).")
    budget_max: float | None = Field(
        default=None,
        ge=0,
        description="Most the shopper wants to pay per item (or per can, see budget_per), in dollars.",
    )
    budget_per: Literal["can"] | None = Field(
        default=None, description="'can' when the budget is per can ('$1 a can max'); none: per item."
    )
    avoid_ingredients: list[str] = Field(
        default_factory=list,
        max_length=MAX_AVOID,
        description="Ingredients to avoid, e.g. chicken (never cut short: every allergy counts).",
    )
    brands: list[str] = Field(default_factory=list, max_length=20, description="Preferred brands.")
    weight_kg: float | None = Field(default=None, ge=0, le=150, description="The pet's weight in kg, if given.")
    avoid_brands: list[str] = Field(
        default_factory=list, max_length=40, description="Brands the shopper refused (never shown)."
    )
    product_lines: list[str] = Field(
        default_factory=list, max_length=10, description="Product lines or formulas asked for (Wilderness, k/d)."
    )
    avoid_food_types: list[FoodType] = Field(
        default_factory=list, description="Food types the pet won't eat or the shopper moves away from."
    )
    avoid_textures: list[str] = Field(
        default_factory=list, max_length=10, description="Textures the pet refuses, e.g. pate or gravy."
    )
    avoid_features: list[SpecialFeature] = Field(
        default_factory=list,
        description="Labels the shopper refused: 'prescription' when there is no prescription (no vet diet shown).",
    )

    def effective_life_stage(self) -> LifeStage | None:
        """The life stage: stated, or derived from species, age and size."""
        if self.life_stage is not None:
            return self.life_stage
        if self.species is None or self.age_years is None:
            return None
        return life_stage_for(self.species, self.age_years, self.breed_size)

    def merged(self, other: PetProfile) -> PetProfile:
        """This profile updated with what ``other`` states: scalars replace; needs, features and refusals add up;
        food types, brands and lines replace when given (what is wanted now); a wish cancels its refusal."""
        data = self.model_dump()
        for key, value in other.model_dump().items():
            if value is None or value == []:
                continue
            if key in _ACCUMULATE:
                data[key] = list(dict.fromkeys([*data[key], *value]))
            else:
                data[key] = value
        data["avoid_food_types"] = [t for t in data["avoid_food_types"] if t not in other.food_types]
        data["food_types"] = [t for t in data["food_types"] if t not in other.avoid_food_types]
        data["avoid_brands"] = [b for b in data["avoid_brands"] if b not in other.brands]
        data["brands"] = [b for b in data["brands"] if b not in other.avoid_brands]
        data["avoid_features"] = [f for f in data["avoid_features"] if f not in other.features]
        data["features"] = [f for f in data["features"] if f not in other.avoid_features]
        if other.brands and not other.product_lines:
            data["product_lines"] = []  # another brand: the old brand's line no longer applies
        if other.breed is not None and other.breed_size is None:
            data["breed_size"] = None
        if other.species is not None and self.species is not None and other.species != self.species:
            # A different animal: what we knew about the other one no longer applies.
            keep = {k: v for k, v in other.model_dump().items() if v not in (None, [])}
            return PetProfile(**keep)
        if other.age_years is not None and other.life_stage is None:
            data["life_stage"] = None  # a new age: the stage follows from it
        if other.life_stage is not None and other.age_years is None:
            data["age_years"] = None  # "what about for a senior": the old age no longer describes the pet
        return PetProfile(**data)

    def describe(self) -> str:
        """A short phrase: "Milo, a 12-year-old senior cat with kidney problems"."""
        stage = self.effective_life_stage()
        parts: list[str] = []
        if self.age_years is not None:
            parts.append(age_phrase(self.age_years))
        if stage and stage not in ("all", "puppy", "kitten"):
            parts.append(stage)
        noun: str
        if self.breed:
            parts.append(self.breed)
            noun = stage if stage in ("puppy", "kitten") else ""
        else:
            if self.breed_size and self.breed_size != "all":
                parts.append(f"{self.breed_size}-breed")
            noun = stage if stage in ("puppy", "kitten") else (self.species or "pet")
        text = " ".join(w for w in [*parts, noun] if w)
        article = "an" if text[:1] in "aeiou8" or text.startswith(("11-", "18-")) else "a"
        text = f"{article} {text}"
        if self.conditions:
            text += " with " + join_words([WITH_WORDS.get(c, condition_phrase(c)) for c in self.conditions])
        if self.name:
            text = f"{self.name}, {text}"
        return text

    def is_empty(self) -> bool:
        return self == PetProfile()


_ACCUMULATE = frozenset(
    {
        "conditions",
        "features",
        "avoid_ingredients",
        "avoid_brands",
        "avoid_food_types",
        "avoid_features",
        "avoid_textures",
    }
)


def life_stage_for(species: str, age_years: float, breed_size: str | None = None) -> LifeStage:
    """A 3-month-old dog is a puppy, a 12-year-old cat a senior."""
    size_key = breed_size if species == "dog" and breed_size in ("large", "giant") else species
    if age_years < GROWTH_END[size_key]:
        return "kitten" if species == "cat" else "puppy"
    if age_years >= SENIOR_AGE[size_key]:
        return "senior"
    return "adult"


def age_phrase(age_years: float) -> str:
    if age_years < 1:
        months = max(1, round(age_years * 12))
        return f"{months}-month-old"
    years = round(age_years, 1)
    return f"{int(years) if years == int(years) else years}-year-old"


CONDITION_WORDS: dict[str, str] = {
    "sensitive_stomach": "a sensitive stomach",
    "weight_management": "weight control",
    "kidney_support": "kidney support",
    "urinary_health": "urinary health",
    "joint_support": "joint support",
    "skin_coat": "skin and coat care",
    "food_allergies": "food allergies",
    "dental_health": "dental care",
    "hairball_control": "hairball control",
    "diabetes": "blood sugar control",
    "heart_health": "heart health",
    "indoor": "an indoor lifestyle",
}

WITH_WORDS: dict[str, str] = {
    "sensitive_stomach": "a sensitive stomach",
    "weight_management": "a few pounds to lose",
    "kidney_support": "kidney problems",
    "urinary_health": "urinary issues",
    "joint_support": "stiff joints",
    "skin_coat": "skin or coat trouble",
    "food_allergies": "food allergies",
    "dental_health": "dental needs",
    "hairball_control": "hairballs",
    "diabetes": "diabetes",
    "heart_health": "a heart condition",
    "indoor": "an indoor life",
}

FEATURE_WORDS: dict[str, str] = {
    "grain_free": "grain-free",
    "gluten_free": "gluten-free",
    "no_corn_wheat_soy": "no corn, wheat or soy",
    "high_protein": "high-protein",
    "low_fat": "low-fat",
    "low_protein": "low-protein",
    "limited_ingredient": "limited-ingredient",
    "natural": "natural",
    "organic": "organic",
    "non_gmo": "non-GMO",
    "pea_free": "pea-free",
    "human_grade": "human-grade",
    "vegetarian": "vegetarian",
    "vegan": "vegan",
    "low_glycemic": "low-glycemic",
    "prescription": "prescription",
}

FOOD_TYPE_WORDS: dict[str, str] = {
    "dry": "dry",
    "wet": "wet",
    "raw": "raw",
    "freeze_dried": "freeze-dried",
    "air_dried": "air-dried",
    "frozen": "frozen",
    "topper": "topper",
    "treat": "treat",
}


def condition_phrase(condition: str) -> str:
    return CONDITION_WORDS.get(condition, condition.replace("_", " "))


def feature_phrase(feature: str) -> str:
    return FEATURE_WORDS.get(feature, feature.replace("_", " "))


def join_words(words: list[str], conj: str = "and") -> str:
    words = [w for w in words if w]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {conj} " + words[-1]
