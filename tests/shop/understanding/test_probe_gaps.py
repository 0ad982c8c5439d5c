"""Gaps a probe over the real catalog found, each read from several phrasings: by-products refused, the brand a pet
eats now and the shopper wants to leave, an age after "my cats", "bc" as "because", "it" with nothing shown."""

from __future__ import annotations

import pytest

from aya.catalog.ingredients import violations
from aya.shop.knowledge_tools import knowledge_request
from aya.shop.safety.diets import Screened
from aya.shop.safety.tool_checks import _said_notes
from aya.shop.understanding import CatalogTerms, parse

TERMS = CatalogTerms.of(["Blue Buffalo", "Purina ONE", "Purina Pro Plan", "Hill's Science Diet", "Royal Canin"])


@pytest.mark.parametrize(
    "text",
    [
        "cat food no by products",
        "no by-products pls",
        "without byproducts please",
        "something for my kitten, 12 weeks, but no grain and no by products",
        "avoid by products, my dog is 4",
        "no byproduct meal",
    ],
)
def test_by_products_refused_exclude_every_by_product(text: str) -> None:
    avoid = [a for a in parse(text, terms=TERMS).avoid if "by product" in a]
    assert avoid
    assert violations(["Chicken By-Product Meal", "corn"], avoid, title="Adult Formula")
    assert violations(["Poultry By-Products", "rice"], avoid, title="Adult Formula")
    assert not violations(["Chicken", "Brown Rice"], avoid, title="Chicken & Rice")


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("i feed my dog blue buffalo but he gets gas, what else? 3 yo beagle", "Blue Buffalo"),
        ("we feed her purina one and she throws up a lot, anything else?", "Purina ONE"),
        ("he eats science diet, want to switch to something grain free", "Hill's Science Diet"),
        ("she is on royal canin but it got too pricey, other options?", "Royal Canin"),
        ("i give him blue buffalo, he's itchy all the time, any other brands", "Blue Buffalo"),
    ],
)
def test_the_brand_eaten_now_with_a_problem_is_left(text: str, left: str) -> None:
    p = parse(text, terms=TERMS)
    assert left in p.avoid_brands and left not in p.brands


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("i feed him blue buffalo and he loves it, more from them?", "Blue Buffalo"),
        ("i want blue buffalo for my dog", "Blue Buffalo"),
        ("she eats royal canin, any other flavors?", "Royal Canin"),
    ],
)
def test_a_brand_the_pet_likes_is_not_refused(text: str, kept: str) -> None:
    p = parse(text, terms=TERMS)
    assert kept in p.brands and kept not in p.avoid_brands


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("my cats 17 and losing weight, not eating much. what food?", 17.0),
        ("my dogs 9 and has bad hips", 9.0),
        ("my cat's 17", 17.0),
        ("our dog is 12 now", 12.0),
    ],
)
def test_an_age_after_the_pet(text: str, age: float) -> None:
    assert parse(text, terms=TERMS).age_years == age


@pytest.mark.parametrize(
    "text",
    [
        "my vet said my dog needs a low fat diet bc of pancreatitis. mini schnauzer 7yrs",
        "bc she has a sensitive stomach",
        "switching bc he got bored of it, 5 yo lab",
    ],
)
def test_bc_is_because(text: str) -> None:
    assert parse(text, terms=TERMS).breed != "border collie"


def test_with_nothing_shown_it_is_no_product() -> None:
    asked = knowledge_request("can dogs eat cat food? my dog keeps stealing it", species="dog")
    assert asked is not None and asked[0] == "pet_food_question"
    shown = knowledge_request("can dogs eat it?", species="dog", shown_ids=["p1"])
    assert shown is None or shown[0] != "pet_food_question"


def test_a_removal_is_said_only_for_a_product_that_would_have_shown() -> None:
    vegan = "Cats are obligate carnivores, so I won't suggest a vegan diet."
    vet = "Veterinary (prescription) diets are marked."
    screened = Screened(keep=[], notes=[vegan, vet], removed={"deep": vegan})
    assert _said_notes(screened, ["a", "b", "c"]) == [vet]  # the vegan food was candidate 20, never to be shown
    assert _said_notes(screened, ["a", "deep", "c"]) == [vegan, vet]


