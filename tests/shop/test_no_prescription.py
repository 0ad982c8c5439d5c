"""Gaps a probe over the real catalog found (each read from many phrasings, never only the one that failed):

- "i don't have a prescription" after vet diets were shown showed the same vet diets again: a refused prescription
  is stored (``PetProfile.avoid_features``), searched as ``Filters.exclude_features`` and screened (a vet diet named
  only by its title, too); the vet line or vet-only brand asked for is no longer looked for, the condition is;
- "vet says lose 10 lbs" was read as a 10-lb Labrador (small-breed food): a change of weight is not the weight;
- "my pup … he's a 2yr old pit mix" got puppy food: a pet called pup is not a puppy when the age says otherwise;
- "cheaper one pls under 40" capped at the cheapest shown price ($15.18): the shopper's own cap says how much cheaper.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aya.catalog.models import Product
from aya.search.models import ProductSearch
from aya.shop.profile import PetProfile
from aya.shop.safety.diets import pet_of, screen
from aya.shop.state import ShownProduct, ThreadState
from aya.shop.steps import ToolStep
from aya.shop.tools import RecommendationArgs, SearchProductsArgs, get_recommendations, search_products
from aya.shop.understanding import CatalogTerms, parse

from .conftest import small_catalog
from .dialogue import said_with

TERMS = CatalogTerms.of(
    [
        "Hill's Prescription Diet",
        "Hill's Science Diet",
        "Royal Canin",
        "Royal Canin Veterinary Diet",
        "Purina Pro Plan Veterinary Diets",
        "Purina ONE",
    ],
    [("Hill's Prescription Diet", "c/d"), ("Royal Canin Veterinary Diet", "Urinary SO")],
)


def said(*messages: str) -> ThreadState:
    return said_with(TERMS, *messages)


# --- a prescription refused ----------------------------------------------------------------------------------------

REFUSALS = [
    "is there anything without a prescription",
    "i dont have a prescription",
    "I don't have a prescription for that",
    "no prescription food pls",
    "non prescription please",
    "something non-prescription?",
    "anything over the counter",
    "is there an otc version",
    "we cant get a vet script right now",
    "vet didnt give us a prescription",
    "we dont want a prescription diet",
    "anything that doesnt need a prescription",
    "i cant afford the prescription food",
    "prescription is too expensive",
    "not looking for a vet diet",
    "hills c/d w/o prescription?",
    "cant take her to the vet for a prescription till next month",
    "we cant get to the vet for a script right now",
    "she doesnt have an rx",
    "no perscription",
]


@pytest.mark.parametrize("text", REFUSALS)
def test_a_refused_prescription_is_stored_as_a_refusal(text: str) -> None:
    profile = parse(text, terms=TERMS).profile()
    assert profile.avoid_features == ["prescription"]
    assert "prescription" not in profile.features


@pytest.mark.parametrize(
    "text",
    [
        "does it need a prescription?",
        "her vet prescribed k/d",
        "my cat has crystals, vet wants her on prescription food",
        "i cant wait for the prescription food to arrive",
        "we have a prescription for hills c/d",
        "the vet gave us a script for royal canin urinary so",
        "is the prescription one better",
        "no chicken, she has a prescription for a hydrolyzed diet",
    ],
)
def test_asking_about_or_holding_a_prescription_is_not_a_refusal(text: str) -> None:
    assert parse(text, terms=TERMS).profile().avoid_features == []


@pytest.mark.parametrize(
    "first",
    ["royal canin urinary so for my cat", "hills c/d for my male cat, crystals", "my cat needs urinary so"],
)
@pytest.mark.parametrize("then", ["i dont have a prescription", "anything non prescription?", "no rx sorry"])
def test_after_a_vet_line_no_prescription_keeps_the_need_and_drops_the_line(first: str, then: str) -> None:
    state = said(first, then)
    assert state.profile.species == "cat"
    assert "urinary_health" in state.profile.conditions
    assert state.profile.avoid_features == ["prescription"]
    assert "prescription" not in state.profile.features
    assert not any("/" in line or "so" in line.lower().split() for line in state.profile.product_lines)
    assert not any("Prescription" in b or "Veterinary" in b for b in state.profile.brands)


def test_the_refusal_stays_for_the_pet_and_a_later_wish_cancels_it() -> None:
    state = said("royal canin urinary so for my cat", "i dont have a prescription", "anything cheaper")
    assert state.profile.avoid_features == ["prescription"]
    state = said("urinary food for my cat, no prescription", "ok we got the prescription, show me the vet diet")
    assert state.profile.avoid_features == []
    assert "prescription" in state.profile.features


def _vet(pid: str, title: str, *, feature: bool, price: float = 60.0) -> Product:
    return Product.model_validate(
        {
            "id": pid,
            "title": title,
            "brand": "Hill's Prescription Diet" if "Hill" in title else "Summit Ridge",
            "species": "cat",
            "price": price,
            "ingredients": ["chicken", "rice"],
            "target_conditions": ["urinary_health"],
            "special_features": ["prescription"] if feature else [],
        }
    )


URINARY = [
    _vet("rx1", "Hill's Prescription Diet c/d Multicare Dry Cat Food", feature=True),
    _vet("rx2", "Hill's Prescription Diet c/d Multicare Stress Dry Cat Food", feature=False),  # by its title only
    _vet("ok1", "Urinary Tract Health Adult Formula Dry Cat Food", feature=False, price=21.6),
    _vet("ok2", "Adult Urinary Hairball Control Dry Cat Food", feature=False, price=44.99),
]


@pytest.fixture
async def urinary(data_dir: Path) -> AsyncIterator[ProductSearch]:
    async with small_catalog(data_dir, URINARY) as s:
        yield s


async def test_no_prescription_never_shows_a_vet_diet(urinary: ProductSearch) -> None:
    asked = PetProfile(species="cat", conditions=["urinary_health"], features=["prescription"])
    before = await get_recommendations(urinary, RecommendationArgs(profile=asked, k=5))
    assert {p.product.id for p in before.picks} >= {"rx1"}
    refused = PetProfile(species="cat", conditions=["urinary_health"], avoid_features=["prescription"])
    after = await get_recommendations(urinary, RecommendationArgs(profile=refused, k=5))
    assert {p.product.id for p in after.picks} == {"ok1", "ok2"}
    found = await search_products(
        urinary, SearchProductsArgs(query="c/d urinary", species="cat", exclude_features=["prescription"], k=5)
    )
    assert {p.id for p in found.products} == {"ok1", "ok2"}


def test_the_safety_screen_drops_vet_diets_when_there_is_no_prescription() -> None:
    refused = PetProfile(species="cat", conditions=["urinary_health"], avoid_features=["prescription"])
    shown = screen(URINARY, pet_of(refused, text="hills c/d but i dont have a prescription"))
    assert [p.id for p in shown.keep] == ["ok1", "ok2"]
    assert set(shown.removed) == {"rx1", "rx2"}
    allowed = screen(URINARY, pet_of(PetProfile(species="cat", conditions=["urinary_health"]), text="c/d"))
    assert {p.id for p in allowed.keep} == {"rx1", "rx2", "ok1", "ok2"}


# --- a change of weight is not the weight --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "weight_kg", "size"),
    [
        ("i have a 8yo lab whos a bit chunky, vet says lose 10 lbs. he hates salmon", None, "large"),
        ("my lab is 90 lbs and needs to lose about 15 pounds", 40.82, "large"),
        ("hes 10 lbs overweight, golden retriever", None, "large"),
        ("shih tzu, 12 lbs, needs to drop 2 lbs", 5.44, "toy"),
        ("she gained 3 lbs since spring, 12 lb cat", 5.44, None),
        ("my beagle put on 5 pounds this winter", None, "small"),
        ("german shepherd, vet wants him to shed 8 kg", None, "large"),
        ("my 70lb lab", 31.75, "large"),
        ("my dog weighs 30 kg", 30.0, None),
    ],
)
def test_a_change_of_weight_is_not_the_pets_weight(text: str, weight_kg: float | None, size: str | None) -> None:
    p = parse(text, terms=TERMS)
    assert p.weight_kg == weight_kg
    if size is not None:
        assert p.breed_size == size
    assert p.age_years is None or p.age_years >= 1  # "10 lbs" is not read as an age either


# --- a pet called pup ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("my pup keeps scratching and licking paws, maybe food allergy? hes a 2yr old pit mix ~55lbs", "adult"),
        ("my pupper is 6 yrs old", "adult"),
        ("our kitty is 2 years", "adult"),
        ("my kitten is 3 now and still acts like a baby", "adult"),
        ("my pup is 11, a senior lab", "senior"),
        ("my puppy is 8 months old", "puppy"),
        ("my 14 month old lab pup", "puppy"),  # a large breed grows until about two
        ("kitten, 4 months", "kitten"),
        ("puppy food for my 10 month old great dane", "puppy"),
    ],
)
def test_the_age_says_the_stage_of_a_pet_called_pup(text: str, stage: str) -> None:
    assert parse(text, terms=TERMS).profile().effective_life_stage() == stage


def test_a_pup_with_an_age_is_still_a_dog() -> None:
    assert parse("my pupper is 6 yrs old", terms=TERMS).species == "dog"


# --- cheaper, with the shopper's own cap -----------------------------------------------------------------------------


def _shown(pid: str, price: float) -> ShownProduct:
    return ShownProduct(id=pid, title=f"Food {pid}", brand="Summit Ridge", price=price)


@pytest.mark.parametrize(
    ("text", "cap"),
    [
        ("cheaper one pls under 40", 40.0),
        ("something cheaper, max $35", 35.0),
        ("anything less expensive? under 30 bucks", 30.0),
        ("cheaper", 15.18),  # no cap said: cheaper than the cheapest shown
        ("chewy has it for $5 less", 10.19),  # a difference: below the cheapest shown by that much
    ],
)
def test_cheaper_with_a_cap_uses_the_cap(text: str, cap: float) -> None:
    from aya.shop.policy import Policy

    state = said("8 yo lab, a bit chunky")
    state.shown = [_shown("a", 15.19), _shown("b", 54.99), _shown("c", 27.3)]
    step = Policy(TERMS)._recommend(state, parse(text, terms=TERMS))
    assert isinstance(step, ToolStep)
    assert step.arguments["profile"]["budget_max"] == cap
    assert set(step.arguments["exclude_ids"]) == {"a", "b", "c"}


def test_a_lifestyle_ranks_and_a_health_need_filters() -> None:
    """ "keeps getting utis ... indoor" showed indoor food with no urinary support: conditions are "any of"."""
    from aya.shop.tools import profile_search_args

    both = profile_search_args(PetProfile(species="cat", conditions=["urinary_health", "indoor"]))
    assert both.target_conditions == ["urinary_health"] and "indoor" in both.query
    alone = profile_search_args(PetProfile(species="cat", conditions=["indoor"]))
    assert alone.target_conditions == ["indoor"]
    needs = profile_search_args(PetProfile(species="dog", conditions=["sensitive_stomach", "weight_management"]))
    assert needs.target_conditions == ["sensitive_stomach", "weight_management"]


async def test_an_indoor_cat_with_utis_gets_urinary_food(data_dir: Path) -> None:
    indoor = Product.model_validate(
        {"id": "in1", "title": "Indoor Adult Dry Cat Food", "brand": "A", "species": "cat", "price": 10.0,
         "food_type": "dry", "target_conditions": ["indoor"]}
    )  # fmt: skip
    urinary = Product.model_validate(
        {"id": "ur1", "title": "Urinary Tract Health Dry Cat Food", "brand": "B", "species": "cat", "price": 21.6,
         "food_type": "dry", "target_conditions": ["urinary_health"]}
    )  # fmt: skip
    async with small_catalog(data_dir, [indoor, urinary]) as s:
        profile = PetProfile(species="cat", conditions=["urinary_health", "indoor"], food_types=["dry"])
        result = await get_recommendations(s, RecommendationArgs(profile=profile, k=3))
    assert [p.product.id for p in result.picks] == ["ur1"]


async def test_an_allergy_never_meets_a_product_without_an_ingredient_list(data_dir: Path) -> None:
    """A "surprise treat box" without a label was shown as "no grains or chicken": nothing proved it."""
    from aya.shop.safety.diets import Pet

    box = Product.model_validate(
        {"id": "box", "title": "Surprise Small Dog Toy and Treat Box", "brand": "Goody", "species": "dog",
         "price": 19.95, "food_type": "treat", "ingredients": []}
    )  # fmt: skip
    jerky = Product.model_validate(
        {"id": "jerky", "title": "Lamb Jerky Treats", "brand": "Prairie", "species": "dog", "price": 9.0,
         "food_type": "treat", "ingredients": ["lamb", "sweet potato"]}
    )  # fmt: skip
    async with small_catalog(data_dir, [box, jerky]) as s:
        avoiding = await search_products(s, SearchProductsArgs(species="dog", exclude_ingredients=["chicken"], k=5))
        plain = await search_products(s, SearchProductsArgs(species="dog", k=5))
    assert [p.id for p in avoiding.products] == ["jerky"]
    assert {p.id for p in plain.products} == {"box", "jerky"}  # without an allergy the box may be shown
    screened = screen([box, jerky], Pet(species="dog", avoid=("chicken",)))
    assert [p.id for p in screened.keep] == ["jerky"] and "box" in screened.removed
