"""The gaps the December held-out batch found (benchmarks/conversation_eval.py --batch december), each read from
several phrasings, not only the one that failed: denied life stages, "no," as an interjection, where a negation
ends, pet names and breeds that are also brands or lines, veterinary diets named by their line, peas and legumes as
one family, two pets of one species told apart by age."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from aya.catalog.ingredients import violations
from aya.shop.profile import PetProfile
from aya.shop.replies import which_pet
from aya.shop.safety.diets import pet_of, screen
from aya.shop.state import ThreadState
from aya.shop.understanding import CatalogTerms, parse
from aya.shop.understanding.dialogue import update

from ..dialogue import said_with

TERMS = CatalogTerms.of(
    [
        "Purina Bella",
        "Purina ONE",
        "Wellness",
        "Nutro",
        "Nutro Max",
        "Royal Canin",
        "Royal Canin Veterinary Diet",
        "Purina Pro Plan Veterinary Diets",
        "Hill's Prescription Diet",
        "Hill's Science Diet",
    ],
    [("Royal Canin", "Siamese"), ("Royal Canin", "Boxer"), ("Wellness", "CORE")],
)


def said(*messages: str) -> ThreadState:
    return said_with(TERMS, *messages)


# --- a life stage denied -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "my cat is 7 but she's not a senior yet, wet food",
        "actually hes not a puppy anymore, he turned one last month",
        "she's no longer a kitten, 14 months now. indoor cat, dry",
        "he isn't a puppy any more",
        "not a kitten anymore lol",
        "she is 8 but not really a senior",
    ],
)
def test_a_denied_life_stage_is_adult(text: str) -> None:
    assert parse(text, terms=TERMS).life_stage == "adult"


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("it's not for a puppy, it's for my senior dog", "senior"),
        ("puppy food for my dog", "puppy"),
        ("my cat is getting older", "senior"),
        ("kitten food please", "kitten"),
    ],
)
def test_a_stage_still_wanted_is_kept(text: str, stage: str) -> None:
    assert parse(text, terms=TERMS).life_stage == stage


def test_a_denied_stage_outranks_the_age_in_the_state() -> None:
    s = said("my cat is 7 but she's not a senior yet")
    assert s.profile.age_years == 7.0 and s.profile.effective_life_stage() == "adult"
    s = said("puppy food for my lab", "he's not a puppy anymore, he's 1 now")
    assert s.profile.effective_life_stage() == "adult"


def test_the_denial_does_not_swallow_the_wish_after_it() -> None:
    p = parse("my cat is 7 but she's not a senior yet, wet food", terms=TERMS)
    assert p.food_types == ["wet"] and p.not_food_types == []


# --- where a negation ends ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "wanted", "refused"),
    [
        ("wait no, dry. he won't eat the wet stuff", ["dry"], ["wet"]),
        ("no, i meant wet", ["wet"], []),
        ("nope, no, canned please", ["wet"], []),
        ("cat cant have fish or chicken or turkey or egg, wet pls", ["wet"], []),
        ("no chicken or beef, dry only", ["dry"], []),
        ("no wet", [], ["wet"]),
        ("she won't touch dry or canned", [], ["dry", "wet"]),
    ],
)
def test_food_types_after_an_interjection_or_a_list_of_refusals(
    text: str, wanted: list[str], refused: list[str]
) -> None:
    p = parse(text, terms=TERMS)
    assert sorted(p.food_types) == sorted(wanted) and sorted(p.not_food_types) == sorted(refused)


@pytest.mark.parametrize(
    ("text", "species", "avoid"),
    [
        ("allergy to poultry AND fish, 8 yo shih tzu", "dog", {"chicken", "fish"}),
        ("no beef or lamb, 3 year old cat", "cat", {"beef", "lamb"}),
        ("allergic to chicken, 60 lb lab", "dog", {"chicken"}),
    ],
)
def test_an_age_or_weight_starts_the_pet_not_the_refusal(text: str, species: str, avoid: set[str]) -> None:
    p = parse(text, terms=TERMS)
    assert p.species == species and avoid <= set(p.avoid)


@pytest.mark.parametrize("text", ["no chicken please", "nothing with chicken pls", "no chicken, no beef please"])
def test_a_wish_word_does_not_undo_a_plain_refusal(text: str) -> None:
    assert "chicken" in parse(text, terms=TERMS).avoid


# --- names, breeds and brands ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Bella is my 6 year old husky, what wet food do you have", "Bella"),
        ("my dog Bella needs wet food", "Bella"),
        ("our pup is named Bella, 4 months", "Bella"),
        ("my cat Nutro is 4", "Nutro"),
        ("Wellness is our 3 yo cat lol", "Wellness"),
    ],
)
def test_a_pet_name_is_never_a_brand(text: str, name: str) -> None:
    p = parse(text, terms=TERMS)
    assert p.name == name and p.brands == []


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("Wellness is my favorite brand, for my cat", "Wellness"),
        ("purina bella for my yorkie", "Purina Bella"),
        ("switching to Wellness for my dog", "Wellness"),
        ("is nutro any good for a beagle", "Nutro"),
    ],
)
def test_a_brand_said_as_a_brand_stays_one(text: str, brand: str) -> None:
    p = parse(text, terms=TERMS)
    assert brand in p.brands and p.name is None


@pytest.mark.parametrize(
    "text", ["food for Coco, she's a 2 yr old siamese", "dry food for my boxer", "my boxer is 3, kibble please"]
)
def test_a_breed_is_not_the_brand_line_named_after_it(text: str) -> None:
    p = parse(text, terms=TERMS)
    assert p.breed is not None and p.brands == [] and p.lines == []


def test_a_breed_line_named_with_its_brand_is_a_line() -> None:
    p = parse("royal canin siamese for my cat", terms=TERMS)
    assert "Royal Canin" in p.brands and p.lines == ["Siamese"]


def test_a_name_the_thread_knows_is_the_pet_not_the_brand() -> None:
    s = said("my dog Bella is 3", "and my cat Max is 10", "back to Bella")
    assert s.profile.name == "Bella" and s.profile.brands == []
    s = said("my dog is 3", "back to Bella")  # no pet of that name: the shopper names the brand
    assert s.profile.brands == ["Purina Bella"]


# --- veterinary diets named by their line ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("my cats on urinary so from the vet", "Royal Canin"),
        ("need k/d for my 14 yr old kitty", "Hill's Prescription Diet"),
        ("en gastro for my dog", "Purina Pro Plan Veterinary Diets"),
        ("does purina ha come in a small bag", "Purina Pro Plan Veterinary Diets"),
        ("vet said c/d for his crystals", "Hill's Prescription Diet"),
        ("rc gi for my cat, the wet one", "Royal Canin"),
        ("does royal canin make a hydrolyzed protein for dogs", "Royal Canin"),
    ],
)
def test_a_vet_diet_named_by_its_line_is_a_prescription_diet(text: str, brand: str) -> None:
    p = parse(text, terms=TERMS)
    assert brand in p.brands and "prescription" in p.features
    assert pet_of(PetProfile().merged(p.profile()), text=text).asked_vet_diet


@pytest.mark.parametrize("text", ["royal canin indoor for my cat", "science diet for my senior dog", "wellness core"])
def test_an_ordinary_line_asks_for_no_vet_diet(text: str) -> None:
    assert "prescription" not in parse(text, terms=TERMS).features


@dataclass
class _Product:
    id: str
    title: str
    species: str = "dog"
    life_stage: str = "adult"
    special_features: list[str] = field(default_factory=list)
    target_conditions: list[str] = field(default_factory=list)
    ingredients: list[str] = field(default_factory=list)


def test_a_vet_diet_asked_by_its_line_is_shown_with_the_vets_word() -> None:
    vet = _Product("p1", "Purina Pro Plan Veterinary Diets EN Gastroenteric Formula Dry Dog Food", ["prescription"])
    plain = _Product("p2", "Purina ONE Sensitive Stomach Dry Dog Food")
    asked = screen(
        [vet, plain], pet_of(PetProfile(species="dog").merged(parse("en gastro pls", terms=TERMS).profile()))
    )
    assert [p.id for p in asked.keep] == ["p1", "p2"] and "vet" in asked.cautions["p1"]
    not_asked = screen([vet, plain], pet_of(PetProfile(species="dog"), text="food for a sensitive stomach"))
    assert [p.id for p in not_asked.keep] == ["p2"]


# --- peas and legumes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "caught"),
    [
        ("NO peas or lentils, my vet is worried about DCM", ["Chicken", "Pea Protein", "Lentils"], True),
        ("my pup reacts to pea protein", ["Lamb", "Peas", "Pea Fiber"], True),
        ("she can't do legumes", ["Turkey", "Chickpeas", "Green Peas"], True),
        ("no legumes whatsoever", ["Beef", "Lentils"], True),
        ("no peas", ["Chicken", "Chickpeas"], False),  # chickpeas are a legume, not a pea
        ("no peas", ["Chicken", "Pears", "Peanut Hulls"], False),
    ],
)
def test_peas_and_legumes_are_families(text: str, label: list[str], caught: bool) -> None:
    avoid = parse(text, terms=TERMS).avoid
    assert avoid, text
    assert bool(violations(label, avoid)) is caught


@pytest.mark.parametrize("text", ["legume free dry food for my cat", "pea-free kibble", "pea free and grain free"])
def test_a_pea_free_label_asked_for_ranks_by_the_label(text: str) -> None:
    assert "pea_free" in parse(text, terms=TERMS).features


# --- two pets of one species -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("i have 2 cats, a 15 year old and a 1 year old", (15.0, 1.0)),
        ("two dogs: an 11 yo lab and a 9 month old lab", (11.0, 0.75)),
        ("my kittens are 10 weeks and my other cat is 12", (0.192, 12.0)),
        ("we have two dogs, one is 3 and the other is 10", (3.0, 10.0)),
    ],
)
def test_two_pets_of_one_species_told_apart_by_age(text: str, ages: tuple[float, float]) -> None:
    p = parse(text, terms=TERMS)
    assert len(p.others) == 1 and p.others[0].species == p.species
    assert (p.age_years, p.others[0].age_years) == ages


@pytest.mark.parametrize(
    "text",
    [
        "he is two and a half years old",
        "my dog is 5, he's been sick for 2 weeks",
        "my cat is 15 and she was 1 when we got her",
    ],
)
def test_one_pet_with_two_numbers_stays_one(text: str) -> None:
    assert parse(text, terms=TERMS).others == []


@pytest.mark.parametrize(
    ("first", "pick", "age"),
    [
        ("i have 2 cats, a 15 year old and a 1 year old", "the older one first, she has kidney issues", 15.0),
        ("i have 2 cats, a 15 year old and a 1 year old", "now the younger cat, dry food", 1.0),
        ("two dogs: an 11 yo lab and a 9 month old lab", "start with the younger one", 0.75),
        ("two dogs: an 11 yo lab and a 9 month old lab", "ok and the old guy", 11.0),
        ("my kittens are 10 weeks and my other cat is 12", "food for the older cat, wet", 12.0),
        ("my kittens are 10 weeks and my other cat is 12", "the little one first", 0.192),
    ],
)
def test_the_older_or_younger_pet_is_chosen(first: str, pick: str, age: float) -> None:
    s = said(first, pick)
    assert s.profile.age_years == age
    assert len(s.pets) == 1 and s.pets[0].age_years != age


def test_needs_stay_with_the_pet_chosen_by_age() -> None:
    s = said("i have 2 cats, a 15 year old and a 1 year old", "the older one, she has kidney issues", "the younger cat")
    assert s.profile.age_years == 1.0 and s.profile.conditions == []
    assert s.pets[0].conditions == ["kidney_support"]


def test_with_one_pet_the_older_one_is_not_a_pet_choice() -> None:
    p = parse("the older one first", terms=TERMS)
    s = ThreadState(profile=PetProfile(species="cat", age_years=4))
    update(s, p)
    assert s.profile.age_years == 4 and p.refs == [1]  # left to the shown-products reference


def test_the_question_which_pet_tells_two_of_a_kind_apart() -> None:
    text = which_pet(PetProfile(species="cat", age_years=15), PetProfile(species="cat", age_years=1))
    assert "15-year-old" in text and "1-year-old" in text
    assert which_pet(PetProfile(species="cat"), PetProfile(species="cat")).count("cat") == 0


# --- a budget said as a cap --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cap"),
    [
        ("i only want to spend 15$ per bag on cat food", 15.0),
        ("i don't want to spend more than $30", 30.0),
        ("only wanna spend like 20 bucks", 20.0),
        ("i can spend around 40 bucks on a bag", 44.0),
        ("happy to spend about $50", 55.0),
        ("cant spend more than 25 dollars a bag", 25.0),
    ],
)
def test_a_budget_said_as_a_cap_is_not_stretched(text: str, cap: float) -> None:
    assert parse(text, terms=TERMS).budget_max == cap


def test_more_than_without_a_negation_is_still_a_floor() -> None:
    p = parse("something that costs more than $20, the cheap stuff makes her sick", terms=TERMS)
    assert p.budget_min == 20.0 and p.budget_max is None


# --- batch B (written after the fixes above): what it still found -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "breed"),
    [
        ("he's 10 but really not a senior, super active lab. dry", "labrador retriever"),
        ("no beef or lamb, boxer, 5 yrs", "boxer"),
        ("no chicken, 4 yo pug", "pug"),
    ],
)
def test_a_refusal_before_a_comma_does_not_reach_the_pet(text: str, breed: str) -> None:
    p = parse(text, terms=TERMS)
    assert p.breed == breed and p.species == "dog"


def test_a_refusal_of_a_pet_still_works_in_its_clause() -> None:
    assert parse("not for my cat, for my dog", terms=TERMS).species == "dog"
    assert parse("no purina, pedigree or iams for my dog", terms=TERMS).avoid_brands


@pytest.mark.parametrize(
    ("text", "species"),
    [("my cat's not a baby anymore, just turned 1", "cat"), ("my dog's food makes him itchy", "dog")],
)
def test_a_possessive_pet_word_names_the_species(text: str, species: str) -> None:
    assert parse(text, terms=TERMS).species == species


@pytest.mark.parametrize(
    ("text", "avoid"),
    [
        ("Allergic to: chicken, turkey, duck, eggs. 5 yr old cat, dry pls", {"chicken", "turkey", "duck", "egg"}),
        ("allergies - beef, dairy", {"beef", "dairy"}),
        ("can't have: fish", {"fish"}),
    ],
)
def test_an_allergy_list_after_a_colon_or_dash(text: str, avoid: set[str]) -> None:
    p = parse(text, terms=TERMS)
    assert avoid <= set(p.avoid) and "food_allergies" not in p.conditions


@pytest.mark.parametrize(
    "text",
    [
        "Nutro is what she's always eaten but i want to switch, shes a 7 yo cat",
        "nutro is all he's ever had, looking for something different",
        "Nutro has been what we've fed him, time for a change",
    ],
)
def test_a_brand_said_as_the_past_before_a_wish_to_change(text: str) -> None:
    p = parse(text, terms=TERMS)
    assert "Nutro" not in p.brands


def test_names_and_ages_of_two_pets_in_one_message() -> None:
    s = said("Max and Ruby are my two cats. Max is 2 and Ruby is 13", "food for Ruby, wet")
    assert s.profile.name == "Ruby" and s.profile.age_years == 13.0 and s.profile.food_types == ["wet"]
    assert [(p.name, p.age_years) for p in s.pets] == [("Max", 2.0)]


@pytest.mark.parametrize(("pick", "age"), [("the baby first", 0.5), ("the oldie", 12.0), ("ok the little one", 0.5)])
def test_a_pet_chosen_by_a_word_for_its_age(pick: str, age: float) -> None:
    s = said("got two kitties, one is 12 and one is just 6 months", pick)
    assert s.profile.age_years == age