@pytest.mark.parametrize(
    ("text", "signs"),
    [
        ("my cats 17 and losing weight, not eating much. what food?", ["losing weight", "not eating much"]),
        ("my senior dog is drinking a lot and peeing a lot", ["drinking a lot", "peeing a lot"]),
        ("shes off her food lately, 12 yo cat", ["off her food"]),
        ("my cat is lethargic and hiding a lot, what food", ["lethargic", "hiding a lot"]),
    ],
)
def test_signs_for_the_vet_are_read(text: str, signs: list[str]) -> None:
    assert parse(text, terms=TERMS).symptoms == signs


@pytest.mark.parametrize(
    "text",
    [
        "my dog needs to start losing weight",
        "weight loss food for my lab",
        "food to help with losing weight",
        "she isnt losing weight, just picky",
        "he wont eat dry food",
        "my cat hates wet food",
    ],
)
def test_a_goal_or_a_dislike_is_no_sign(text: str) -> None:
    assert parse(text, terms=TERMS).symptoms == []


# --- two pets, one named "the kitten" in the other's sentence; an age in brackets ---------------------------------


def test_a_kitten_named_in_the_dogs_sentence_is_the_other_pet() -> None:
    text = (
        "hi!! so my husband and i just adopted a kitten shes like 8 wks?? and we also have an older dog (11, lab) "
        "who has a sensitive tummy. what should we get for the kitten"
    )
    p = parse(text, terms=TERMS)
    assert (p.species, p.life_stage) == ("cat", "kitten")
    (dog,) = p.others
    assert dog.species == "dog" and dog.age_years == 11.0 and dog.breed == "labrador retriever"
    assert dog.profile().effective_life_stage() == "senior"  # never a "labrador puppy"


@pytest.mark.parametrize(
    ("text", "age"), [("max (7, golden) needs food", 7.0), ("our lab (3)", 3.0), ("luna (12 yrs) is picky", 12.0)]
)
def test_an_age_in_brackets(text: str, age: float) -> None:
    assert parse(text, terms=TERMS).age_years == age


# --- corrections that allow an ingredient again --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "then", "left", "allowed"),
    [
        ("need cat food. no fish, no chicken, no beef. she's 3", "actually she can have chicken, just not fish or beef",
         {"fish", "beef"}, "chicken"),
        ("dog food, no chicken no lamb", "chicken is fine actually", {"lamb"}, "chicken"),
        ("allergic to beef and chicken", "wait hes not allergic to chicken, only beef", {"beef"}, "chicken"),
        ("no salmon, no turkey", "she can have salmon", {"turkey"}, "salmon"),
        ("no lamb or duck for my dog", "lamb doesn't bother him tho", {"duck"}, "lamb"),
    ],
)  # fmt: skip
def test_an_ingredient_allowed_again_is_no_longer_avoided(first: str, then: str, left: set[str], allowed: str) -> None:
    from aya.shop.state import ThreadState
    from aya.shop.understanding.dialogue import update

    state = ThreadState()
    for text in (first, then):
        update(state, parse(text, terms=TERMS))
    assert left <= set(state.profile.avoid_ingredients)
    assert allowed not in state.profile.avoid_ingredients


def test_fish_oil_being_fine_does_not_allow_fish() -> None:
    from aya.shop.state import ThreadState
    from aya.shop.understanding.dialogue import update

    state = ThreadState()
    for text in ("my cat cant have fish", "fish oil is ok"):
        update(state, parse(text, terms=TERMS))
    assert "fish" in state.profile.avoid_ingredients


# --- brand names that contain a breed or a label word -----------------------------------------------------------------

BRANDS = CatalogTerms.of(["Puppy Chow", "Dog Chow", "Cat Chow", "Natural Balance", "Wellness", "Blue Buffalo"])


@pytest.mark.parametrize(
    "text",
    [
        "my german shepard puppy has diarhea alot, hes 5 months, we feed him purina puppy chow",
        "we use dog chow for our lab",
        "is cat chow ok for my kitten",
    ],
)
def test_a_chow_food_is_no_chow_chow(text: str) -> None:
    p = parse(text, terms=BRANDS)
    assert p.breed != "chow chow" and not any(o.breed == "chow chow" for o in p.others)


def test_a_chow_chow_is_still_a_breed() -> None:
    assert parse("my chow is 5, needs food", terms=BRANDS).breed == "chow chow"


