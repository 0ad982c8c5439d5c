"""Vocabularies: canonical values, synonyms, and case/hyphen/spacing-insensitive matching."""

from __future__ import annotations

import pytest

from aya.catalog.vocab import CANONICAL, UnknownTerm, normalize, normalize_list, normalize_strict, synonyms


@pytest.mark.parametrize(
    ("vocab", "phrase", "expected"),
    [
        # the examples of the issue
        ("special_features", "Grain-Free", "grain_free"),
        ("target_conditions", "sensitive digestion", "sensitive_stomach"),
        ("target_conditions", "weight control", "weight_management"),
        ("special_features", "limited ingredient diet", "limited_ingredient"),
        ("special_features", "gmo-free", "non_gmo"),
        ("special_features", "prescription food", "prescription"),
        ("special_features", "veterinary diet", "prescription"),
        ("life_stage", "all stages", "all"),
        # case, hyphens, underscores, spacing
        ("special_features", "GRAIN_FREE", "grain_free"),
        ("special_features", "grain free", "grain_free"),
        ("special_features", "  Grain   Free ", "grain_free"),
        ("special_features", "grainfree", "grain_free"),
        ("special_features", "No Corn No Wheat No Soy", "no_corn_wheat_soy"),
        ("special_features", "no corn, wheat or soy", "no_corn_wheat_soy"),
        ("special_features", "High-Protein", "high_protein"),
        ("special_features", "Pea-Free", "pea_free"),
        ("target_conditions", "Urinary SO", "urinary_health"),
        ("target_conditions", "k/d", "kidney_support"),
        ("target_conditions", "Hairball Control", "hairball_control"),
        ("target_conditions", "Hydrolyzed Protein", "food_allergies"),
        ("target_conditions", "skin & coat", "skin_coat"),
        ("species", "Feline", "cat"),
        ("species", "DOGS", "dog"),
        ("life_stage", "Puppies", "puppy"),
        ("life_stage", "All Life Stages", "all"),
        ("food_type", "Freeze-Dried", "freeze_dried"),
        ("food_type", "Dehydrated", "air_dried"),
        ("food_type", "Canned", "wet"),
        ("food_type", "food topping", "topper"),
        ("availability", "Sold Out", "out_of_stock"),
        ("breed_size", "Large Breeds", "large"),
    ],
)
def test_phrases_map_to_canonical_values(vocab: str, phrase: str, expected: str) -> None:
    assert normalize(vocab, phrase) == expected


@pytest.mark.parametrize("vocab", list(CANONICAL))
def test_every_canonical_value_matches_itself_and_its_spelled_out_form(vocab: str) -> None:
    for value in CANONICAL[vocab]:
        assert normalize(vocab, value) == value
        assert normalize(vocab, value.replace("_", " ").title()) == value


def test_no_synonym_maps_to_two_values() -> None:
    for vocab in CANONICAL:
        table = synonyms(vocab)
        assert set(table.values()) == set(CANONICAL[vocab])


def test_unknown_phrases() -> None:
    assert normalize("special_features", "sparkly") is None
    with pytest.raises(UnknownTerm, match="special_features") as err:
        normalize_strict("special_features", "sparkly")
    assert "grain_free" in str(err.value)  # the message lists what is allowed
    assert normalize_list("special_features", ["Grain-Free", "sparkly", "grain free"]) == ["grain_free"]
    with pytest.raises(UnknownTerm):
        normalize_list("special_features", ["Grain-Free", "sparkly"], strict=True)
