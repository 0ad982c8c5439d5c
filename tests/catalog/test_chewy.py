"""The mapped importer on the real Chewy scrapes in ../shared/data (skipped when absent; the data never enters the
repository). Mappings: tests/catalog/mappings/."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from aya.catalog.importers import Reject, load_mapping, read_mapped
from aya.catalog.models import Product

MAPPINGS = Path(__file__).resolve().parent / "mappings"
DOG = "chewy-dogfood-2017"
CAT = "chewy-catfood-2021/data/external/raw_chewy_data_2021_04_16.csv"


def run(path: Path, mapping: str) -> tuple[dict[str, Product], list[Reject]]:
    products: dict[str, Product] = {}
    rejects: list[Reject] = []
    for item in read_mapped(path, load_mapping(MAPPINGS / mapping)):
        if isinstance(item, Reject):
            rejects.append(item)
        else:
            products[item.id] = item
    return products, rejects


def test_dry_dog_food_2017(shared_data: Path) -> None:
    products, rejects = run(shared_data / DOG / "chewy_drydogfood" / "drydogfood.csv", "chewy_dog_2017.toml")
    assert len(products) >= 1390 and len(rejects) <= 3
    first = products["chewy-dog-46880"]  # blue buffalo life protection senior
    assert (first.brand, first.species, first.life_stage, first.food_type) == ("Blue Buffalo", "dog", "senior", "dry")
    assert (first.price, first.size, first.rating, first.review_count) == (41.75, "30-lb bag", 4.8, 350)
    assert first.package_weight_kg == pytest.approx(13.608)
    assert first.nutritional_info.protein_min == 18.0 and first.nutritional_info.kcal_per_cup == 350
    assert "no_corn_wheat_soy" in first.special_features
    assert "joint_support" in first.target_conditions  # from "glucosamine and chondroitin for joint health"
    assert all(p.species == "dog" for p in products.values())
    assert sum("prescription" in p.special_features for p in products.values()) >= 90  # 95 "prescription food" rows
    assert sum(p.package_weight_kg is not None for p in products.values()) / len(products) > 0.95
    assert sum(p.nutritional_info.protein_min is not None for p in products.values()) / len(products) > 0.95


def test_wet_dog_food_2017(shared_data: Path) -> None:
    products, rejects = run(shared_data / DOG / "chewy_wetdogfood" / "wetdogfood.csv", "chewy_dog_2017.toml")
    assert len(products) >= 1285
    assert [r.reason for r in rejects] == ["price: missing"]  # one row was scraped without a price
    kd = next(p for p in products.values() if "k/d" in p.title)
    assert "kidney_support" in kd.target_conditions and "prescription" in kd.special_features
    assert Counter(p.food_type for p in products.values()).most_common(1)[0][0] == "wet"
    stew = products["chewy-dog-73955"]
    assert stew.size == "12.7-oz,case of 12" and stew.package_weight_kg == pytest.approx(4.32, abs=0.01)
    assert stew.life_stage == "all"  # "adult, all stages"


def test_cat_food_2021(shared_data: Path) -> None:
    products, rejects = run(shared_data / CAT, "chewy_cat_2021.toml")
    assert len(products) >= 2065
    assert [r.reason for r in rejects] == ["food_type: unknown value 'Powder'"]  # a recovery-food powder
    by_species = Counter(p.species for p in products.values())
    assert by_species["cat"] >= 2050 and 0 < by_species["dog"] < 40  # a few real dog foods in the scrape
    feast = products["chewy-cat-76035"]
    assert feast.brand == "Fancy Feast"  # the name, not the parent company in the Brand field
    assert feast.size == "3-oz, case of 24" and feast.price_per_kg == pytest.approx(
        15.36 / feast.package_weight_kg, abs=0.01
    )
    kd = products["chewy-cat-82586"]
    assert kd.target_conditions == ["kidney_support"] and "prescription" in kd.special_features
    assert kd.nutritional_info.kcal_per_kg == pytest.approx(77 / (2.9 * 0.45359237 / 16), abs=1)
    urinary = [p for p in products.values() if "Urinary SO" in p.title]
    assert urinary and all("urinary_health" in p.target_conditions for p in urinary)
    hairball = [p for p in products.values() if "Hairball Control" in p.title]
    assert hairball and all("hairball_control" in p.target_conditions for p in hairball)
    assert len({p.brand for p in products.values()}) > 80


def test_breed_sizes_never_reject_a_dog_product(shared_data: Path) -> None:
    """212 dry dog foods say "extra small & toy breeds" (with "small breeds"), 146 "large breeds, giant breeds":
    each is kept with one fitting size, even when unknown vocabulary terms are otherwise refused."""
    mapping = load_mapping(MAPPINGS / "chewy_dog_2017.toml")
    strict = mapping.model_copy(update={"source": mapping.source.model_copy(update={"unknown_terms": "error"})})
    strict_rejects = [
        r
        for r in read_mapped(shared_data / DOG / "chewy_drydogfood" / "drydogfood.csv", strict)
        if isinstance(r, Reject)
    ]
    assert not [r for r in strict_rejects if r.reason.startswith("breed_size")]
    products, _ = run(shared_data / DOG / "chewy_drydogfood" / "drydogfood.csv", "chewy_dog_2017.toml")
    lenient = Counter(p.breed_size for p in products.values())
    assert lenient["small"] >= 212 and lenient["large"] >= 146 and lenient["all"] >= 1000