@pytest.mark.parametrize(
    ("text", "features"),
    [
        ("do u have natural balance? for my cat", []),
        ("natural balance grain free for my dog", ["grain_free"]),
        ("natural food for my cat", ["natural"]),
        ("all natural wellness food", ["natural"]),
    ],
)
def test_a_label_word_inside_a_brand_is_no_wish(text: str, features: list[str]) -> None:
    assert parse(text, terms=BRANDS).features == features


# --- a suspected allergen, an emergency's pet, hairballs, the prescription question ---------------------------------


@pytest.mark.parametrize(
    ("text", "avoided"),
    [
        ("dog with skin allergies, scratching constantly, vet thinks chicken. 5 yr old golden", "chicken"),
        ("itchy pup, we think its the beef", "beef"),
        ("she gets diarrhea, probably the chicken", "chicken"),
        ("hot spots, vet said its probably the grains", "grains"),
        ("vet suspects chicken or beef allergy", "beef"),
    ],
)
def test_a_suspected_allergen_is_avoided(text: str, avoided: str) -> None:
    assert avoided in parse(text, terms=TERMS).avoid


@pytest.mark.parametrize("text", ["maybe chicken for my cat?", "my lab loves chicken, maybe salmon too"])
def test_maybe_without_a_reaction_is_a_wish(text: str) -> None:
    assert parse(text, terms=TERMS).avoid == []


def test_the_pet_of_an_emergency_is_remembered() -> None:
    from aya.shop.state import ThreadState
    from aya.shop.understanding.dialogue import update

    state = ThreadState()
    update(state, parse("hello? my dog ate chocolate cake", terms=TERMS))
    update(state, parse("he seems fine tho, what food helps settle his stomach", terms=TERMS))
    assert state.profile.species == "dog" and "sensitive_stomach" in state.profile.conditions


@pytest.mark.parametrize(
    ("text", "emergency"),
    [
        ("cat keeps throwing up hairballs, she's long haired and indoor, 8 years", False),
        ("she keeps puking up hairballs lol", False),
        ("my cat keeps throwing up", True),
        ("my dog keeps vomiting and wont eat", True),
    ],
)
def test_hairballs_are_no_emergency(text: str, emergency: bool) -> None:
    from aya.shop.safety.emergency import is_emergency

    assert is_emergency(text) is emergency


@pytest.mark.parametrize(
    ("title", "features", "answer"),
    [
        ("Hill's Prescription Diet k/d Kidney Care", [], "needs your vet's authorization"),
        ("Renal Care Wet Cat Food", ["prescription"], "needs your vet's authorization"),
        ("Senior Vitality Wet Cat Food", [], "you can buy it without"),
    ],
)
@pytest.mark.parametrize(
    "question",
    ["is the renal one ok without vet approval", "does the second one need a prescription", "can i get it otc?"],
)
def test_the_prescription_question_is_answered_from_the_label(
    title: str, features: list[str], answer: str, question: str
) -> None:
    from aya.shop.replies import _answer_question

    product = ProductLike(title=title, special_features=features)
    assert answer in _answer_question(product, parse(question, terms=TERMS))  # type: ignore[arg-type]


class ProductLike:
    def __init__(self, title: str, special_features: list[str]) -> None:
        self.title, self.special_features = title, special_features
        self.target_conditions: list[str] = ["kidney_support"]
        self.ingredients: list[str] = ["water", "pork liver"]


@pytest.mark.parametrize(
    ("text", "first", "other"),
    [
        ("my two dogs: bella is a 9 yr old yorkie and max is a 2 yr old rottweiler", "Bella", "Max"),
        ("2 cats. luna is a 3 yr old tabby, milo is a 12 year old siamese", "Luna", "Milo"),
    ],
)
def test_names_typed_without_capitals(text: str, first: str, other: str) -> None:
    p = parse(text, terms=CatalogTerms.of(["Purina Bella", "Wellness"]))
    assert p.name == first and [o.name for o in p.others] == [other]
    assert p.brands == []  # bella the yorkie, not Purina Bella


@pytest.mark.parametrize(
    "text",
    ["she is a 5 year old cat", "food for my cat, shes a 5 yr old", "this is a 5 lb bag", "wellness is a 3 year"],
)
def test_no_name_from_pronouns_or_brands(text: str) -> None:
    assert parse(text, terms=CatalogTerms.of(["Wellness"])).name is None


# --- run-together lists, no teeth, "we're on X", the most protein, a refinement after nothing was found ---------------


