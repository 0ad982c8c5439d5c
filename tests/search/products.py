"""Hand-written products whose every field the tests control (the contract suite's fixtures)."""

from __future__ import annotations

from typing import Any

from aya.catalog.models import NutritionalInfo, Product


def product(pid: str, title: str, **kw: Any) -> Product:
    protein = kw.pop("protein", None)
    base: dict[str, Any] = {
        "id": pid,
        "title": title,
        "brand": "Acme",
        "species": "dog",
        "life_stage": "adult",
        "food_type": "dry",
        "price": 20.0,
        "rating": 4.0,
        "review_count": 10,
        "description": "",
        "ingredients": [],
    }
    base.update(kw)
    if protein is not None:
        base["nutritional_info"] = NutritionalInfo(protein_min=protein)
    return Product(**base)


def contract_products() -> list[Product]:
    return [
        product(
            "p1", "Salmon & Sweet Potato Puppy Food", brand="Blue Ridge", life_stage="puppy", price=35.0,
            rating=4.8, protein=28, special_features=["grain_free", "natural"],
            ingredients=["salmon", "sweet potato", "peas", "salmon oil"],
            description="Grain-free recipe with real salmon for growing puppies.",
        ),
        product(
            "p2", "Chicken & Rice Adult Dog Food", brand="Acme", price=25.0, rating=4.2, protein=24,
            ingredients=["chicken", "brown rice", "chicken meal"], special_features=["natural"],
            description="Classic chicken and rice kibble for adult dogs.",
        ),
        product(
            "p3", "Lamb Senior Dog Food", brand="Acme", life_stage="senior", price=40.0, rating=3.9, protein=22,
            ingredients=["lamb", "barley", "glucosamine"], target_conditions=["joint_support"],
            description="Gentle lamb recipe supporting the joints of older dogs.",
        ),
        product(
            "p4", "Turkey All Life Stages Dog Food", brand="Prairie", life_stage="all", price=30.0, rating=4.5,
            protein=30, special_features=["grain_free", "high_protein"], ingredients=["turkey", "lentils", "peas"],
            description="High-protein turkey recipe for dogs of every age.",
        ),
        product(
            "p5", "Salmon Pate Kitten Food", brand="Whisker Co", species="cat", life_stage="kitten",
            food_type="wet", price=18.0, rating=4.6, protein=11, special_features=["grain_free"],
            ingredients=["salmon", "fish broth", "liver"], description="Smooth salmon pate for kittens.",
        ),
        product(
            "p6", "Indoor Hairball Chicken Cat Food", brand="Whisker Co", species="cat", price=22.0, rating=4.1,
            protein=32, target_conditions=["hairball_control", "indoor"], ingredients=["chicken", "rice", "fiber"],
            description="Chicken recipe with fiber for indoor cats and hairball control.",
        ),
        product(
            "p7", "Kidney Care Senior Cat Food", brand="VetLine", species="cat", life_stage="senior", food_type="wet",
            price=48.0, rating=4.4, protein=8, special_features=["prescription"], target_conditions=["kidney_support"],
            ingredients=["pork liver", "chicken", "rice"], description="Veterinary diet for kidney health.",
        ),
        product(
            "p8", "Beef Jerky Dog Treats", brand="Prairie", food_type="treat", price=9.0, rating=4.9,
            ingredients=["beef"], description="Air-dried beef jerky treats.", availability="out_of_stock",
        ),
        product(
            "p9", "Weight Control Chicken Dog Food", brand="acme", price=33.0, rating=3.5, protein=26,
            special_features=["low_fat"], target_conditions=["weight_management"],
            ingredients=["chicken", "oatmeal", "pea fiber"], description="Light recipe for overweight dogs.",
        ),
        product(
            "p10", "Duck & Potato Limited Ingredient Dog Food", brand="Simple Paws", price=55.0, rating=4.7,
            protein=24, special_features=["limited_ingredient", "grain_free"],
            target_conditions=["food_allergies", "sensitive_stomach"], ingredients=["duck", "potato"],
            description="Single protein duck recipe for dogs with food sensitivities.",
        ),
    ]  # fmt: skip
