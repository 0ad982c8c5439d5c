"""One test group per slot extractor, each read from many phrasings (not only the one a rule was written from)."""

from __future__ import annotations

import pytest

from aya.shop.understanding import CatalogTerms, normalize_text
from aya.shop.understanding.breeds import all_breeds, find_breed, size_for_weight
from aya.shop.understanding.negation import negated_statement, polarity
from aya.shop.understanding.numbers import read_numbers
from aya.shop.understanding.parse import tables
from aya.shop.understanding.refs import read_refs
from aya.shop.understanding.spelling import correct

# --- breeds ------------------------------------------------------------------------------------------------------


def test_the_breed_table_is_big_enough() -> None:
    breeds = all_breeds()
    dogs = [b for b in breeds if b.species == "dog" and not b.generic]
    cats = [b for b in breeds if b.species == "cat"]
    assert len(dogs) >= 300 and len(cats) >= 70
    assert all(b.size in ("toy", "small", "medium", "large", "giant") for b in dogs)
    assert all(0 < b.min_kg <= b.max_kg for b in breeds)


@pytest.mark.parametrize(
    ("text", "species", "size"),
    [
        ("oops sorry, TOY poodle", "dog", "toy"),
        ("my standard poodle", "dog", "large"),
        ("miniature schnauzer 5yo", "dog", "small"),
        ("my schnauzer had bladder stones removed", "dog", "small"),
        ("germn shepard 2 yrs old", "dog", "large"),
        ("german sheperd pup", "dog", "large"),
        ("chiuaua food", "dog", "toy"),
        ("a 70lb lab", "dog", "large"),
        ("my pug", "dog", "small"),
        ("great dane puppy", "dog", "giant"),
        ("saint bernard", "dog", "giant"),
        ("st. bernard", "dog", "giant"),
        ("mini goldendoodle", "dog", "small"),
        ("goldendoodle", "dog", "large"),
        ("my frenchie", "dog", "small"),
        ("yorkie", "dog", "toy"),
        ("shitzu", "dog", "toy"),
        ("daschund", "dog", "small"),
        ("rottie", "dog", "large"),
        ("pittie", "dog", "medium"),
        ("maine coon kitten", "cat", None),
        ("siamese", "cat", None),
        ("ragdolls", "cat", None),
    ],
)
def test_breeds_from_owner_words(text: str, species: str, size: str | None) -> None:
    match = find_breed(normalize_text(text), known_words=tables().known_words)
    assert match is not None, text
    assert (match.breed.species, match.breed.size) == (species, size)


@pytest.mark.parametrize(
    "text", ["i love my dog", "she is picky", "labels matter", "my dog is a good boy", "golden years"]
)
def test_ordinary_words_are_no_breed(text: str) -> None:
    match = find_breed(normalize_text(text), known_words=tables().known_words)
    assert match is None or match.phrase == "golden", text  # "golden years" is read by the life-stage table first


@pytest.mark.parametrize(("kg", "size"), [(2, "toy"), (6, "small"), (15, "medium"), (32, "large"), (60, "giant")])
def test_a_weight_sets_the_size(kg: float, size: str) -> None:
    assert size_for_weight(kg) == size