@pytest.mark.parametrize(
    "text",
    [
        "i want a large breed adult food with glucosamine but no corn wheat or soy",
        "no corn/wheat/soy",
        "no corn, wheat or soy pls",
        "nothing with corn wheat soy",
    ],
)
def test_corn_wheat_soy_run_together(text: str) -> None:
    assert {"corn", "wheat", "soy"} <= set(parse(text, terms=TERMS).avoid)


@pytest.mark.parametrize(
    "text",
    [
        "my old man (14yo shih tzu) has hardly any teeth left and a bad heart",
        "she has no teeth left, 16 yo cat",
        "he had most of his teeth pulled, lost most of his teeth",
        "toothless senior chihuahua",
    ],
)
def test_a_pet_without_teeth_gets_soft_food_not_dental_kibble(text: str) -> None:
    p = parse(text, terms=TERMS)
    assert p.food_types == ["wet"] and "dental_health" not in p.conditions


def test_bad_teeth_are_still_dental_care() -> None:
    assert "dental_health" in parse("my dog has bad teeth", terms=TERMS).conditions


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("7 month old frenchie, super itchy, we're on royal canin rn. looking for something without chicken", True),
        ("currently on purina one, want something grain free", True),
        ("we are on blue buffalo and she loves it, looking for something similar", False),
    ],
)
def test_the_food_we_are_on(text: str, refused: bool) -> None:
    p = parse(text, terms=TERMS)
    assert bool(p.avoid_brands) is refused and bool(p.brands) is not refused


def test_the_most_protein_with_nothing_shown_asks_for_high_protein() -> None:
    from aya.shop.state import ThreadState
    from aya.shop.understanding.dialogue import update

    state = ThreadState()
    update(state, parse("what dog food has the most protein", terms=TERMS))
    update(state, parse("for a puppy", terms=TERMS))
    assert "high_protein" in state.profile.features and state.profile.effective_life_stage() == "puppy"


@pytest.mark.parametrize(
    "text", ["do any of them have chicken?", "which ones have chicken", "are they chicken free", "do both have chicken"]
)
def test_an_ingredient_question_about_all_shown_checks_them_all(text: str) -> None:
    asked = knowledge_request(text, species="cat", shown_ids=["a", "b", "c"], focus_id="a")
    assert asked is not None and asked[0] == "check_ingredients"
    assert asked[1]["product_id"] == "a" and asked[1]["other_product_ids"] == ["b", "c"]


def test_an_ingredient_question_about_one_checks_one() -> None:
    asked = knowledge_request("does the second one have fish", species="cat", shown_ids=["a", "b", "c"], focus_id="b")
    assert asked is not None and asked[1] == {"product_id": "b", "ingredients": ["fish"]}


@pytest.mark.parametrize(
    ("text", "wet"),
    [
        (
            "my cat is diabetic and my vet said feed her low carb wet food. She's 12. She won't eat pate, only chunks",
            True,
        ),
        ("no pate please, 5 yo cat", None),
        ("she hates gravy, wet food only", True),
    ],
)
def test_a_refused_texture_is_not_a_refused_wet_food(text: str, wet: bool | None) -> None:
    p = parse(text, terms=TERMS)
    assert "wet" not in p.not_food_types
    assert ("wet" in p.food_types) is bool(wet)


def test_wet_food_refused_is_still_refused() -> None:
    assert parse("no wet food, she wont eat canned", terms=TERMS).not_food_types == ["wet"]


@pytest.mark.parametrize(
    ("text", "textures"),
    [
        ("she doesnt like pate", ["pate"]),
        ("no pâté or gravy pls", ["pate", "gravy"]),
        ("he hates shredded", ["shreds"]),
    ],
)
def test_a_refused_texture_is_stored(text: str, textures: list[str]) -> None:
    assert parse(text, terms=TERMS).profile().avoid_textures == textures


def test_a_refused_texture_leaves_out_the_products_named_so() -> None:
    from aya.shop.tools import _has_texture

    assert _has_texture("Fancy Feast Chicken Feast Classic Pâté Canned Cat Food", ["pate"])
    assert _has_texture("Tuna Feast in Gravy Minced", ["gravy"])
    assert not _has_texture("Chicken Feast in Gravy Minced", ["pate"])
    assert not _has_texture("Gravy Train Dry Dog Food", ["pate"])


