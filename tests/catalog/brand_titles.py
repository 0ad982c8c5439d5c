"""Real label titles (Chewy cat foods, 2021) for the brand-from-title tests of both backends: an ingest where a
product's brand is known only from another record of the same file, from the catalog already indexed, or from the
brands file, and titles that must keep their empty brand."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.search.products import product

from aya.catalog.models import Product


@dataclass(frozen=True)
class BrandScenario:
    first: Path  # ingested first: the catalog already holds its brand
    second: Path  # the file with brandless products
    brands_file: Path
    expected: dict[str, str]  # product id -> brand after the second ingest ("" = stays without)


def write_jsonl(path: Path, products: list[Product]) -> Path:
    path.write_text("".join(p.model_dump_json() + "\n" for p in products))
    return path


def brand_scenario(tmp_path: Path) -> BrandScenario:
    cat = {"species": "cat", "food_type": "wet"}
    first = [
        product("s1", "Stella & Chewy's Dandy Lamb Dinner Patties Freeze-Dried Raw Dog Food", brand="Stella & Chewy's")
    ]
    second = [
        # only another record of this file knows the brand (and it comes later in the file)
        product(
            "t1", "Tiki Cat Luau Succulent Chicken Grain-Free Canned Cat Food, 2.8-oz, case of 12", brand="", **cat
        ),
        # only the catalog already indexed knows it
        product("s2", "Stella & Chewy's Chick Chick Chicken Dinner Morsels Freeze-Dried Raw Cat Food", brand="", **cat),
        # only the brands file knows it; the file's brand is written in capitals on this label
        product(
            "v1", "VICTOR Shredded Chicken Dinner Cuts in Gravy Grain-Free Canned Cat Food, 5.5-oz", brand="", **cat
        ),
        product("f1", "Fancy Feast Gravy Lovers Chicken Feast in Roasted Chicken Flavor Gravy", brand="", **cat),
        # no known brand starts the title: "Chicken Soup for the Soul" is known, but this is chicken and rice
        product("c1", "Chicken & Rice Recipe Adult Dry Cat Food, 6-lb bag", brand="", **cat),
        # a known brand that is only the start of a word is not this one's ("Tiki" is not "Tikimo")
        product("x1", "Tikimo Ocean Fish Pate Cat Food", brand="", **cat),
        product("t2", "Tiki Cat After Dark Chicken & Quail Egg Canned Cat Food", brand="Tiki Cat", **cat),
    ]
    brands = tmp_path / "brands.txt"
    brands.write_text("# brands the store sells\nVictor\nFancy Feast   # Purina\n\nChicken Soup for the Soul\nTiki\n")
    return BrandScenario(
        first=write_jsonl(tmp_path / "first.jsonl", first),
        second=write_jsonl(tmp_path / "second.jsonl", second),
        brands_file=brands,
        expected={
            "t1": "Tiki Cat",
            "s2": "Stella & Chewy's",
            "v1": "Victor",
            "f1": "Fancy Feast",
            "c1": "",
            "x1": "",
            "t2": "Tiki Cat",
        },
    )
