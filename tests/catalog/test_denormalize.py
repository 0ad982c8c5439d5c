"""The denormalizer: derivation of features/conditions/species/stage/type from text, units, errors naming fields."""

from __future__ import annotations

from typing import Any

import pytest

from aya.catalog.denormalize import DenormalizeOptions, RecordError, denormalize
from aya.catalog.derive import derive_food_type, derive_life_stage, derive_species, derive_terms


def record(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "t1", "title": "Acme Chicken Recipe Adult Dry Dog Food", "price": "$20.00"}
    base.update(fields)
    return base


@pytest.mark.parametrize(
    ("text", "vocab", "expected"),
    [
        ("Hill's Prescription Diet k/d Kidney Care Chicken Stew", "target_conditions", "kidney_support"),
        ("Royal Canin Veterinary Diet Urinary SO Morsels in Gravy", "target_conditions", "urinary_health"),
        ("Adult Hairball Control Dry Cat Food", "target_conditions", "hairball_control"),
        ("Veterinary Diet Hydrolyzed Protein HP", "target_conditions", "food_allergies"),
        ("gentle on sensitive stomachs", "target_conditions", "sensitive_stomach"),
        ("glucosamine and chondroitin for hip & joint health", "target_conditions", "joint_support"),
        ("omega 3 and 6 for healthy skin and coat", "target_conditions", "skin_coat"),
        ("Prescription Diet m/d GlucoSupport", "target_conditions", "diabetes"),
        ("Made for indoor cats", "target_conditions", "indoor"),
        ("A GRAIN-FREE recipe", "special_features", "grain_free"),
        ("no corn, wheat or soy", "special_features", "no_corn_wheat_soy"),
        ("a limited ingredient diet", "special_features", "limited_ingredient"),
        ("Made with GMO-free ingredients", "special_features", "non_gmo"),
        ("Hill's Prescription Diet", "special_features", "prescription"),
        ("USDA Organic", "special_features", "organic"),
    ],
)
def test_derives_terms_from_text(text: str, vocab: str, expected: str) -> None:
    assert expected in derive_terms(vocab, text)


@pytest.mark.parametrize(
    "text",
    [
        "Turkey Delight Pate",  # "light" inside "delight"
        "a light gravy over tender chunks",  # "light" in a description is not a weight claim
        "supports lean muscle",  # "lean" is not low fat
        "chicken & veggie recipe",  # "veggie" is not vegetarian
        "small kibble for small teeth",  # "teeth" alone is not a dental claim
        "Made with natural flavors",  # "natural" alone is not a natural claim
        "beef kidney, beef liver",  # an ingredient, not kidney support
        "no prescription needed",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert derive_terms("target_conditions", text) == []
    assert derive_terms("special_features", text) == []


def test_ambiguous_words_count_in_the_title_only() -> None:
    assert derive_terms("target_conditions", "", title="Science Diet Adult Light Dry Dog Food") == ["weight_management"]
    assert derive_terms("target_conditions", "a light broth") == []


def test_species_stage_and_type_from_text() -> None:
    assert derive_species("Freeze-Dried Raw Kitten Food") == "cat"
    assert derive_species("Dog & Cat Food") is None
    assert derive_life_stage("Adult 7+ Senior Vitality") == "senior"
    assert derive_life_stage("Kitten & Adult Formula") == "all"
    assert derive_life_stage("For All Life Stages") == "all"
    assert derive_food_type("Freeze-Dried Raw Dinner Patties") == "freeze_dried"
    assert derive_food_type("Chicken Pate Canned Cat Food") == "wet"
    assert derive_food_type("Bone Broth Food Topper") == "topper"
    assert derive_food_type("Salmon Jerky Dog Treats") == "treat"


def test_normalizes_units_prices_and_vocabulary() -> None:
    p = denormalize(
        record(
            title="Acme Grain-Free Salmon Dry Dog Food, 30-lb bag",
            price="\n   $59.84",
            species="Canine",
            life_stage="adult, all stages",
            food_type="Dry Food",
            breed_size="all breeds, small breeds, large breeds",
            special_features="Grain-Free, Sensitive Digestion, Veterinary Diet",
            rating="4.6",
            review_count="1,860",
            kcal="3,390 kcal/kg, 350 kcal/cup",
            protein_min="25.0% min",
            ingredients="salmon, peas, vitamins (vitamin e, niacin), taurine",
        )
    )
    assert (p.price, p.currency, p.species, p.life_stage, p.food_type, p.breed_size) == (
        59.84,
        "USD",
        "dog",
        "all",
        "dry",
        "all",
    )
    assert p.size == "30-lb bag"
    assert p.package_weight_kg == pytest.approx(13.608)
    assert p.price_per_kg == pytest.approx(round(59.84 / (30 * 0.45359237), 2))
    assert p.special_features == ["grain_free", "prescription"]
    assert p.target_conditions == ["sensitive_stomach"]  # a condition listed among the diets is moved over
    assert p.nutritional_info.protein_min == 25.0
    assert p.nutritional_info.kcal_per_kg == 3390 and p.nutritional_info.kcal_per_cup == 350
    assert p.ingredients == ["salmon", "peas", "vitamins (vitamin e, niacin)", "taurine"]
    assert (p.rating, p.review_count) == (4.6, 1860)
    assert "grain free" in p.searchable_text and "salmon" in p.searchable_text


def test_derives_what_the_record_omits() -> None:
    p = denormalize(
        {
            "id": 42,
            "title": "Clinic Diet k/d Kidney Care Chicken Stew Canned Cat Food, 2.9-oz, case of 24",
            "price": 42.99,
            "description": "<li>controlled phosphorus</li><li>helps reduce hairballs</li>",
        }
    )
    assert p.id == "42"
    assert (p.species, p.food_type, p.life_stage) == ("cat", "wet", "adult")
    assert p.target_conditions == ["kidney_support", "hairball_control"]
    assert p.description == "controlled phosphorus. helps reduce hairballs."
    assert p.size == "2.9-oz, case of 24"
    assert p.package_weight_kg == pytest.approx(24 * 2.9 * 0.45359237 / 16, abs=1e-3)


def test_toppers_filed_as_food_follow_the_title() -> None:
    p = denormalize(record(title="Acme Chicken Meal Mixer Dog Food Topper", food_type="dry food"))
    assert p.food_type == "topper" and p.life_stage == "all"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"id": ""}, "id"),
        ({"title": "  "}, "title"),
        ({"price": "call us"}, "price"),
        ({"price": None}, "price"),
        ({"title": "Acme Chicken Recipe", "species": None}, "species"),
        ({"species": "hamster"}, "species"),
        ({"life_stage": "teenager"}, "life_stage"),
        ({"food_type": "gel"}, "food_type"),
        ({"special_features": "sparkly"}, "special_features"),
        ({"rating": "7"}, "rating"),
        ({"protein_min": "130%"}, "nutritional_info.protein_min"),
        ({"colour": "red"}, "colour"),
        ({"created_at": "yesterday"}, "created_at"),
    ],
)
def test_errors_name_the_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(RecordError) as err:
        denormalize(record(**fields))
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: ")


def test_lenient_options_ignore_unknown_terms_and_fill_defaults() -> None:
    options = DenormalizeOptions(unknown_terms="ignore", defaults={"species": "cat"})
    p = denormalize(
        record(title="Acme Chicken Recipe", food_type="Dry", special_features="Raw, sparkly, Grain-Free"), options
    )
    assert p.special_features == ["grain_free"]
    assert p.species == "cat"