# --- in-message corrections, names before brackets, a label refused as a wish -----------------------------------------


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("puppy food for my golden, 4 months... actually make that 5 months. shes got a sensitive stomach too", 0.417),
        ("my cat is 3 years old, sorry i mean 4 years", 4.0),
        ("2 yo lab, actually wait hes 3 yrs", 3.0),
        ("oh wait hes actually 13 lol, my bad", 13.0),
        ("my 5 year old dog, we got him 2 years ago", 5.0),
    ],
)
def test_the_corrected_age_in_one_message(text: str, age: float) -> None:
    assert parse(text, terms=TERMS).age_years == age


def test_a_correction_with_a_laugh_is_no_small_talk() -> None:
    assert not parse("oh wait hes actually 13 lol, my bad", terms=TERMS).is_smalltalk_only


def test_two_cats_named_before_their_brackets() -> None:
    from aya.shop.state import ThreadState
    from aya.shop.understanding.dialogue import update

    text = "looking for food for two cats: milo (kidney disease, 15) and luna (2, healthy)"
    p = parse(text, terms=TERMS)
    assert (p.name, p.age_years, p.conditions) == ("Milo", 15.0, ["kidney_support"])
    assert [(o.name, o.age_years, o.conditions) for o in p.others] == [("Luna", 2.0, [])]
    state = ThreadState()
    for message, name in ((text, "Milo"), ("milo first", "Milo"), ("now luna", "Luna"), ("back to milo", "Milo")):
        update(state, parse(message, terms=TERMS))
        assert state.profile.name == name
    assert state.profile.conditions == ["kidney_support"]  # luna's healthy profile never got milo's kidneys


@pytest.mark.parametrize(
    "text",
    [
        "cat food but NOT grain free, my vet said grain free isnt necessary",
        "i dont want grain free for my golden",
        "vet said not grain free for my 4yo golden, suggestions?",
        "dry food, not grain free",
    ],
)
def test_a_grain_free_label_refused_as_a_wish_is_left_out(text: str) -> None:
    profile = parse(text, terms=TERMS).profile()
    assert profile.avoid_features == ["grain_free"] and "grain_free" not in profile.features


@pytest.mark.parametrize(
    "text", ["she is not on grain free food", "it is not grain free", "is it not grain free?", "grain free cat food"]
)
def test_a_statement_about_grain_free_is_no_refusal(text: str) -> None:
    assert parse(text, terms=TERMS).profile().avoid_features == []


@pytest.mark.parametrize(
    "text",
    [
        "He's been having loose stools on his current food (Iams). Any suggestions for something gentler?",
        "her current food is blue buffalo and she throws up a lot",
    ],
)
def test_the_current_food_with_a_problem_is_left(text: str) -> None:
    p = parse(text, terms=CatalogTerms.of(["Iams", "Blue Buffalo"]))
    assert p.avoid_brands and not p.brands


def test_the_current_food_the_pet_likes_is_kept() -> None:
    p = parse("his current food is blue buffalo and he loves it", terms=CatalogTerms.of(["Blue Buffalo"]))
    assert p.brands == ["Blue Buffalo"]


@pytest.mark.parametrize(
    "text",
    [
        "i have a 16 week old kitten and want to switch her to adult food, is that ok?",
        "can my 5 month old puppy switch to adult dog food yet?",
        "when should i switch my kitten to adult food",
    ],
)
def test_a_young_pet_switching_to_adult_food_is_told_not_yet(text: str) -> None:
    asked = knowledge_request(text, species="cat")
    assert asked is not None and asked[0] == "pet_food_question"


def test_a_plain_switch_still_gets_the_schedule() -> None:
    assert knowledge_request("how do i switch my dog to a new food?", species="dog") == (
        "switch_schedule",
        {"days": 7},
    )


# --- "not purina" covers its other brands; "last" the verb; "is it …?" about the product last talked about ------------

PURINA = CatalogTerms.of(
    ["Kitten Chow", "Cat Chow", "Fancy Feast", "Purina ONE", "Purina Pro Plan", "Friskies", "Iams"]
)


@pytest.mark.parametrize("text", ["kitten food thats not purina", "anything but purina for my cat", "no purina pls"])
def test_not_purina_leaves_out_its_other_brands(text: str) -> None:
    refused = set(parse(text, terms=PURINA).avoid_brands)
    assert {"Kitten Chow", "Cat Chow", "Fancy Feast", "Friskies", "Purina ONE"} <= refused and "Iams" not in refused


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("how long will a case last her", []),
        ("how long does a bag last", []),
        ("will it last a month", []),
        ("the last one", [-1]),
        ("compare the first and last", [1, -1]),
        ("last one pls", [-1]),
    ],
)
def test_last_the_verb_is_no_reference(text: str, refs: list[int]) -> None:
    assert parse(text, terms=TERMS).refs == refs


