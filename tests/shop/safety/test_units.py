"""Unit tests of the safety and knowledge functions: formulas with their numbers, claims, diets, the output guard,
the store policy."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from aya.shop.knowledge import (
    PetFacts,
    canned_answer,
    daily_amount,
    daily_calories,
    parse_package,
    parse_weight_kg,
    resting_energy,
    transition_schedule,
    unit_prices,
)
from aya.shop.safety.claims import clean_text, honest_conditions
from aya.shop.safety.diets import Pet, is_vet_diet, request_warnings, screen
from aya.shop.safety.guardrails import absence_claims, find_false_absences
from aya.shop.safety.output import fix_reply, turn_notes
from aya.shop.safety.store_policy import load_policy


def test_resting_energy_and_factors() -> None:
    assert resting_energy(10) == pytest.approx(70 * 10**0.75)
    cat = daily_calories(PetFacts(species="cat", weight_kg=parse_weight_kg("she's 11 lbs") or 0))
    assert cat.rer == pytest.approx(233.7, abs=0.1) and cat.factor == 1.2 and cat.kcal_per_day == 280
    assert "spayed or neutered" in cat.assumptions
    intact = daily_calories(PetFacts(species="dog", weight_kg=30, neutered=False))
    assert intact.factor == 1.8 and intact.kcal_per_day == round(70 * 30**0.75 * 1.8)
    puppy = daily_calories(PetFacts(species="dog", weight_kg=5, age_years=0.25))
    assert puppy.factor == 3.0
    kitten = daily_calories(PetFacts(species="cat", weight_kg=2, age_years=0.5))
    assert kitten.factor == 2.5
    lose = daily_calories(PetFacts(species="cat", weight_kg=7, goal="lose", ideal_weight_kg=5.5))
    assert lose.factor == 0.8 and lose.rer == pytest.approx(70 * 5.5**0.75, abs=0.1)
    senior = daily_calories(PetFacts(species="dog", weight_kg=20, age_years=9))
    assert senior.factor == 1.4


def test_amounts_from_the_products_own_calories() -> None:
    cups = daily_amount(280, kcal_per_cup=400, kcal_per_kg=3800, food_type="dry")
    assert cups.known and cups.text.startswith("¾ cup") and cups.per_day_grams == pytest.approx(73.7, abs=0.1)
    cans = daily_amount(280, kcal_per_can=90)
    assert cans.known and cans.text == "3 cans a day"
    grams = daily_amount(280, kcal_per_kg=1000, food_type="wet")
    assert grams.text == "about 280 g a day"
    unknown = daily_amount(280)
    assert not unknown.known and "no calorie" in unknown.text


def test_unit_prices_and_packages() -> None:
    assert parse_package("12.5-oz, case of 12")[1:] == (12, 12.5)
    bag = unit_prices(59.84, "30-lb bag")
    assert bag.per_lb == 1.99 and bag.per_kg == 4.4 and bag.per_can is None
    case = unit_prices(29.99, "12.5-oz, case of 12")
    assert case.per_can == 2.5 and case.per_lb == pytest.approx(3.2, abs=0.01)
    assert unit_prices(10.0, "").sentence().startswith("no package weight")


def test_switch_schedule() -> None:
    assert transition_schedule(7) == [
        "Days 1–2: 25% new food, 75% old",
        "Days 3–4: 50% new food, 50% old",
        "Days 5–6: 75% new food, 25% old",
        "Day 7 on: 100% new food",
    ]
    assert transition_schedule(10)[-1] == "Day 10 on: 100% new food"
    assert len(transition_schedule(3)) == 4  # clamped to 7 days


def test_canned_answers_and_unknown() -> None:
    assert "vet" in (canned_answer("does grain free cause DCM?") or "")
    assert "dry matter" in (canned_answer("how do I read the guaranteed analysis") or "")
    assert canned_answer("what's the capital of France?") is None


def test_honest_conditions() -> None:
    lights_out = "BFF OMG Lights Out! Tuna & Lamb Flavor Wet Canned Cat Food"
    assert honest_conditions(lights_out, "", ["weight_management", "urinary_health"]) == ["urinary_health"]
    assert honest_conditions("Adult Light Dry Dog Food", "", ["weight_management"]) == ["weight_management"]
    indoor = "Purina Pro Plan Focus Adult Indoor Care Salmon & Rice Formula Dry Cat Food"
    assert honest_conditions(indoor, "", ["weight_management"]) == ["weight_management"]  # label data is trusted


def test_clean_text_removes_empty_fields() -> None:
    text = "1. **Luau** by  ($14.99), rated 4.5 by 0 shoppers\n- Calories: - vs - vs -\n- Protein: 30% vs -"
    assert clean_text(text) == "1. **Luau** ($14.99)\n- Protein: 30% vs not listed"
    assert clean_text(clean_text(text)) == clean_text(text)


def _p(**kw: object) -> SimpleNamespace:
    base: dict[str, object] = {"id": "x", "title": "Food", "species": "cat", "life_stage": "adult",
                               "special_features": [], "target_conditions": [], "ingredients": []}  # fmt: skip
    base.update(kw)
    return SimpleNamespace(**base)


def test_screening_vet_diets_and_unsafe_diets() -> None:
    kidney = _p(id="k", title="TheraPaw Veterinary Diet Renal", special_features=["prescription"],
                target_conditions=["kidney_support"])  # fmt: skip
    vegan = _p(id="v", title="Green Sprout Vegan", special_features=["vegan"])
    dog_food = _p(id="d", species="dog")
    ok = _p(id="o", ingredients=["Turkey", "Chicken Fat"])
    chunky = screen([kidney, vegan, dog_food, ok], Pet(species="cat", life_stage="adult"))
    assert [p.id for p in chunky.keep] == ["o"] and "k" in chunky.removed
    assert any("obligate carnivores" in n for n in chunky.notes) and any("taurine" in n for n in chunky.notes)
    diagnosed = screen([kidney], Pet(species="cat", conditions=("kidney_support",)))
    assert diagnosed.cautions["k"].endswith("needs your vet's authorization")
    assert any("With kidney disease" in n for n in diagnosed.notes)
    allergic = screen([ok], Pet(species="cat", avoid=("chicken",)))
    assert not allergic.keep and "chicken fat" in allergic.removed["o"]
    assert is_vet_diet(_p(title="Hill's Prescription Diet k/d Kidney Care"))
    puppy = Pet(species="dog", life_stage="puppy", breed_size="giant")
    assert screen([_p(id="a", species="dog", life_stage="adult")], puppy).removed
    assert request_warnings(Pet(species="cat"), "vegan food please")
    assert request_warnings(Pet(species="cat", life_stage="senior"), "kitten food for her")


def test_false_absence_claims() -> None:
    product = SimpleNamespace(id="p", title="Purina Dog Chow Complete Adult, 50-lb bag",
                              ingredients=["Whole Grain Corn", "Poultry By-Product Meal", "Beef Fat"])  # fmt: skip
    assert [c.term for c in absence_claims("No, chicken is not in its ingredients.")] == ["chicken"]
    assert (
        find_false_absences("No, chicken is not in its ingredients.", [product])[0].found == "poultry by-product meal"
    )
    assert find_false_absences("It has no beef.", [product])
    assert not find_false_absences("Grain-free food has no wheat or corn.", [product])  # a general statement
    assert not find_false_absences("It has no lamb.", [product])
    # saying a product is NOT free of a family, or that only its label says so, is no claim of absence
    for honest in (
        "No, it's not grain-free.",
        "It isn't grain free, it has corn.",
        "Nope, this one is not a grain-free recipe.",
        "It's labelled grain-free, but its ingredients list whole grain corn: check the bag if you avoid them.",
        "That one's never been grain free.",
    ):
        assert not find_false_absences(honest, [product]), honest
    assert find_false_absences("Yes, it's grain-free.", [product])
    assert find_false_absences("The first one is grain free and cheap.", [product])


def test_output_guard_passes_notes_on() -> None:
    items = [
        {"role": "user", "content": "old"},
        {"type": "function_call_output", "output": '{"safety_notes": ["old note"]}'},
        {"role": "user", "content": "new"},
        {
            "type": "function_call_output",
            "output": '{"products": [], "safety_notes": ["Cats are obligate carnivores."]}',
        },
    ]
    notes = turn_notes(items)
    assert notes == ["Cats are obligate carnivores."]
    assert fix_reply("Here you go.", notes) == "Here you go.\n\nCats are obligate carnivores."
    assert fix_reply("Cats are obligate carnivores, so no.", notes) == "Cats are obligate carnivores, so no."


def test_store_policy_default_and_custom(tmp_path: Path) -> None:
    policy = load_policy()
    assert policy.answer("can you add it to my cart?").topic == "cart"  # type: ignore[union-attr]
    assert policy.answer("do you price match?").topic == "price_match"  # type: ignore[union-attr]
    assert policy.answer("I want to check out some salmon recipes") is None
    assert policy.answer("my vet's diagnosis was kidney disease, what food?") is None
    custom = tmp_path / "policy.toml"
    custom.write_text(
        'contact = "call 555-0100"\n[topics.delivery]\npatterns = ["deliver"]\nanswer = "No. {contact}."\n'
    )
    answer = load_policy(custom).answer("do you deliver?")
    assert answer is not None and answer.text == "No. Call 555-0100."


def test_voice_reads_safety_answers_for_the_ear() -> None:
    from aya.voice.spoken import for_the_ear

    spoken = " ".join(for_the_ear("Call the ASPCA Animal Poison Control Center at (888) 426-4435 (a fee may apply)."))
    assert "8 8 8, 4 2 6, 4 4 3 5" in spoken and "fee" not in spoken
    feeding = " ".join(for_the_ear("about 280 kcal a day (resting energy 70 × 5.0 kg^0.75 = 234 kcal, × 1.2)."))
    assert feeding == "about 280 calories a day."


def test_unsupported_health_claims() -> None:
    from aya.shop.safety.guardrails import correction_text, unsupported_claims

    lights_out = SimpleNamespace(id="l", title="BFF OMG Lights Out! Tuna & Lamb Flavor Wet Canned Cat Food, 5.5-oz",
                                 description="", target_conditions=["weight_management"])  # fmt: skip
    labeled = SimpleNamespace(id="w", title="Hill's Science Diet Adult Light Dry Dog Food", description="",
                              target_conditions=["weight_management"])  # fmt: skip
    said = "**BFF OMG Lights Out! Tuna & Lamb Flavor Wet Canned Cat Food** is formulated for weight control."
    problems = unsupported_claims(said, [lights_out, labeled])
    assert [p.product_id for p in problems] == ["l"]
    assert "isn't labeled as formulated for weight control" in correction_text(problems)
    fine = "**Hill's Science Diet Adult Light Dry Dog Food** is formulated for weight control."
    assert unsupported_claims(fine, [lights_out, labeled]) == []


async def test_mcp_tools_carry_the_same_checks(catalog_search: Any, catalog_settings: Any) -> None:
    """MCP clients (desktop assistants) get the screened results too: no vegan food for a cat without the warning,
    no vet diet as an ordinary pick."""
    from aya.mcp.server import build_mcp_server
    from aya.shop.tools import SearchProductsArgs, search_products
    from mcp import Client

    async with Client(build_mcp_server(catalog_search, catalog_settings)) as client:
        vegan = await client.call_tool("search_products", {"species": "cat", "special_features": ["vegan"], "k": 3})
        assert vegan.structured_content is not None
        assert any("obligate carnivores" in n for n in vegan.structured_content["safety_notes"])
        overweight = {"species": "dog", "target_conditions": ["weight_management"], "k": 10}
        chunky = await client.call_tool("search_products", overweight)
        assert chunky.structured_content is not None
        ids = [p["id"] for p in chunky.structured_content["products"]]
        # unscreened, the same search shows a veterinary weight diet
        direct = await search_products(catalog_search, SearchProductsArgs.model_validate(overweight))
        assert any(is_vet_diet(p) for p in direct.products)
        assert ids and not any(is_vet_diet(p) for p in await catalog_search.get(ids))
