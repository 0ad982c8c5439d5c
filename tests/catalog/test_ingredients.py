"""Ingredient families: whole-word matching on real label wording, families, exceptions, and the real Chewy labels."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from aya.catalog.ingredients import describe, expand, explain, family_of, members, violations

SHARED = Path(os.environ.get("AYA_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))


@pytest.mark.parametrize(
    ("term", "family"),
    [
        ("chicken", "chicken"),
        ("Chicken Meal", "chicken"),
        ("poultry by-product meal", "chicken"),
        ("fowl", "chicken"),
        ("hydrolyzed chicken", "chicken"),
        ("salmon", "fish"),
        ("menhaden fish meal", "fish"),
        ("seafood", "fish"),
        ("eggs", "egg"),
        ("milk", "dairy"),
        ("whey", "dairy"),
        ("grain-free", "grains"),
        ("grains", "grains"),
        ("wheat", "wheat"),
        ("oatmeal", "grains"),
        ("gluten", "gluten"),
        ("chickpeas", "legumes"),
        ("lentils", "legumes"),
        ("peas", "peas"),
        ("lamb meal", "lamb"),
        ("beef tallow", "beef"),
        ("lard", "pork"),
        ("dairy free", "dairy"),
        ("unicorn", None),
        ("", None),
    ],
)
def test_family_of(term: str, family: str | None) -> None:
    assert family_of(term) == family


def test_members_are_as_on_labels() -> None:
    chicken = members("chicken")
    for word in ("chicken meal", "chicken fat", "chicken broth", "chicken liver", "hydrolyzed chicken", "poultry",
                 "poultry by product meal", "poultry fat", "fowl"):  # fmt: skip
        assert word in chicken
    fish = members("fish")
    for word in ("salmon", "tuna", "whitefish", "ocean fish", "menhaden", "cod", "herring", "trout", "sardine",
                 "anchovy", "mackerel", "fish oil", "fish meal"):  # fmt: skip
        assert word in fish
    assert {"pea", "lentil", "chickpea"} <= set(members("legumes"))
    assert members("unicorn") == []


@pytest.mark.parametrize(
    ("ingredients", "excluded", "title", "expected"),
    [
        (["Chickpeas", "Chick Peas", "Lamb"], ["chicken"], "", []),
        (["Poultry By-Product Meal"], ["chicken"], "", ["poultry by product meal"]),
        (["Chicken Byproduct Meal"], ["chicken"], "", ["chicken by product meal"]),
        (["Hydrolyzed Chicken Liver"], ["chicken"], "", ["hydrolyzed chicken liver"]),
        (["New Formula: Deboned Chicken"], ["chicken"], "", ["deboned chicken"]),
        (["Dried Egg Product", "Chicken Eggs"], ["chicken"], "", []),
        (["Chicken Eggs"], ["egg"], "", ["eggs"]),
        (["Pears", "Peanut Hulls", "Chickpeas"], ["peas"], "", []),
        (["Pea Protein"], ["peas"], "", ["pea protein"]),
        (["Licorice Root"], ["rice"], "", []),
        (["Brewers Rice"], ["grains"], "", ["brewers rice"]),
        (["Goat's Milk"], ["grains"], "", []),
        (["Oatmeal"], ["grains"], "", ["oatmeal"]),
        (["Milk Thistle", "Coconut Milk"], ["dairy"], "", []),
        (["Dried Whey"], ["dairy"], "", ["whey"]),
        (["Sweet Potatoes"], ["potato"], "", []),
        (["Potato Protein"], ["potato"], "", ["potato protein"]),
        (["Menhaden Fish Meal"], ["fish"], "", ["menhaden fish meal"]),
        (["Salmon Oil"], ["fish"], "", ["salmon oil"]),
        (["Catfish Meal"], ["fish"], "", ["catfish"]),
        (["Animal Fat (preserved with Mixed Tocopherols)"], ["beef"], "", ["animal fat"]),
        (["Lamb"], ["chicken"], "Grain-Free Chicken & Rice Recipe", ["chicken"]),
        (["Lamb"], ["grains"], "Grain-Free Lamb Recipe", []),
        (["Lamb"], ["corn", "wheat", "soy"], "Lamb Recipe No Corn, Wheat or Soy", []),
        (["Lamb"], ["chicken"], "Chicken-Free Lamb Recipe", []),
        (["Eggplant"], ["egg"], "", []),
        (["Peppercorn"], ["corn"], "", []),
        (["Buckwheat"], ["wheat"], "", []),
    ],
)
def test_violations(ingredients: list[str], excluded: list[str], title: str, expected: list[str]) -> None:
    assert [m.term for m in violations(ingredients, excluded, title=title)] == expected


def test_expand_and_explanations() -> None:
    words = expand(["chicken meal", "kiwi"])
    assert "poultry" in words and "fowl" in words and "kiwi" in words
    assert "novel" in (explain("what's a novel protein?") or "").lower()
    assert "immune system" in (explain("hydrolyzed") or "")
    assert "poultry" in describe("chicken")
    assert explain("spaceship") is None


def _label_rows() -> list[str]:
    rows: list[str] = []
    csv.field_size_limit(10**8)
    for path in [SHARED / "chewy-dogfood-2017/chewy_drydogfood/drydogfood.csv",
                 SHARED / "chewy-dogfood-2017/chewy_wetdogfood/wetdogfood.csv"]:  # fmt: skip
        with path.open(newline="", encoding="utf-8", errors="replace") as fh:
            rows += [r.get("ingredients") or "" for r in csv.DictReader(fh)]
    return [r for r in rows if r.strip()]


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"real Chewy labels not found at {SHARED} (never in the repository)")
def test_real_labels() -> None:
    """On 2,600 real dog food labels: every label mentioning poultry or a chicken word is chicken; chickpea-only
    labels are not; every "fish" word (salmon, menhaden, whitefish…) is fish."""
    rows = _label_rows()
    assert len(rows) > 2000
    chicken_hits = 0
    for text in rows:
        items = [i.strip() for i in text.split(",")]
        low = text.lower()
        found = {m.term for m in violations(items, ["chicken"])}
        has_bird = any(w in low for w in ("chicken", "poultry", "fowl"))
        without_eggs = low.replace("chicken eggs", "").replace("chicken egg", "")
        if any(w in without_eggs for w in ("chicken", "poultry", "fowl")):
            assert found, text[:200]
            chicken_hits += 1
        if not has_bird:
            assert not any(t.startswith(("chicken", "poultry", "fowl")) for t in found), text[:200]
        if "chickpea" in low and not has_bird:
            assert not found or all(not t.startswith("chick") for t in found)
        for fish in ("salmon", "menhaden", "whitefish", "herring", "anchov", "sardine", "mackerel", "trout"):
            if fish in low:
                assert violations(items, ["fish"]), (fish, text[:200])
    assert chicken_hits > 1000