def _shown_state(focus: str | None) -> object:
    from aya.shop.state import ShownProduct, ThreadState

    state = ThreadState(shown=[ShownProduct(id=i, title=f"Food {i}") for i in ("a", "b", "c")])
    state.focus = focus
    return state


@pytest.mark.parametrize(
    ("text", "focus", "ref"),
    [
        ("is it grain free?", None, 1),
        ("is that one a prescription food", "c", 3),
        ("does it have chicken", "b", 2),
        ("is this one ok for kittens", None, 1),
    ],
)
def test_a_question_about_it_asks_of_the_product_last_talked_about(text: str, focus: str | None, ref: int) -> None:
    from aya.shop.state import ThreadState
    from aya.shop.understanding.dialogue import update

    state = _shown_state(focus)
    assert isinstance(state, ThreadState)
    p = parse(text, terms=TERMS)
    update(state, p)
    assert p.refs == [ref] and "details" in p.acts
    assert "grain_free" not in state.profile.features  # a question about a product is no wish for the pet


# --- a budget per can ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["need cat food, only wet, budget 1$ a can max", "wet food under $2 per can", "$1.50 a pouch"]
)
def test_a_budget_per_can_is_per_can(text: str) -> None:
    profile = parse(text, terms=TERMS).profile()
    assert profile.budget_per == "can" and profile.budget_max is not None


def test_a_budget_per_case_after_one_per_can_is_per_item() -> None:
    from aya.shop.state import ThreadState
    from aya.shop.understanding.dialogue import update

    state = ThreadState()
    for text in ("wet food for my cat under $2 per can", "actually under $20 a case is fine"):
        update(state, parse(text, terms=TERMS))
    assert (state.profile.budget_max, state.profile.budget_per) == (20.0, None)


def test_the_price_per_can_decides() -> None:
    from aya.catalog.models import Product
    from aya.shop.profile import PetProfile
    from aya.shop.tools import _per_can_within, profile_search_args

    def can(title: str, size: str, price: float) -> Product:
        return Product.model_validate(
            {"id": title[:8], "title": title, "brand": "A", "species": "cat", "price": price, "size": size}
        )

    assert _per_can_within(can("Feast Canned Cat Food", "3-oz, case of 24", 15.36), 1.0)  # $0.64 a can
    assert not _per_can_within(can("Stew Canned Cat Food", "5.5-oz, case of 12", 30.0), 1.0)  # $2.50 a can
    assert not _per_can_within(can("Dry Cat Food", "16-lb bag", 9.83), 1.0)  # a bag has no price per can
    args = profile_search_args(PetProfile(species="cat", budget_max=1.0, budget_per="can"))
    assert args.price_max is None and args.price_per_can_max == 1.0


# --- a cat's big boy; each pet's allergy to its own pet ---------------------------------------------------------------


def test_a_big_boy_is_no_dog() -> None:
    from aya.shop.state import ThreadState
    from aya.shop.understanding.dialogue import update

    state = ThreadState()
    for text in ("what do u have for a 6 month old maine coon", "he's a big boy, like 12 lbs already"):
        update(state, parse(text, terms=TERMS))
    assert state.profile.species == "cat" and state.profile.breed == "maine coon"
    assert parse("just a big boy, great dane", terms=TERMS).breed == "great dane"


@pytest.mark.parametrize(
    ("text", "cat_avoids", "dog_avoids"),
    [
        ("i have a cat with allergies and a dog with allergies lol. cat cant have fish, dog cant have beef",
         "fish", "beef"),
        ("my dog and my cat both need food, the dog is allergic to chicken", None, "chicken"),
    ],
)  # fmt: skip
def test_each_allergy_goes_to_its_own_pet(text: str, cat_avoids: str | None, dog_avoids: str) -> None:
    p = parse(text, terms=TERMS)
    pets = {x.species: x for x in (p, *p.others)}
    assert set(pets) == {"cat", "dog"}
    assert dog_avoids in pets["dog"].avoid and dog_avoids not in pets["cat"].avoid
    if cat_avoids:
        assert cat_avoids in pets["cat"].avoid and cat_avoids not in pets["dog"].avoid
    else:
        assert pets["cat"].avoid == []
