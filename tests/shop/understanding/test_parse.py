"""The combined parser (aya.shop.understanding.parse): one message in, the facts it states out."""

from __future__ import annotations

from typing import Any

import pytest

from aya.shop.understanding import CatalogTerms, parse

TERMS = CatalogTerms.of(["Summit Ridge", "Kibble Co.", "Northern Paws"])

CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "I need food for my 3-month-old golden retriever puppy with a sensitive stomach",
        {
            "species": "dog",
            "age_years": 0.25,
            "breed": "golden retriever",
            "breed_size": "large",
            "conditions": ["sensitive_stomach"],
        },
    ),
    (
        "My cat Milo is 12 and has kidney problems",
        {"species": "cat", "age_years": 12.0, "name": "Milo", "conditions": ["kidney_support"]},
    ),
    ("she's allergic to chicken", {"avoid": ["chicken"], "conditions": []}),
    ("no beef or lamb please", {"avoid": ["beef", "lamb"]}),
    # an ingredient named as the cause of a reaction is an ingredient to avoid, never a flavor wanted
    ("frenchie puppy, chiken makes him itchy", {"avoid": ["chicken"], "flavors": []}),
    ("beef upsets her stomach", {"avoid": ["beef"], "flavors": []}),
    ("salmon gave her the runs", {"avoid": ["salmon"], "flavors": []}),
    ("lamb doesnt agree with him at all", {"avoid": ["lamb"]}),
    ("chicken and beef make her itchy", {"avoid": ["chicken", "beef"]}),
    ("i think the chicken food gave him hot spots", {"avoid": ["chicken"]}),
    ("chicken makes him so happy", {"avoid": [], "flavors": ["chicken"]}),
    ("chicken-free kibble", {"avoid": ["chicken"], "food_types": ["dry"]}),
    ("my dog has a poultry allergy", {"species": "dog", "avoid": ["chicken", "turkey", "duck", "quail"]}),
    ("my dog is overweight and has itchy skin", {"conditions": ["weight_management", "skin_coat"]}),
    ("my cat throws up after eating", {"species": "cat", "conditions": ["sensitive_stomach"]}),
    ("grain-free dry food", {"features": ["grain_free"], "food_types": ["dry"]}),
    ("no grains and no peas", {"features": ["grain_free", "pea_free"], "avoid": ["grains", "peas"]}),
    ("my fat cat needs low fat food", {"conditions": ["weight_management"], "features": ["low_fat"]}),
    ("under $30", {"budget_max": 30.0}),
    ("no more than 45 dollars", {"budget_max": 45.0}),
    ("between $20 and $40", {"budget_min": 20.0, "budget_max": 40.0}),
    ("around $50", {"budget_max": 55.0}),
    ("cheap food for my kitten", {"sort": "price", "species": "cat", "life_stage": "kitten"}),
    ("best rated senior dog food", {"sort": "rating", "species": "dog", "life_stage": "senior"}),
    ("something cheaper", {"acts": {"cheaper"}, "sort": "price"}),
    ("only wet food", {"food_types": ["wet"]}),
    ("what about for a senior", {"life_stage": "senior", "species": None}),
    ("compare the first two", {"acts": {"compare"}, "refs": [1, 2]}),
    ("compare the first and third", {"acts": {"compare"}, "refs": [1, 3]}),
    ("tell me more about the second one", {"acts": {"details"}, "refs": [2]}),
    ("what's in number 3?", {"acts": {"details"}, "refs": [3]}),
    ("more like the first", {"acts": {"similar"}, "refs": [1]}),
    ("the last one", {"refs": [-1]}),
    ("compare them", {"acts": {"compare"}, "refs_all": True}),
    ("Hi!", {"acts": {"greeting"}}),
    ("thanks so much", {"acts": {"thanks"}}),
    ("what can you do?", {"acts": {"help"}}),
    ("what food for my parrot?", {"out_of_scope": "other_animal", "other_animal": "parrot"}),
    ("where is my order?", {"out_of_scope": "order"}),
    ("I want a refund for my last delivery", {"out_of_scope": "order"}),
    ("my dog ate chocolate", {"out_of_scope": "emergency", "species": "dog"}),
    ("my cat is throwing up blood", {"out_of_scope": "emergency", "conditions": []}),
    ("can my dog eat grapes?", {"out_of_scope": "medical", "food_types": []}),
    ("what's the weather today", {"out_of_scope": "off_topic"}),
    ("I have a dog and a parrot", {"species": "dog", "out_of_scope": None, "other_animal": "parrot"}),
    ("I have a dog and a cat", {"species": "dog", "others": [parse("a cat")]}),
    ("not for my cat, for my dog", {"species": "dog", "others": []}),
    ("cat food with rabbit", {"species": "cat", "flavors": ["rabbit"], "out_of_scope": None}),
    ("my rabbit needs food", {"out_of_scope": "other_animal"}),
    ("Summit Ridge puppy food", {"brands": ["Summit Ridge"], "species": "dog", "life_stage": "puppy"}),
    ("do you carry kibble co?", {"brands": ["Kibble Co."], "food_types": ["dry"]}),
    ("my 8 week old kitten", {"species": "cat", "age_years": 0.154, "life_stage": "kitten"}),
    ("food for my 2 year old cat", {"age_years": 2.0, "life_stage": None}),
    ("a 1.5 year old great dane", {"age_years": 1.5, "breed_size": "giant"}),
    ("my old dog", {"life_stage": "senior"}),
    ("toy breed puppy food", {"breed_size": "toy", "breed": None, "life_stage": "puppy"}),
    ("my cat is named luna", {"name": "Luna"}),
    ("Luna is a 2 year old Maine Coon", {"name": "Luna", "species": "cat", "breed": "maine coon"}),
    ("not sure", {"acts": {"unsure"}}),
    ("she gets the runs easily", {"conditions": ["sensitive_stomach"]}),
    ("which one is the cheapest?", {"superlative": "cheapest"}),
    ("which of them has the most protein", {"superlative": "most_protein"}),
    ("best rated dry dog food", {"superlative": None, "sort": "rating"}),
    ("my cat luna is twelve", {"name": "Luna", "age_years": 12.0}),
    ("under thirty dollars", {"budget_max": 30.0}),
    ("between twenty and forty dollars", {"budget_min": 20.0, "budget_max": 40.0}),
    ("he is two and a half years old", {"age_years": 2.5}),
    ("my dog really is overweight", {"name": None}),
    ("she is not overweight", {"conditions": [], "not_conditions": ["weight_management"]}),
    (
        "no kidney problems, but she is overweight",
        {"conditions": ["weight_management"], "not_conditions": ["kidney_support"]},
    ),
    ("he is not eating well and has kidney problems", {"conditions": ["kidney_support"], "not_conditions": []}),
    ("my dog has blood in his stool", {"out_of_scope": "emergency"}),
    ("why did you pick the first one?", {"acts": {"why", "details"}, "refs": [1]}),
    ("best cat food for cats that throw up", {"species": "cat", "conditions": ["sensitive_stomach"], "sort": "rating"}),
    ("best cat food for the money", {"sort": "price"}),
    ("option 2 is 12 dollars", {"refs": [2], "age_years": None}),
    ("", {"species": None, "acts": set()}),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:50] or "<empty>" for c in CASES])
