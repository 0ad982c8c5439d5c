"""The gaps found in the third December round (known failures, then batch C of benchmarks/conversation_eval.py), each
read from several phrasings the way owners type them: a breed named after a size phrase, breed abbreviations that
are also texting shorthand, two pets of one species told apart by age in a short list, vet diets by their label."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from aya.shop.profile import PetProfile
from aya.shop.safety.diets import is_vet_diet, pet_of, screen
from aya.shop.state import ThreadState
from aya.shop.understanding import CatalogTerms, parse

from ..dialogue import said_with

TERMS = CatalogTerms.of(
    ["Purina ONE", "Forza10", "Royal Canin", "Royal Canin Veterinary Diet", "Hill's Prescription Diet", "Blue Buffalo"],
    [("Forza10", "Nutraceutic"), ("Blue Buffalo", "Natural Veterinary Diet")],
)


def said(*messages: str) -> ThreadState:
    return said_with(TERMS, *messages)


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
        ("MY CAT WONT EAT DRY BC OF HER TEETH", "cat"),
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
        ("i have 2 dogs, 5 and 11", "dog", (5.0, 11.0)),
        ("two cats: 3 and 14", "cat", (3.0, 14.0)),
        ("my cats (2 and 9)", "cat", (2.0, 9.0)),
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
        "2 dogs, 50 and 60 lbs",
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


# --- batch C: what its first run found ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("sorry shes 12 not 2", 12.0),
        ("shes 12 now", 12.0),
        ("theyre both 3", 3.0),
        ("hes 9, he wont eat dry", 9.0),
    ],
)
def test_a_contraction_without_its_apostrophe_is_not_a_typo(text: str, age: float) -> None:
    p = parse(text, terms=TERMS)
    assert p.age_years == age
    assert "shed" not in p.text.split() and "there" not in p.text.split()


def test_two_cats_told_by_age_with_theyre() -> None:
    p = parse("i have two cats theyre 1 and 13", terms=TERMS)
    assert (p.age_years, [o.age_years for o in p.others]) == (1.0, [13.0])


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("my cat throws up anything with fish oil or fish meal. senior, dry", "fish"),
        ("he gets itchy from food with chicken in it", "chicken"),
        ("breaks out on anything containing beef", "beef"),
        ("she vomits after eating salmon, 3 yo cat", "salmon"),
        ("my lab reacts to anything with lamb meal", "lamb"),
    ],
)
def test_a_reaction_then_its_cause_is_an_ingredient_to_avoid(text: str, family: str) -> None:
    p = parse(text, terms=TERMS)
    assert family in p.avoid and family not in p.flavors


@pytest.mark.parametrize(
    "text", ["she throws up with dry food", "my dog threw up this morning, with chicken and rice after"]
)
def test_a_reaction_without_an_ingredient_cause_avoids_nothing(text: str) -> None:
    assert parse(text, terms=TERMS).avoid == []


BRAND_TERMS = CatalogTerms.of(["Fancy Feast", "Friskies", "Meow Mix", "Iams", "Purina ONE"], [])


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("no dairy and no fish, 10 yr old cat, any brand but fancy feast", "Fancy Feast"),
        ("any brand except iams for my dog", "Iams"),
        ("any kind but friskies pls", "Friskies"),
        ("any other brand besides meow mix, my cat is 6", "Meow Mix"),
    ],
)
def test_any_brand_but_refuses_the_brand(text: str, refused: str) -> None:
    p = parse(text, terms=BRAND_TERMS)
    assert refused in p.avoid_brands and refused not in p.brands


@pytest.mark.parametrize(
    ("text", "active_breed", "other_breed"),
    [
        ("2 dogs: a 3 yo pug allergic to chicken and a 9 yo lab. start with the pug", "pug", "labrador retriever"),
        ("2 dogs: a 3 yo pug and a 9 yo lab, do the lab first", "labrador retriever", "pug"),
        ("a beagle (4) and a 10 yo boxer, lets do the boxer first", "boxer", "beagle"),
        ("a 2 yr old toy poodle and a 12 yo beagle, start with the poodle", "toy poodle", "beagle"),
        (
            "2 dogs: a 3 yo german shepherd and a 9 yo german shorthaired pointer, start with the shepherd",
            "german shepherd",
            "german shorthaired pointer",
        ),
    ],
)
def test_the_pet_to_start_with_said_in_the_same_message(text: str, active_breed: str, other_breed: str) -> None:
    s = said(text)
    assert s.pending is None
    assert s.profile.breed == active_breed and [p.breed for p in s.pets] == [other_breed]


def test_the_pet_to_start_with_keeps_each_pets_facts() -> None:
    s = said("2 dogs: a 3 yo pug allergic to chicken and a 9 yo lab. start with the pug")
    assert s.profile.avoid_ingredients == ["chicken"] and s.pets[0].avoid_ingredients == []


@pytest.mark.parametrize(
    ("text", "species"),
    [
        ("a kitten and a 12 yo dog, the kitten first pls", "cat"),
        ("i have a cat and a dog, lets do the dog first", "dog"),
    ],
)
def test_the_species_to_start_with(text: str, species: str) -> None:
    s = said(text)
    assert s.pending is None and s.profile.species == species
    assert [p.species for p in s.pets] == [{"cat": "dog", "dog": "cat"}[species]]


def test_without_a_choice_aya_still_asks_which_pet() -> None:
    assert said("two dogs - a 10 week old lab puppy and a 12 yo beagle").pending == "which_pet"


@pytest.mark.parametrize("pick", ["now the 1 yr old. dry, under $30", "ok the 1 year old", "and the 1yo cat next"])
def test_a_pet_named_by_its_age_is_chosen_not_aged(pick: str) -> None:
    s = said("i have two cats theyre 1 and 13", "the old one first, she has kidney problems", pick)
    assert s.profile.age_years == 1.0 and s.profile.conditions == []
    assert [(p.age_years, p.conditions) for p in s.pets] == [(13.0, ["kidney_support"])]


def test_with_one_pet_an_age_said_so_is_still_its_age() -> None:
    s = said("my cat is 4", "oh wait, the 7 year old")
    assert s.profile.age_years == 7.0 and s.pets == []


def test_the_first_pets_age_said_among_the_second_pets_words() -> None:
    s = said("need food for my cat and also my dog the cat is 14 and the dog is a 2 yr old boxer", "cat first")
    assert s.profile.species == "cat" and s.profile.age_years == 14.0
    assert [(p.species, p.age_years, p.breed) for p in s.pets] == [("dog", 2.0, "boxer")]
