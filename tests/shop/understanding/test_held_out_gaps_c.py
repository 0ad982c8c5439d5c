"""The gaps found in the third December round (known failures, then batch C of benchmarks/conversation_eval.py), each
read from several phrasings the way owners type them: a breed named after a size phrase, breed abbreviations that
are also texting shorthand, two pets of one species told apart by age in a short list, vet diets by their label."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from aya.shop.profile import PetProfile
from aya.shop.safety.diets import is_vet_diet, pet_of, screen
from aya.shop.state import ThreadState, load_state, save_state
from aya.shop.understanding import CatalogTerms, parse
from aya.shop.understanding.dialogue import update

TERMS = CatalogTerms.of(
    ["Purina ONE", "Forza10", "Royal Canin", "Royal Canin Veterinary Diet", "Hill's Prescription Diet", "Blue Buffalo"],
    [("Forza10", "Nutraceutic"), ("Blue Buffalo", "Natural Veterinary Diet")],
)


def said(*messages: str) -> ThreadState:
    state = ThreadState()
    for text in messages:
        update(state, parse(text, terms=TERMS))
        metadata: dict[str, object] = {}
        save_state(metadata, state)  # as the thread stores it between turns
        state = load_state(metadata)
    return state


# --- a breed after a size phrase; abbreviations ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "just a big boy, great dane",
        "hes a great dane, big boy",
        "great dane pup 5 months",
        "GD puppy",
        "my dane",
        "big dog lol, great dane mix",
        "huge boy, a dane, 2 yrs",
        "my GD is 4 and a big eater",
    ],
)
def test_a_great_dane_stays_a_giant_dog(text: str) -> None:
    p = parse(text, terms=TERMS)
    assert p.species == "dog" and p.breed_size == "giant" and (p.breed or "").startswith("great dane")


@pytest.mark.parametrize(
    ("text", "breed", "size"),
    [
        ("a small dog, a yorkie", "yorkshire terrier", "toy"),
        ("large breed, german shepherd 6 yo", "german shepherd", "large"),
        ("my BC is 3, very active", "border collie", "medium"),
    ],
)
def test_the_breed_outranks_a_size_phrase_said_first(text: str, breed: str, size: str) -> None:
    p = parse(text, terms=TERMS)
    assert (p.breed, p.breed_size) == (breed, size)


@pytest.mark.parametrize(
    ("text", "species"),
    [
        ("need food for my cat bc she is picky", "cat"),
        ("my cat won't eat dry bc of her teeth", "cat"),
        ("gd food for my cat pls", "cat"),
        ("looking for gd wet food for a dog", "dog"),
    ],
)
def test_lowercase_shorthand_is_not_a_breed(text: str, species: str) -> None:
    p = parse(text, terms=TERMS)
    assert p.breed is None and p.species == species


def test_a_great_dane_puppy_keeps_its_size_in_the_state() -> None:
    s = said("just a big boy, great dane", "he's 5 months, dry food")
    assert s.profile.breed_size == "giant" and s.profile.effective_life_stage() == "puppy"


# --- two pets of one species told apart by age, listed short -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "species", "ages"),
    [
        ("my two cats are 2 and a half and 12", "cat", (2.5, 12.0)),
        ("2 cats aged 3 and 14", "cat", (3.0, 14.0)),
        ("two dogs, one's 8 months and the other is 9 yrs", "dog", (0.667, 9.0)),
        ("a 2.5 yr old and a 12 yo cat", "cat", (2.5, 12.0)),
        ("my 2 dogs are 4 and 11", "dog", (4.0, 11.0)),
        ("i have a 3 year old and a 10 year old dog", "dog", (3.0, 10.0)),
    ],
)
def test_two_pets_of_one_species_listed_by_age(text: str, species: str, ages: tuple[float, float]) -> None:
    p = parse(text, terms=TERMS)
    assert len(p.others) == 1
    assert (p.species, p.others[0].species) == (species, species)
    assert (p.age_years, p.others[0].age_years) == ages


@pytest.mark.parametrize(
    "text",
    [
        "my cat is 12 and 9 lbs",
        "she's 5 and a half and picky",
        "he is 2 and a half years old",
        "there are 2 cats in the house, she is 6",
        "my dog is 5 and has 2 meals a day",
    ],
)
def test_one_pet_with_a_second_number_stays_one(text: str) -> None:
    assert parse(text, terms=TERMS).others == []


def test_each_cat_listed_by_age_has_its_own_profile() -> None:
    s = said("my two cats are 2 and a half and 12", "the older one has kidney issues, wet food")
    assert s.profile.age_years == 12.0 and s.profile.effective_life_stage() == "senior"
    assert "kidney_support" in s.profile.conditions
    assert [(p.age_years, p.conditions) for p in s.pets] == [(2.5, [])]


def test_the_younger_pet_listed_by_age_is_chosen() -> None:
    s = said("2 cats aged 3 and 14", "start with the younger one, dry")
    assert s.profile.age_years == 3.0 and s.profile.food_types == ["dry"]
    assert [p.age_years for p in s.pets] == [14.0]


# --- veterinary diets follow the label ---------------------------------------------------------------------------


@dataclass
class _Product:
    id: str
    title: str
    special_features: list[str] = field(default_factory=list)
    species: str = "cat"
    life_stage: str = "adult"
    target_conditions: list[str] = field(default_factory=list)
    ingredients: list[str] = field(default_factory=list)


@pytest.mark.parametrize(
    "title",
    [
        "Forza10 Nutraceutic Actiwet Renal Support Wet Cat Food, 3.5-oz, case of 32",
        "Forza10 Nutraceutic Active Kidney Renal Support Diet Dry Cat Food, 1-lb bag",
        "Purina ONE +Plus Urinary Tract Health Formula Adult Dry Cat Food",
        "Hill's Science Diet Adult Urinary Hairball Control Dry Cat Food",
        "Blue Buffalo Wilderness Kidney Support Dry Cat Food",
    ],
)
def test_a_condition_word_in_the_title_is_not_a_vet_diet(title: str) -> None:
    assert not is_vet_diet(_Product("p", title, ["natural"], target_conditions=["kidney_support"]))


@pytest.mark.parametrize(
    ("title", "features"),
    [
        ("Hill's Prescription Diet k/d Kidney Care Chicken Dry Cat Food", []),
        ("Royal Canin Veterinary Diet Renal Support A Dry Cat Food, 6.6-lb bag", []),
        ("Purina Pro Plan Veterinary Diets NF Kidney Function Feline Formula", []),
        ("Blue Buffalo Natural Veterinary Diet K+M Kidney + Mobility Support Grain-Free Dry Cat Food", []),
        ("hi-tor veterinary select neo diet dry dog food,20-lb bag", ["prescription"]),
        ("Royal Canin Urinary SO Moderate Calorie Dry Cat Food", []),
    ],
)
def test_real_prescription_lines_are_still_vet_diets(title: str, features: list[str]) -> None:
    assert is_vet_diet(_Product("p", title, features))


def test_a_non_prescription_kidney_food_is_an_ordinary_pick_for_a_kidney_cat() -> None:
    forza = _Product(
        "f", "Forza10 Nutraceutic Actiwet Renal Support Wet Cat Food", ["natural"], target_conditions=["kidney_support"]
    )
    vet = _Product(
        "h",
        "Hill's Prescription Diet k/d Kidney Care Dry Cat Food",
        ["prescription"],
        target_conditions=["kidney_support"],
    )
    out = screen([forza, vet], pet_of(PetProfile(species="cat", age_years=14, conditions=["kidney_support"])))
    assert [p.id for p in out.keep] == ["f", "h"]
    assert "f" not in out.cautions and "vet" in out.cautions["h"]
    healthy = screen([forza, vet], pet_of(PetProfile(species="cat", age_years=4), text="renal support food"))
    assert [p.id for p in healthy.keep] == ["f"]
