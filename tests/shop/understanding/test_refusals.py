"""A refused ingredient is an exclusion that is never relaxed; a denied label feature is not asked for; a long
allergy list is kept whole. Phrasings here are written apart from the rules (owners' words, typos and all)."""

from __future__ import annotations

import pytest

from aya.shop.understanding import parse


@pytest.mark.parametrize(
    ("text", "avoided"),
    [
        ("he cant have peas or lentils, makes him gassy", {"peas", "lentils"}),
        ("she's allergic to grains so nothing with grain", {"grains"}),
        ("vet says no legumes at all for her heart", {"legumes"}),
        ("my boy reacts to chickpeas", {"chickpeas"}),
        ("food w/o peas please", {"peas"}),
        ("allergic to shrimp and other shellfish", {"shrimp", "shellfish"}),
    ],
)
def test_a_refused_family_is_excluded_not_only_asked_as_a_label(text: str, avoided: set[str]) -> None:
    parsed = parse(text)
    assert avoided <= set(parsed.avoid), parsed.avoid


@pytest.mark.parametrize("text", ["pea free kibble for my lab", "looking for grain-free wet food", "gluten free pls"])
def test_a_free_label_asked_for_is_a_feature_not_an_allergy(text: str) -> None:
    parsed = parse(text)
    assert parsed.features and not parsed.avoid


@pytest.mark.parametrize("text", ["legume free pls", "legume-free dry food for my cat", "anything legumes free?"])
def test_legume_free_is_broader_than_the_pea_free_label(text: str) -> None:
    parsed = parse(text)
    assert "pea_free" in parsed.features and "legumes" in parsed.avoid


@pytest.mark.parametrize(
    "text",
    [
        "my vet said no grain free foods because of the heart thing",
        "i dont want grain free",
        "NOT grain free, she does fine on grains",
        "definitely not grain-free",
    ],
)
def test_a_denied_free_label_is_not_asked_for(text: str) -> None:
    parsed = parse(text)
    assert "grain_free" not in parsed.features
    assert "grain_free" in parsed.not_features


def test_a_long_elimination_list_is_kept_whole() -> None:
    text = (
        "ok so shes allergic to chicken, beef, lamb, fish, turkey, duck, pork, egg, dairy, wheat, corn, soy, rice, "
        "barley, oats, peas, potato, venison, rabbit, bison and kangaroo. yes really"
    )
    profile = parse(text).profile()  # raised a validation error past 20 items
    for word in ("chicken", "kangaroo", "salmon", "bison", "peas"):
        assert word in profile.avoid_ingredients
