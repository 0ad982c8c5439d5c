"""The deterministic sample catalog: realistic (invented) pet food products for a fresh install and for tests.

``generate_sample_catalog(n, seed)`` yields ``n`` products. Recipes are drawn one at a time, each from its own random
stream seeded by ``(seed, recipe number)``, and each recipe is sold in one to three package sizes; so the same seed
always gives the same products, and a smaller ``n`` gives a prefix of a larger one. Brands, proteins and phrasing
live in ``data/sample.toml``.

Consistency rules the generator keeps (and tests check): grain-free recipes contain no grain, "no corn, wheat or soy"
recipes none of those, pea-free recipes no peas or legumes, vegetarian recipes no meat or fish, limited ingredient
recipes a single animal protein, "chicken-free" wording only on recipes with no chicken in any form; every feature and
condition is stated in the description (so the denormalizer derives them back); prescription lines carry their
conditions; high-protein and low-fat claims match the guaranteed analysis; price per kg falls with package size.
"""

from __future__ import annotations

import math
import random
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from aya.catalog.lines import derive_product_line
from aya.catalog.models import NutritionalInfo, Product
from aya.catalog.text import build_searchable_text

LB = 0.45359237
OZ = LB / 16

_BASE_DATE = datetime(2024, 1, 1, tzinfo=UTC)
_TIER_PRICE = {"budget": 0.55, "mid": 1.0, "premium": 1.45, "super_premium": 2.0, "vet": 1.9}
_TYPE_PRICE = {  # USD per kg for a mid-tier product at the reference package size
    "dry": 6.5,
    "wet": 11.0,
    "raw": 18.0,
    "frozen": 22.0,
    "freeze_dried": 75.0,
    "air_dried": 50.0,
    "topper": 45.0,
    "treat": 30.0,
}
_TYPE_WEIGHTS = {
    "dry": 34,
    "wet": 30,
    "raw": 5,
    "freeze_dried": 6,
    "air_dried": 4,
    "frozen": 4,
    "topper": 6,
    "treat": 11,
}
# guaranteed analysis ranges by food type: protein, fat, fiber, moisture, kcal/kg
_Range = tuple[float, float]
_GA: dict[str, tuple[_Range, _Range, _Range, _Range, _Range]] = {
    "dry": ((22, 30), (10, 18), (2.5, 5), (10, 12), (3400, 4100)),
    "wet": ((8, 11), (4, 7), (0.5, 1.5), (75, 82), (850, 1300)),
    "raw": ((13, 18), (8, 18), (0.5, 2), (60, 72), (1400, 2400)),
    "frozen": ((9, 13), (5, 9), (0.5, 1.5), (65, 75), (1200, 1700)),
    "freeze_dried": ((38, 52), (22, 36), (1, 4), (4, 5), (4300, 5300)),
    "air_dried": ((30, 40), (18, 30), (1, 3), (12, 15), (3800, 4600)),
    "topper": ((38, 50), (20, 30), (1, 4), (4, 6), (4200, 5000)),
    "treat": ((18, 40), (5, 18), (1, 6), (8, 24), (2800, 3800)),
}
_BROTH_GA: tuple[_Range, _Range, _Range, _Range, _Range] = ((1, 4), (0.1, 1), (0.1, 0.5), (93, 96), (150, 400))
_HIGH_PROTEIN: dict[str, _Range] = {
    "dry": (32, 42),
    "wet": (11.5, 14),
    "raw": (17, 20),
    "frozen": (13, 16),
    "treat": (40, 60),
}
_LOW_PROTEIN: dict[str, _Range] = {"dry": (14, 18), "wet": (5, 7)}
_LOW_FAT: dict[str, _Range] = {"dry": (6, 9), "wet": (2, 3.5), "treat": (2, 5)}
_FIBER_CONDITIONS = {"weight_management", "hairball_control", "diabetes"}
# package sizes (label, kg) by food type and species
_SIZES: dict[str, dict[str, list[tuple[str, float]]]] = {
    "dry": {
        "dog": [(f"{w}-lb bag", w * LB) for w in (4, 5, 11, 15, 24, 30)],
        "cat": [(f"{w}-lb bag", w * LB) for w in (2, 3.5, 5, 7, 12, 16)],
    },
    "wet": {
        "dog": [(f"{oz}-oz can, case of {c}", oz * c * OZ) for oz, c in ((12.5, 12), (13, 12), (3.5, 24), (5.5, 24))],
        "cat": [
            (f"{oz}-oz {pack}, case of {c}", oz * c * OZ)
            for oz, pack, c in (
                (3, "can", 24),
                (5.5, "can", 24),
                (2.8, "pouch", 24),
                (3, "pouch", 12),
                (12.5, "can", 12),
            )
        ],
    },
    "raw": {s: [(f"{w}-lb bag", w * LB) for w in (3, 6, 12)] for s in ("dog", "cat")},
    "frozen": {s: [(f"{w}-lb bag", w * LB) for w in (2, 5, 10)] for s in ("dog", "cat")},
    "freeze_dried": {s: [(f"{oz}-oz bag", oz * OZ) for oz in (5.5, 14, 25)] for s in ("dog", "cat")},
    "air_dried": {
        "dog": [(f"{w}-lb bag", w * LB) for w in (1, 2.2, 5.5)],
        "cat": [("8-oz bag", 8 * OZ), ("1-lb bag", LB), ("2.2-lb bag", 2.2 * LB)],
    },
    "topper": {s: [(f"{oz}-oz bag", oz * OZ) for oz in (3.5, 8, 16)] for s in ("dog", "cat")},
    "treat": {s: [(f"{oz}-oz bag", oz * OZ) for oz in (3, 5, 10, 16)] for s in ("dog", "cat")},
}
_REF_KG = {"dry": 5.0, "wet": 4.0, "raw": 2.7, "frozen": 2.3, "freeze_dried": 0.4, "air_dried": 1.0}
_BREED_SIZES = ((0.22, "small"), (0.36, "large"), (0.41, "toy"), (0.44, "giant"), (0.5, "medium"), (1.01, "all"))
_TITLE_CARBS = {  # how a carbohydrate reads in a title ("Salmon & Sweet Potato Recipe"); others stay out of titles
    "Brown Rice": "Brown Rice",
    "White Rice": "Rice",
    "Oatmeal": "Oatmeal",
    "Pearled Barley": "Barley",
    "Ground Whole Grain Sorghum": "Sorghum",
    "Millet": "Millet",
    "Quinoa": "Quinoa",
    "Peas": "Pea",
    "Lentils": "Lentil",
    "Chickpeas": "Chickpea",
    "Sweet Potatoes": "Sweet Potato",
    "Potatoes": "Potato",
    "Pumpkin": "Pumpkin",
    "Butternut Squash": "Squash",
}


