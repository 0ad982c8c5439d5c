"""Value parsers: prices, percentages, package sizes, energy statements, lists, HTML, dict cells."""

from __future__ import annotations

import pytest

from aya.catalog.parse import (
    parse_float,
    parse_ingredients,
    parse_int,
    parse_kcal,
    parse_mapping,
    parse_percent,
    parse_price,
    parse_weight_kg,
    size_from_title,
    split_list,
    strip_html,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("$59.84", (59.84, "USD")),
        ("\n                        $59.84", (59.84, "USD")),
        ("59.84", (59.84, None)),
        ("$1,234.50", (1234.5, "USD")),
        ("€12,50", (12.5, "EUR")),
        (19, (19.0, None)),
        ("", None),
        (None, None),
    ],
)
def test_price(raw: object, expected: object) -> None:
    assert parse_price(raw) == expected


@pytest.mark.parametrize("raw", ["call for price", "-5.00"])
def test_bad_prices_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_price(raw)


def test_percent_and_numbers() -> None:
    assert parse_percent("25.0% min") == 25.0
    assert parse_percent("4.0% max") == 4.0
    assert parse_percent("") is None
    with pytest.raises(ValueError, match="out of range"):
        parse_percent("125%")
    assert parse_float("3,390") == 3390.0
    assert parse_int("1,860") == 1860
    with pytest.raises(ValueError):
        parse_int("4.5")


@pytest.mark.parametrize(
    ("raw", "kg"),
    [
        ("30-lb bag", 30 * 0.45359237),
        ("30.0\xa0pounds", 30 * 0.45359237),
        ("12.5-oz, case of 12", 12.5 * 12 * 0.45359237 / 16),
        ("3 x 5.5 oz", 3 * 5.5 * 0.45359237 / 16),
        ("2.9 oz can, 12 case", 12 * 2.9 * 0.45359237 / 16),
        ("2 kg", 2.0),
        ("400g pouch", 0.4),
        ("24-pack, 3-oz cans", 24 * 3 * 0.45359237 / 16),
    ],
)
def test_package_weight(raw: str, kg: float) -> None:
    assert parse_weight_kg(raw) == pytest.approx(kg)


def test_no_weight_in_text() -> None:
    assert parse_weight_kg("case of 12") is None
    assert parse_weight_kg("") is None


def test_size_from_title() -> None:
    assert size_from_title("Fancy Feast Classic Canned Cat Food, 3-oz, case of 24") == "3-oz, case of 24"
    assert size_from_title("blue buffalo life protection dry dog food,30-lb bag") == "30-lb bag"
    assert size_from_title("Chicken, Rice & Barley Recipe Dry Dog Food") is None


def test_energy() -> None:
    assert parse_kcal("3,390 kcal/kg, 350 kcal/cup") == {"kcal_per_kg": 3390.0, "kcal_per_cup": 350.0}
    assert parse_kcal("732 kcal me/kg") == {"kcal_per_kg": 732.0}
    assert parse_kcal("774 kcl/kg, 66 kcl/pouch") == {"kcal_per_kg": 774.0}
    per_can = parse_kcal("77 kcal/2.9 oz can")
    assert per_can["kcal_per_kg"] == pytest.approx(77 / (2.9 * 0.45359237 / 16), rel=1e-3)
    assert parse_kcal("4171 kcal/kg, 1896 kcal/lb") == {"kcal_per_kg": 4171.0}
    assert parse_kcal("92 kcal/can") == {}  # no weight: nothing to compute


def test_lists() -> None:
    assert split_list("a, vitamins (b, c (d, e)), f.; g") == ["a", "vitamins (b, c (d, e))", "f", "g"]
    assert split_list('["x", "y"]') == ["x", "y"]
    assert split_list(["x", " ", "y "]) == ["x", "y"]
    assert parse_ingredients("old formula: deboned chicken, brown rice") == ["deboned chicken", "brown rice"]
    assert parse_ingredients("Ingredients: Chicken, Minerals [Zinc, Iron], Taurine.") == [
        "Chicken",
        "Minerals [Zinc, Iron]",
        "Taurine",
    ]


def test_html_and_dict_cells() -> None:
    assert strip_html("<li>joint health</li>,<li>shiny coat &amp; skin</li>") == "joint health. shiny coat & skin."
    assert parse_mapping("{'Lifestage': 'Adult', 'Weight': '4.35\\xa0pounds'}")["Lifestage"] == "Adult"
    assert parse_mapping('{"a": 1}') == {"a": 1}
    with pytest.raises(ValueError, match="not a dictionary"):
        parse_mapping("[1, 2]")
