"""The sample catalog generator: size, determinism, coverage, and consistency of claims with ingredients and text."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

import pytest

from aya.catalog.denormalize import denormalize
from aya.catalog.models import Product
from aya.catalog.sample import generate_sample_catalog
from aya.catalog.vocab import CANONICAL

GRAINS = re.compile(r"\b(rice|oat|oats|oatmeal|barley|wheat|corn|sorghum|millet|quinoa|rye)\b", re.IGNORECASE)
CORN_WHEAT_SOY = re.compile(r"\b(corn|wheat|soy|soybean)\b", re.IGNORECASE)
PEAS = re.compile(r"\b(peas?|lentils?|chickpeas?)\b", re.IGNORECASE)
MEAT = re.compile(
    r"\b(chicken|turkey|duck|beef|lamb|salmon|fish|tuna|sardines?|herring|bison|venison|rabbit|pork|trout|quail|"
    r"mackerel|liver|mussel|whitefish)\b",
    re.IGNORECASE,
)
PROTEINS = (
    "chicken",
    "turkey",
    "duck",
    "beef",
    "lamb",
    "salmon",
    "tuna",
    "bison",
    "venison",
    "rabbit",
    "pork",
    "trout",
)


@cache
def catalog() -> tuple[Product, ...]:
    return tuple(generate_sample_catalog())


def test_size_and_unique_ids() -> None:
    # Speed is measured by benchmarks/, not asserted here: a shared CI core took 6.6 s once.
    products = list(generate_sample_catalog(5000, 7))
    assert len(products) == 5000
    assert len({p.id for p in products}) == 5000


def test_deterministic_and_prefix_stable() -> None:
    first = [p.model_dump() for p in generate_sample_catalog(300, 11)]
    again = [p.model_dump() for p in generate_sample_catalog(300, 11)]
    assert first == again
    assert [p.model_dump() for p in generate_sample_catalog(120, 11)] == first[:120]
    other = [p.model_dump() for p in generate_sample_catalog(300, 12)]
    assert other != first


def test_coverage() -> None:
    products = catalog()
    assert len({p.brand for p in products}) >= 40
    assert {p.species for p in products} == {"dog", "cat"}
    assert {p.life_stage for p in products} == set(CANONICAL["life_stage"])
    assert {p.food_type for p in products} == set(CANONICAL["food_type"])
    assert {f for p in products for f in p.special_features} == set(CANONICAL["special_features"])
    assert {c for p in products for c in p.target_conditions} == set(CANONICAL["target_conditions"])
    assert {p.breed_size for p in products if p.species == "dog"} == set(CANONICAL["breed_size"])
    assert all(p.breed_size is None for p in products if p.species == "cat")
    stages = Counter((p.species, p.life_stage) for p in products)
    assert stages[("dog", "kitten")] == 0 and stages[("cat", "puppy")] == 0
    assert sum(p.rating is not None for p in products) > 4000
    assert len({p.description for p in products}) > 1500  # varied wording, shared only between sizes of a recipe


def test_guaranteed_analysis_by_food_type() -> None:
    by_type: dict[str, list[float]] = {}
    for p in catalog():
        assert p.nutritional_info.protein_min is not None and p.nutritional_info.moisture_max is not None
        by_type.setdefault(p.food_type, []).append(p.nutritional_info.moisture_max)
    median = {t: sorted(v)[len(v) // 2] for t, v in by_type.items()}
    assert 75 <= median["wet"] <= 82
    assert 9 <= median["dry"] <= 12
    assert median["freeze_dried"] <= 6
    assert all(p.nutritional_info.kcal_per_cup for p in catalog() if p.food_type == "dry")


def test_prices_follow_package_size() -> None:
    recipes: dict[str, list[Product]] = {}
    for p in catalog():
        recipes.setdefault(p.id.rsplit("-", 1)[0], []).append(p)
    checked = 0
    for sizes in recipes.values():
        if len(sizes) < 2:
            continue
        ordered = sorted(sizes, key=lambda p: p.package_weight_kg or 0)
        small, big = ordered[0], ordered[-1]
        assert small.price <= big.price
        assert small.price_per_kg is not None and big.price_per_kg is not None
        assert big.price_per_kg < small.price_per_kg * 1.05
        checked += 1
    assert checked > 500
    for p in catalog():
        assert p.price_per_kg == pytest.approx(p.price / (p.package_weight_kg or 1), rel=0.01)


def test_claims_are_consistent_with_ingredients() -> None:
    for p in catalog():
        ingredients = ", ".join(p.ingredients)
        features = set(p.special_features)
        if "grain_free" in features:
            assert not GRAINS.search(ingredients), (p.id, ingredients)
        if "no_corn_wheat_soy" in features:
            assert not CORN_WHEAT_SOY.search(ingredients), (p.id, ingredients)
        if "pea_free" in features:
            assert not PEAS.search(ingredients), (p.id, ingredients)
        if "vegetarian" in features:
            assert not MEAT.search(ingredients), (p.id, ingredients)
            assert p.species == "dog"
        if "vegan" in features:
            assert "egg" not in ingredients.lower()
        if "limited_ingredient" in features:
            named = {name for name in PROTEINS if re.search(rf"\b{name}\b", ingredients, re.IGNORECASE)}
            assert len(named) <= 1, (p.id, ingredients)
        if re.search(r"chicken-free|no chicken", p.description, re.IGNORECASE):
            assert "chicken" not in ingredients.lower(), (p.id, ingredients)
        if "prescription" in features:
            assert p.target_conditions, p.id
            assert p.food_type in ("dry", "wet")
        if "high_protein" in features and p.food_type == "dry":
            assert (p.nutritional_info.protein_min or 0) >= 30
        if "low_fat" in features and p.food_type == "dry":
            assert (p.nutritional_info.fat_min or 100) <= 10
        if {"hairball_control", "indoor"} & set(p.target_conditions):
            assert p.species == "cat"
        if p.species == "cat" and p.food_type in ("dry", "wet"):
            assert "Taurine" in p.ingredients


def test_features_and_conditions_are_stated_in_the_text() -> None:
    """The denormalizer, given only the title and description, derives exactly the product's claims."""
    for p in catalog()[:2000]:
        stripped = p.model_dump(exclude={"special_features", "target_conditions", "searchable_text"})
        derived = denormalize(stripped)
        assert set(derived.special_features) == set(p.special_features), (p.id, p.title)
        assert set(derived.target_conditions) == set(p.target_conditions), (p.id, p.title)
        assert derived.food_type == p.food_type and derived.species == p.species