def test_parse(text: str, expected: dict[str, Any]) -> None:
    parsed = parse(text, terms=TERMS)
    for key, want in expected.items():
        got = getattr(parsed, key)
        if isinstance(want, float):
            assert got == pytest.approx(want, abs=0.01), key
        else:
            assert got == want, f"{key}: {got!r} != {want!r}"


def test_profile_from_a_message_derives_the_life_stage() -> None:
    profile = parse("my 12 year old cat with kidney disease, no chicken").profile()
    assert profile.effective_life_stage() == "senior"
    assert profile.avoid_ingredients == ["chicken"] and profile.conditions == ["kidney_support"]
    assert parse("my 3 month old lab").profile().effective_life_stage() == "puppy"


def test_merging_keeps_earlier_wishes_and_a_new_species_starts_over() -> None:
    first = parse("my senior cat has kidney problems, no chicken").profile()
    later = first.merged(parse("only wet food").profile())
    assert later.species == "cat" and later.life_stage == "senior" and later.food_types == ["wet"]
    assert later.conditions == ["kidney_support"] and later.avoid_ingredients == ["chicken"]
    dog = later.merged(parse("what about my puppy?").profile())
    assert dog.species == "dog" and dog.life_stage == "puppy" and dog.conditions == [] and dog.food_types == []


def test_parsing_is_fast() -> None:
    import time

    start = time.perf_counter()
    for _ in range(200):
        parse("food for my 12 year old cat with kidney problems, allergic to chicken, under $40", terms=TERMS)
    per_message_ms = (time.perf_counter() - start) * 1000 / 200
    assert per_message_ms < 5, per_message_ms


def test_a_huge_message_is_read_quickly() -> None:
    import time

    text = "my senior cat has kidney problems " + "and also " * 100_000
    start = time.perf_counter()
    parsed = parse(text)
    assert time.perf_counter() - start < 0.5
    assert parsed.species == "cat" and parsed.conditions == ["kidney_support"]


@pytest.mark.parametrize("heard", ["I need rain free food for my senior cat", "i need brain free food for my cat"])
def test_speech_to_text_mishearings_of_grain_free(heard: str) -> None:
    """Whisper hears espeak's "grain free" as "rain free" or "brain free"; the shopper still gets grain-free food."""
    profile = parse(heard).profile()
    assert profile.features == ["grain_free"]
    assert profile.species == "cat"