# --- numbers -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9 mo lab pup", {"age_years": 0.75}),
        ("cat 1.5 yrs", {"age_years": 1.5}),
        ("a 7 weeks old kitten", {"age_years": 0.135}),
        ("13 yo beagle", {"age_years": 13.0}),
        ("15 y/o cat", {"age_years": 15.0}),
        ("he's two and a half years old", {"age_years": 2.5}),
        ("actually she's 9, not 6", {"age_years": 9.0}),
        ("going on like a week, he's 5", {"age_years": 5.0, "durations": ["a week"]}),
        ("had surgery 2 months ago", {"age_years": None, "durations": ["2 months"]}),
        ("he's been on it for 3 years", {"age_years": None}),
        ("around 40 bucks a month", {"budget_max": 44.0, "budget_period": "month", "age_years": None}),
        ("under $30 a bag", {"budget_max": 30.0, "budget_period": "bag"}),
        ("20 bucks max", {"budget_max": 20.0}),
        ("cans under $2 per can", {"budget_max": 2.0, "budget_period": "can"}),
        ("between $20 and $40", {"budget_min": 20.0, "budget_max": 40.0}),
        ("chewy has it for $5 less", {"difference": 5.0, "budget_max": None}),
        ("a 70lb lab", {"weight_kg": 31.75}),
        ("40 kg, 3 years", {"weight_kg": 40.0, "age_years": 3.0}),
        ("a 30-lb bag under $60", {"weight_kg": None, "budget_max": 60.0}),
        ("i have two cats", {"count": 2}),
        ("about 15 lbs", {"weight_kg": 6.8, "budget_max": None}),
    ],
)
def test_numbers_with_their_role(text: str, expected: dict[str, object]) -> None:
    got = read_numbers(normalize_text(text), pet_talk=True)
    for key, want in expected.items():
        value = getattr(got, key)
        if isinstance(want, float):
            assert value == pytest.approx(want, abs=0.01), (text, key)
        else:
            assert value == want, (text, key, value)


# --- negation ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word", "want"),
    [
        ("need dry food for my dog, no purina or pedigree", "pedigree", "refused"),
        ("need dry food for my dog, no purina or pedigree", "dry", "wanted"),
        ("only dry pls, she won't touch wet", "wet", "refused"),
        ("only dry pls, she won't touch wet", "dry", "wanted"),
        ("switching my cat from dry to freeze dried raw", "dry", "past"),
        ("switching my cat from dry to freeze dried raw", "freeze dried", "wanted"),
        ("adult dog food, anything but chicken", "chicken", "refused"),
        ("chicken-free kibble", "chicken", "refused"),
        ("urinary food but not royal canin, too pricey", "royal canin", "refused"),
        ("my lab has had blue buffalo his whole life, want something different", "blue buffalo", "past"),
        ("we're done with blue buffalo", "blue buffalo", "refused"),
        ("my kitty hates fish", "fish", "refused"),
        ("no purina, but pedigree is fine", "pedigree", "wanted"),
        ("he does not like wet food, dry please", "dry", "wanted"),
        ("grain free food without chicken", "grain free", "wanted"),
    ],
)
def test_polarity(text: str, word: str, want: str) -> None:
    norm = normalize_text(text)
    start = norm.index(word)
    assert polarity(norm, (start, start + len(word))) == want


@pytest.mark.parametrize(
    ("text", "word", "denied"),
    [
        ("she isn't overweight", "overweight", True),
        ("no longer has kidney issues", "kidney", True),
        ("he is not eating well and has kidney problems", "kidney", False),
        ("no kidney problems, but she is overweight", "overweight", False),
    ],
)
def test_a_denied_fact(text: str, word: str, denied: bool) -> None:
    norm = normalize_text(text)
    start = norm.index(word)
    assert negated_statement(norm, (start, start + len(word))) is denied


# --- brands and lines --------------------------------------------------------------------------------------------

TERMS = CatalogTerms.of(
    [
        "Hill's Science Diet",
        "Hill's Prescription Diet",
        "Blue Buffalo",
        "Purina Pro Plan",
        "Purina ONE",
        "Purina Pro Plan Veterinary Diets",
        "Royal Canin",
        "Royal Canin Veterinary Diet",
        "Wellness",
        "Pedigree",
        "Sport Dog Food",
        "Whole Earth Farms",
        "Taste of the Wild",
    ],
    [("Blue Buffalo", "Wilderness"), ("Wellness", "CORE"), ("Whole Earth Farms", "Grain Free")],
)