@cache
def sample_data() -> dict[str, Any]:
    """The generator's data file (brands, proteins, ingredients, phrasing)."""
    text = resources.files("aya.catalog").joinpath("data/sample.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@dataclass
class _Recipe:
    brand: dict[str, Any]
    line: dict[str, Any]
    species: str
    food_type: str
    life_stage: str
    protein_key: str
    features: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    breed_size: str | None = None
    texture: str | None = None
    broth_topper: bool = False


def _pick_weighted(rng: random.Random, weights: dict[str, int], allowed: list[str]) -> str:
    keys = [k for k in weights if k in allowed]
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _add(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)


def _choose_recipe(rng: random.Random) -> _Recipe:
    data = sample_data()
    brand = rng.choice(data["brands"])
    species = rng.choice(brand["species"])
    lines = [ln for ln in brand["lines"] if not (ln.get("vegetarian") and species == "cat")]
    if species == "dog":
        lines = [ln for ln in lines if not {"hairball_control", "indoor"} & set(ln.get("conditions", []))]
    line = rng.choice(lines or brand["lines"])
    types = [t for t in brand["types"] if t in line.get("types", brand["types"])]
    if "prescription" in line.get("features", []):
        types = [t for t in types if t not in ("treat", "topper")] or types
    food_type = _pick_weighted(rng, _TYPE_WEIGHTS, types)
    features = list(line.get("features", []))
    conditions = [c for c in line.get("conditions", []) if species == "cat" or c not in ("hairball_control", "indoor")]
    vegetarian = bool(line.get("vegetarian"))

    # life stage: therapeutic and weight lines are for grown animals
    young = "puppy" if species == "dog" else "kitten"
    grown_only = {"weight_management", "kidney_support", "diabetes", "urinary_health", "heart_health", "indoor"}
    if "prescription" in features or grown_only & set(conditions):
        stages = ["adult", "adult", "senior", "all"] if "prescription" not in features else ["adult", "adult", "all"]
    elif food_type in ("treat", "topper"):
        stages = ["all", "all", "adult", young]
    else:
        stages = ["adult", "adult", "adult", young, young, "senior", "all", "all"]
    life_stage = rng.choice(line.get("stages", stages))

    proteins = data["proteins"]
    if vegetarian:
        protein_key = "plant"
    else:
        keys = [k for k, p in proteins.items() if p["group"] != "plant" and species in p["species"]]
        protein_key = rng.choice(keys)
    recipe = _Recipe(brand, line, species, food_type, life_stage, protein_key, features, conditions)

    # extra claims beyond the line's own
    natural_types = {"raw", "frozen", "freeze_dried", "air_dried"}
    if not vegetarian and "prescription" not in features:
        if food_type in natural_types and rng.random() < 0.8:
            _add(features, "grain_free")
        elif brand["tier"] in ("premium", "super_premium") and rng.random() < 0.3:
            _add(features, "grain_free")
        elif brand["tier"] == "mid" and rng.random() < 0.15:
            _add(features, "grain_free")
        if "grain_free" in features and rng.random() < 0.15:
            _add(features, "pea_free")
        if "grain_free" in features and rng.random() < 0.2:
            _add(features, "gluten_free")
        if brand["tier"] != "budget" and "grain_free" not in features and rng.random() < 0.35:
            _add(features, "no_corn_wheat_soy")
        if brand["tier"] in ("premium", "super_premium") and rng.random() < 0.3:
            _add(features, "natural")
        if rng.random() < 0.08:
            _add(features, "non_gmo")
        if brand.get("organic") and rng.random() < 0.8:
            _add(features, "organic")
        if brand.get("human_grade"):
            _add(features, "human_grade")
        if food_type in ("dry", "wet", "raw", "frozen") and rng.random() < 0.06:
            _add(features, "high_protein")
        if life_stage == "senior" and rng.random() < 0.35:
            _add(conditions, "joint_support")
        if food_type in ("dry", "wet") and rng.random() < 0.08:
            _add(conditions, "skin_coat")
        if food_type in ("dry", "wet") and rng.random() < 0.05:
            _add(conditions, "sensitive_stomach")
        if species == "cat" and food_type == "dry" and life_stage != "kitten" and rng.random() < 0.1:
            _add(conditions, "hairball_control")
        if species == "cat" and food_type == "dry" and life_stage in ("adult", "senior") and rng.random() < 0.12:
            _add(conditions, "indoor")
    if "limited_ingredient" in features and rng.random() < 0.5:
        _add(conditions, "food_allergies")
    if "high_protein" in features and "low_protein" in features:
        features.remove("high_protein")
    if "grain_free" in features:
        features = [f for f in features if f != "no_corn_wheat_soy"]
        if rng.random() < 0.25:
            _add(features, "no_corn_wheat_soy")
    if food_type == "topper":
        recipe.broth_topper = rng.random() < 0.4
        if recipe.broth_topper:  # a broth is neither high in protein nor a low-fat diet worth claiming
            features = [f for f in features if f not in ("high_protein", "low_fat")]
    recipe.features = features
    recipe.conditions = conditions

    if species == "dog" and line.get("breed_size"):
        recipe.breed_size = line["breed_size"]
    elif species == "dog" and food_type in ("dry", "wet"):
        r = rng.random()
        recipe.breed_size = next(size for limit, size in _BREED_SIZES if r < limit)
    elif species == "dog":
        recipe.breed_size = "all"
    if food_type == "wet":
        recipe.texture = rng.choice(data["textures"][species])
    return recipe


def _carbs(rng: random.Random, recipe: _Recipe) -> list[str]:
    carbs = sample_data()["carbs"]
    f = set(recipe.features)
    if recipe.protein_key == "plant":
        return ["Brown Rice", "Oatmeal"] if "gluten_free" not in f else ["Brown Rice", "Millet"]
    if "grain_free" in f:
        pool = carbs["grain_free_pea_free"] if "pea_free" in f else carbs["grain_free"]
        if "low_glycemic" in f and "pea_free" not in f:
            pool = carbs["low_glycemic"]
        return rng.sample(pool, 2)
    pool = list(carbs["grains"])
    if "gluten_free" in f:
        pool = [c for c in pool if c not in carbs["gluten_grains"]]
    if "low_glycemic" in f:
        return ["Oatmeal", rng.choice(carbs["low_glycemic"][:2] if "pea_free" not in f else ["Pumpkin"])]
    picked = rng.sample(pool, 2)
    if recipe.brand["tier"] == "budget" and "no_corn_wheat_soy" not in f and rng.random() < 0.7:
        cws = [c for c in carbs["corn_wheat_soy"] if "gluten_free" not in f or "Wheat" not in c]
        picked = [rng.choice(cws), *picked[:1]]
    return picked


def _ingredients(rng: random.Random, recipe: _Recipe, carbs: list[str]) -> list[str]:
    data = sample_data()
    extras = data["extras"]
    protein = data["proteins"][recipe.protein_key]
    f = set(recipe.features)
    lid = "limited_ingredient" in f
    ft = recipe.food_type
    out: list[str] = []

    def add(*items: str) -> None:
        for item in items:
            if item not in out:
                out.append(item)

    secondary: list[str] = []
    if recipe.protein_key != "plant" and not lid and ft in ("dry", "wet", "treat") and rng.random() < 0.4:
        others = [k for k, p in data["proteins"].items() if p["group"] != "plant" and k != recipe.protein_key]
        other = data["proteins"][rng.choice(others)]
        secondary = [other["dry"][1] if ft != "wet" else other["wet"][0]]

    if ft == "dry":
        add(*protein["dry"], carbs[0], *secondary, carbs[1])
        fat = protein["fat"] if lid or recipe.protein_key == "plant" or rng.random() < 0.7 else "Chicken Fat"
        add(fat)
        if not lid and recipe.protein_key != "plant" and "vegan" not in f and rng.random() < 0.5:
            add("Dried Egg Product")
        if recipe.protein_key == "plant" and "vegan" not in f:
            add("Dried Egg Product")
        if recipe.protein_key == "plant":
            add("Pea Protein" if "pea_free" not in f else "Potato Protein")
    elif ft in ("wet", "topper") and not (ft == "topper" and not recipe.broth_topper):
        if ft == "topper":
            add(protein["wet"][1], protein["wet"][0], "Natural Flavor", "Xanthan Gum")
        else:
            add(*protein["wet"], *secondary)
            if rng.random() < 0.5:
                add(carbs[0])
            add(rng.choice(extras["wet_binders"]))
    elif ft == "treat":
        add(protein["dry"][0] if recipe.protein_key != "plant" else "Peanut Butter", carbs[0], "Vegetable Glycerin")
        add(*secondary)
    else:  # raw, frozen, freeze_dried, air_dried, and freeze-dried toppers
        add(*protein["raw"])
        if ft == "frozen":
            add(carbs[0])

    if not lid:
        add(*rng.sample(extras["produce"], 2 if ft in ("dry", "wet", "frozen") else 1))
    condition_extras = {
        "sensitive_stomach": "digestive",
        "joint_support": "joint",
        "skin_coat": "skin",
        "hairball_control": "hairball",
        "urinary_health": "urinary",
        "kidney_support": "kidney",
        "heart_health": "heart",
        "dental_health": "dental",
        "diabetes": "diabetes",
        "weight_management": "weight",
    }
    for cond in recipe.conditions:
        key = condition_extras.get(cond)
        if key:
            pool = [
                x
                for x in extras[key]
                if not (recipe.protein_key == "plant" and ("Fish" in x or "Mussel" in x))
                and not ("pea_free" in f and "Pea" in x)
                and not (lid and ("Fish" in x or "Mussel" in x))
            ]
            add(*pool[:2])
    if not (ft == "topper" and recipe.broth_topper):
        tail = extras["tail"] if ft in ("dry", "wet", "treat", "frozen") else extras["tail"][-4:]
        add(*tail)
    if recipe.species == "cat":
        add(*extras["cat_tail"])
    if "organic" in f:
        out = [
            f"Organic {x}" if i < 4 and not x.startswith(("Dried", "Vitamins", "Minerals")) else x
            for i, x in enumerate(out)
        ]
    return out


def _analysis(rng: random.Random, recipe: _Recipe) -> NutritionalInfo:
    ft = recipe.food_type
    (p_lo, p_hi), (f_lo, f_hi), (fi_lo, fi_hi), (m_lo, m_hi), (k_lo, k_hi) = _GA[ft]
    feats, conds = set(recipe.features), set(recipe.conditions)
    if ft == "topper" and recipe.broth_topper:
        (p_lo, p_hi), (f_lo, f_hi), (fi_lo, fi_hi), (m_lo, m_hi), (k_lo, k_hi) = _BROTH_GA
    if "high_protein" in feats and ft in _HIGH_PROTEIN:
        p_lo, p_hi = _HIGH_PROTEIN[ft]
    if "low_protein" in feats and ft in _LOW_PROTEIN:
        p_lo, p_hi = _LOW_PROTEIN[ft]
    if "low_fat" in feats and ft in _LOW_FAT:
        f_lo, f_hi = _LOW_FAT[ft]
    if _FIBER_CONDITIONS & conds and ft in ("dry", "wet"):
        fi_lo, fi_hi = (fi_hi, fi_hi * 2)
    if "weight_management" in conds:
        k_lo, k_hi = k_lo * 0.82, k_lo * 0.95
    if recipe.life_stage in ("puppy", "kitten"):
        p_lo, p_hi = (p_lo + p_hi) / 2, p_hi + 2
    kcal_kg = round(rng.uniform(k_lo, k_hi), -1)
    return NutritionalInfo(
        protein_min=round(rng.uniform(p_lo, p_hi) * 2) / 2,
        fat_min=round(rng.uniform(f_lo, f_hi) * 2) / 2,
        fiber_max=round(rng.uniform(fi_lo, fi_hi) * 2) / 2,
        moisture_max=float(round(rng.uniform(m_lo, m_hi))),
        kcal_per_kg=kcal_kg,
        kcal_per_cup=round(kcal_kg * rng.uniform(0.095, 0.12)) if ft == "dry" else None,
    )


def _fill(template: str, values: dict[str, str]) -> str:
    return template.format(**values)


def _texts(
    rng: random.Random, recipe: _Recipe, carbs: list[str], ga: NutritionalInfo, chicken_free: bool
) -> tuple[str, str]:
    data = sample_data()
    phrases = data["phrases"]
    protein = data["proteins"][recipe.protein_key]
    protein_name = rng.choice(protein["names"])
    sp = recipe.species
    pet = {"dog": "dog", "cat": "cat"}[sp]
    young = {"dog": "puppy", "cat": "kitten"}[sp]
    stage_key = recipe.life_stage
    kind = rng.choice(phrases["kind"][recipe.food_type])
    if recipe.food_type == "topper" and recipe.broth_topper:
        kind = rng.choice(["a bone broth topper", "a broth topper to pour over any meal"])
    values = {
        "brand": recipe.brand["name"],
        "line": recipe.line["name"],
        "protein": protein_name,
        "protein_lower": protein_name.lower(),
        "species": sp + "s",
        "species_pl": sp + "s",
        "pet": young if stage_key in ("puppy", "kitten") else pet,
        "stage": rng.choice(phrases["stage"][stage_key]),
        "kind": "",
        "texture": recipe.texture or "pate",
        "carb_lower": " and ".join(c.lower() for c in carbs),
        "protein_pct": f"{ga.protein_min:g}",
        "fat_pct": f"{ga.fat_min:g}",
    }
    values["kind"] = _fill(kind, values)
    values["kind_bare"] = re.sub(r"^an? ", "", values["kind"])
    brand = recipe.brand["name"]
    values["brand_pos"] = f"{brand}'" if brand.endswith("s") else f"{brand}'s"
    if stage_key in ("puppy", "kitten"):
        values["stage"] = "growing"
        values["species_pl"] = {"dog": "puppies", "cat": "kittens"}[sp]
    elif stage_key == "all":
        values["stage"] = ""
        values["species_pl"] = f"{sp}s of every age"
    sentences = [_fill(rng.choice(phrases["openers"]), values).replace("  ", " ")]
    sentences.append(
        _fill(rng.choice(phrases["plant_protein" if recipe.protein_key == "plant" else "protein"]), values)
    )
    sentences.append(rng.choice(phrases["stage_sentence"][stage_key]))
    for feat in rng.sample(recipe.features, len(recipe.features)):
        sentences.append(_fill(rng.choice(phrases["feature"][feat]), values))
    for cond in recipe.conditions:
        sentences.append(rng.choice(phrases["condition"][cond]))
    if recipe.breed_size in ("small", "toy"):
        sentences.append(
            f"Small kibble sized for {recipe.breed_size} breed dogs."
            if recipe.food_type == "dry"
            else f"Portions sized for {recipe.breed_size} breed dogs."
        )
    elif recipe.breed_size in ("medium", "large", "giant"):
        sentences.append(f"Made for {recipe.breed_size} breed dogs.")
    if chicken_free:
        sentences.append(rng.choice(phrases["chicken_free"]))
    sentences.extend(rng.sample(phrases["closers"], rng.choice((1, 1, 2))))
    description = " ".join(s[0].upper() + s[1:] for s in sentences)

    # title: Brand Line [Stage] [Breed] Protein Recipe [Grain-Free] Type Species Food
    stage_word = {
        "puppy": "Puppy",
        "kitten": "Kitten",
        "adult": "Adult",
        "senior": rng.choice(["Senior", "Senior 7+", "Mature Senior"]),
        "all": rng.choice(["", "", "All Life Stages"]),
    }[stage_key]
    breed_word = {
        "small": "Small Breed",
        "medium": "Medium Breed",
        "large": "Large Breed",
        "toy": "Toy Breed",
        "giant": "Giant Breed",
    }.get(recipe.breed_size or "", "")
    if breed_word and breed_word in recipe.line["name"]:
        breed_word = ""  # "Large Breed Strong Puppy", not "Large Breed Strong Puppy Large Breed"
    recipe_word = rng.choice(["Recipe", "Recipe", "Formula", "Dinner", "Feast", "Entree"])
    title_carb = _TITLE_CARBS.get(carbs[0])
    if recipe.protein_key != "plant" and rng.random() < 0.35 and title_carb:
        protein_part = f"{protein_name} & {title_carb} {recipe_word}"
    else:
        protein_part = f"{protein_name} {recipe_word}"
    gf = "Grain-Free" if "grain_free" in recipe.features and rng.random() < 0.6 else ""
    if recipe.texture and rng.random() < 0.5:
        protein_part += f" {recipe.texture.title()}"
    type_word = sample_data()["type_words"][recipe.food_type]
    if recipe.food_type == "wet" and sp == "cat" and rng.random() < 0.3:
        type_word = "Wet"
    noun = {"treat": f"{sp.title()} Treats", "topper": f"{sp.title()} Food Topper"}.get(
        recipe.food_type, f"{type_word} {sp.title()} Food"
    )
    if recipe.food_type == "treat":
        noun = f"{sp.title()} Treats"
    elif recipe.food_type == "topper":
        noun = f"{sp.title()} Food Topper" if not recipe.broth_topper else f"Bone Broth {sp.title()} Food Topper"
    parts = [recipe.brand["name"], recipe.line["name"], stage_word, breed_word, protein_part, gf, noun]
    title = " ".join(p for p in parts if p)
    return title, description


def _price(rng: random.Random, recipe: _Recipe, kg: float, jitter: float) -> float:
    base = _TYPE_PRICE[recipe.food_type] * _TIER_PRICE[recipe.brand["tier"]] * jitter
    if recipe.food_type == "topper" and recipe.broth_topper:
        base = 14.0 * _TIER_PRICE[recipe.brand["tier"]] * jitter
    ref = _REF_KG.get(recipe.food_type, 0.3)
    per_kg = base * (kg / ref) ** -0.12
    return _shelf_price(per_kg * kg, rng.choice((0.99, 0.99, 0.49, 0.79, 0.29)))


def _shelf_price(raw: float, cents: float) -> float:
    """A price as shelves show it, ending in ``cents`` (.99, .49…): the nearest such price, never below 1.99."""
    whole = math.floor(raw)
    nearest = min((whole - 1 + cents, whole + cents), key=lambda c: abs(c - raw))
    return max(1.99, round(nearest, 2))


def _chicken_in(ingredients: list[str]) -> bool:
    return any("chicken" in i.lower() for i in ingredients)


def generate_sample_catalog(n: int = 5000, seed: int = 7) -> Iterator[Product]:
    """Yield ``n`` realistic products, deterministically for a given seed (ids ``s<seed>-<recipe>-<size>``)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    produced = 0
    recipe_no = 0
    while produced < n:
        rng = random.Random(f"aya-sample:{seed}:{recipe_no}")
        recipe = _choose_recipe(rng)
        carbs = _carbs(rng, recipe)
        ingredients = _ingredients(rng, recipe, carbs)
        ga = _analysis(rng, recipe)
        chicken_free = not _chicken_in(ingredients) and recipe.protein_key != "plant" and rng.random() < 0.35
        title, description = _texts(rng, recipe, carbs, ga, chicken_free)
        features, conditions = list(recipe.features), list(recipe.conditions)
        jitter = rng.uniform(0.85, 1.2)
        sizes = _SIZES[recipe.food_type][recipe.species]
        count = min(len(sizes), rng.choice((1, 1, 2, 2, 3)))
        picked = sorted(rng.sample(range(len(sizes)), count))
        popularity = rng.random()
        rating_mean = rng.uniform(3.6, 4.9)
        created = _BASE_DATE + timedelta(days=rng.randint(0, 600), seconds=rng.randint(0, 86399))
        variants: dict[int, tuple[float, int, float | None, str, int]] = {}
        for size_index in picked:
            price = _price(rng, recipe, sizes[size_index][1], jitter)
            reviews = 0 if popularity < 0.06 else int(rng.lognormvariate(3.3 + 2 * popularity, 1.0))
            rating = None if reviews == 0 else round(min(5.0, max(1.0, rng.gauss(rating_mean, 0.15))), 1)
            r = rng.random()
            availability = "in_stock" if r < 0.93 else "out_of_stock" if r < 0.98 else "preorder"
            variants[size_index] = (price, reviews, rating, availability, rng.randint(0, 120))
        last_per_kg: float | None = None
        for size_index in sorted(picked, key=lambda i: sizes[i][1]):  # bigger packages never cost more per kg
            kg = sizes[size_index][1]
            price = variants[size_index][0]
            if last_per_kg is not None and price / kg > last_per_kg:
                price = max(0.99, round(math.floor(last_per_kg * kg) - 0.01, 2))
                variants[size_index] = (price, *variants[size_index][1:])
            last_per_kg = price / kg
        for size_index in picked:
            if produced >= n:
                break
            label, kg = sizes[size_index]
            price, reviews, rating, availability, updated_days = variants[size_index]
            full_title = f"{title}, {label}"
            yield Product(
                id=f"s{seed}-{recipe_no:05d}-{size_index}",
                title=full_title,
                description=description,
                brand=recipe.brand["name"],
                species=recipe.species,
                life_stage=recipe.life_stage,
                food_type=recipe.food_type,
                size=label,
                price=price,
                availability=availability,
                rating=rating,
                review_count=reviews,
                ingredients=ingredients,
                nutritional_info=ga,
                special_features=features,
                target_conditions=conditions,
                searchable_text=build_searchable_text(
                    title=full_title,
                    brand=recipe.brand["name"],
                    species=recipe.species,
                    life_stage=recipe.life_stage,
                    food_type=recipe.food_type,
                    description=description,
                    ingredients=ingredients,
                    special_features=features,
                    target_conditions=conditions,
                    breed_size=recipe.breed_size,
                    texture=recipe.texture,
                ),
                created_at=created,
                updated_at=created + timedelta(days=updated_days),
                url=f"https://shop.example/p/s{seed}-{recipe_no:05d}-{size_index}",
                breed_size=recipe.breed_size,
                product_line=derive_product_line(recipe.brand["name"], full_title),
                texture=recipe.texture,
                package_weight_kg=round(kg, 3),
                price_per_kg=round(price / kg, 2),
            )
            produced += 1
        recipe_no += 1
