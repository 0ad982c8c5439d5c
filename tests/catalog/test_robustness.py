"""Catalog robustness found on the real Chewy export: optional vocabulary fields never cost a product, and a
missing brand comes from the title when the catalog knows the brand."""

from __future__ import annotations

import logging

import pytest

from aya.catalog.denormalize import STRICT, DenormalizeOptions, brand_from_title, denormalize


def record(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "x1",
        "title": "Adult Chicken Dry Dog Food",
        "price": "$10",
        "species": "dog",
        "food_type": "dry",
    }
    base.update(kw)
    return base


def test_extra_small_and_toy_breeds_is_toy() -> None:
    p = denormalize(record(breed_size="extra small & toy breeds"), STRICT)
    assert p.breed_size == "toy"


def test_unknown_breed_size_phrase_keeps_the_product_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="aya.catalog"):
        p = denormalize(record(breed_size="teacup, pocket-sized breeds"), STRICT)  # strict: still kept
    assert p.breed_size == "toy"
    assert "x1" in caplog.text and "breed_size" in caplog.text and "pocket-sized breeds" in caplog.text
    # nothing mappable: the title still tells
    p = denormalize(record(title="Large Breed Adult Dog Food", breed_size="pocket-sized"), STRICT)
    assert p.breed_size == "large"


def test_missing_brand_from_a_known_brand_in_the_title() -> None:
    options = DenormalizeOptions(known_brands=("Tiki", "Tiki Cat", "Fancy Feast"))
    p = denormalize(record(id="c1", title="Tiki Cat Luau Wild Salmon", species="cat"), options)
    assert p.brand == "Tiki Cat"  # the longest known brand
    p = denormalize(record(id="c2", title="Tikitiki Salmon Feast", species="cat"), options)
    assert p.brand == ""  # a brand only as a whole word
    p = denormalize(record(id="c3", title="Tiki Cat Luau", brand="Whiskers", species="cat"), options)
    assert p.brand == "Whiskers"  # a stated brand wins


def test_brand_from_title_is_case_insensitive() -> None:
    assert brand_from_title("FANCY FEAST gravy lovers", ["Fancy Feast"]) == "Fancy Feast"
    assert brand_from_title("Feast of Fancy", ["Fancy Feast"]) is None