@pytest.mark.parametrize(
    ("text", "brands", "line"),
    [
        ("do you have hills k/d?", {"Hill's Prescription Diet"}, "k/d"),
        ("is hills w/d ok for diabetic dogs", {"Hill's Prescription Diet"}, "w/d"),
        ("science diet hairball control", {"Hill's Science Diet"}, None),
        ("blue wilderness for my husky", {"Blue Buffalo"}, "Wilderness"),
        ("pro plan vet diet for my cat", {"Purina Pro Plan Veterinary Diets"}, None),
        ("royal canin urinary so", {"Royal Canin", "Royal Canin Veterinary Diet"}, "urinary so"),
        ("welness for my dog", {"Wellness"}, None),
        ("do u have taste of the wild", {"Taste of the Wild"}, None),
    ],
)
def test_brands_and_lines_from_owner_words(text: str, brands: set[str], line: str | None) -> None:
    mentions = [m for m in TERMS.find(text, known_words=tables().known_words) if not m.refused]
    specific = [m for m in mentions if m.line] or mentions
    assert set(specific[-1].brands) == brands, mentions
    assert specific[-1].line == line


@pytest.mark.parametrize("text", ["dog food please", "grain free dry food", "something natural and whole", "the best"])
def test_generic_words_name_no_brand(text: str) -> None:
    assert TERMS.find(text, known_words=tables().known_words) == []


def test_refused_brands() -> None:
    mentions = TERMS.find("need dry food, NO purina or pedigree", known_words=tables().known_words)
    assert all(m.refused for m in mentions)
    assert {b for m in mentions for b in m.brands} >= {"Pedigree", "Purina Pro Plan", "Purina ONE"}


# --- references --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "compare", "refs", "all_"),
    [
        ("compare 1 and 3", True, [1, 3], False),
        ("2 vs 3?", False, [2, 3], False),
        ("tell me about #2", False, [2], False),
        ("the first two", False, [1, 2], False),
        ("the last one", False, [-1], False),
        ("compare the first and the last", True, [1, -1], False),
        ("compare them", True, [], True),
        ("my first dog", False, [], False),
        ("she's 1 and 3 months", False, [], False),
    ],
)
def test_references(text: str, compare: bool, refs: list[int], all_: bool) -> None:
    got = read_refs(normalize_text(text), compare=compare)
    assert got.positions == refs and got.all is all_


# --- spelling ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("senoir dog food", "senior dog food"),
        ("food for my pupy", "food for my puppy"),
        ("urinery issues", "urinary issues"),
        ("my kiten", "my kitten"),
        ("uti cat", "uti cat"),  # a known shopper word is never "corrected"
        ("natural food", "natural food"),
        ("hairballs", "hairballs"),
    ],
)
def test_typos_become_shopper_words(text: str, fixed: str) -> None:
    t = tables()
    assert correct(text, t.vocabulary, t.known_words) == fixed


@pytest.mark.parametrize(
    ("text", "attribute"),
    [
        ("tell me more about the adult one", ("life_stage", "adult")),
        ("which is the cheaper one", ("price", "min")),
        ("is the wet one grain free?", ("food_type", "wet")),
        ("the more expensive one", ("price", "max")),
        ("something cheaper", None),
    ],
)
def test_references_by_attribute(text: str, attribute: tuple[str, str] | None) -> None:
    assert read_refs(normalize_text(text)).attribute == attribute


def test_relaxation_keeps_what_the_shopper_named_for_last() -> None:
    from aya.search.models import Filters
    from aya.shop.tools import explicit_last_steps

    f = Filters(
        species="cat",
        life_stage="senior",
        food_type=["wet"],
        brand=["Wellness"],
        price_max=20,
        special_features=["grain_free"],
        target_conditions=["kidney_support"],
        exclude_ingredients=["chicken"],
    )
    steps = list(explicit_last_steps(f))
    words = [w for _, w in steps]
    assert [w.split(" ")[0] for w in words] == [
        "raised",
        "ignored",
        "included",
        "included",
        "included",
        "included",
        "included",
    ]
    assert words.index("included food types other than wet") > words.index("included products that are not grain-free")
    assert words[-1] == "included other brands than Wellness"
    assert all(s.species == "cat" and s.exclude_ingredients == ["chicken"] for s, _ in steps)  # never relaxed
