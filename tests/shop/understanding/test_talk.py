"""Small talk, chat words and out-of-scope requests, the way owners type them (lowercase, no apostrophes, typos,
texting words): never a search, never a breed or brand read into a chat word ("hows" is not a chow chow), and a real
request after the small talk is kept whole. Out-of-scope tasks (essays, code, weather, sports, politics, recipes for
people) get the out-of-scope reply, not the help text or a search."""

from __future__ import annotations

import pytest

from aya.shop.policy import Conversation, Policy, ReplyStep, ToolStep
from aya.shop.state import ShownProduct, ThreadState
from aya.shop.understanding import CatalogTerms, parse
from aya.shop.understanding.breeds import find_breed
from aya.shop.understanding.dialogue import update
from aya.shop.understanding.parse import tables
from aya.shop.understanding.spelling import correct

# Brands whose names sit near chat words ("Dog Chow", "Nutro", "Halo", "Sheba", "Now Fresh"...)
TERMS = CatalogTerms.of(
    [
        "Purina Dog Chow", "Purina Cat Chow", "Purina ONE", "Hill's Science Diet", "Blue Buffalo", "Wellness",
        "Nutro", "Taste of the Wild", "Merrick", "CANIDAE", "Orijen", "Acana", "Solid Gold", "Instinct", "Nulo",
        "Wysong", "Whiskas", "Sheba", "Fancy Feast", "Iams", "Eukanuba", "Cesar", "Pedigree", "Halo", "Now Fresh",
        "Rachael Ray Nutrish", "Tiki Cat", "Weruva", "Ziwi Peak", "Evanger's",
    ],
    [("Blue Buffalo", "Wilderness"), ("Wellness", "CORE"), ("Purina ONE", "SmartBlend")],
)  # fmt: skip

CHAT = [
    "hiya, hows your week been",
    "hows it going",
    "hows it goin",
    "hey hows it going?",
    "hows ur day",
    "hows yur day going",
    "hows everything",
    "hows things",
    "hows life",
    "hows your weekend",
    "whats up",
    "whatsup",
    "wats up",
    "wat up",
    "wassup",
    "yo whats up",
    "sup",
    "sup dude",
    "hey u there?",
    "u there",
    "r u there",
    "are u there",
    "anyone there?",
    "gm!",
    "gm aya",
    "goodmorning",
    "good mornin",
    "how r u",
    "how are u",
    "how u doin",
    "hru",
    "heyyy how r u",
    "hope ur well",
    "hope youre doing well",
    "thx so much",
    "ty!!",
    "tysm",
    "thnx",
    "lol ok",
    "lol",
    "lmao",
    "haha ok",
    "ok",
    "okay",
    "ok cool",
    "kk",
    "cool",
    "got it",
    "gotcha",
    "sounds good",
    "np",
    "no worries",
    "hmm",
    "nvm",
    "my bad",
    "cya",
    "ttyl",
    "gtg",
    "gn",
    "have a good one",
    "happy friday",
    "merry xmas",
]


def _step(text: str, state: ThreadState | None = None) -> tuple[ReplyStep | ToolStep, ThreadState]:
    state = state or ThreadState()
    p = parse(text, terms=TERMS)
    update(state, p)
    return Policy(TERMS).next_step(Conversation(user_texts=[text]), state, p), state


@pytest.mark.parametrize("text", CHAT)
def test_chat_is_never_a_search_nor_a_pet(text: str) -> None:
    p = parse(text, terms=TERMS)
    assert not p.has_pet_facts, (text, p)
    assert p.breed is None and p.species is None and not p.brands and not p.flavors
    assert p.is_smalltalk_only, (text, p.acts)
    step, state = _step(text)
    assert isinstance(step, ReplyStep), (text, step)
    assert state.profile.is_empty()


@pytest.mark.parametrize("text", CHAT[:20])
def test_chat_with_a_pet_known_keeps_the_pet_and_searches_nothing(text: str) -> None:
    state = ThreadState(turns=2)
    state.profile = state.profile.model_copy(update={"species": "dog", "breed": "beagle", "age_years": 3.0})
    step, state = _step(text, state)
    assert isinstance(step, ReplyStep), (text, step)
    assert state.profile.breed == "beagle" and state.profile.species == "dog"


@pytest.mark.parametrize(
    ("text", "species", "breed"),
    [
        ("hiya! hows it going, need food for my pug", "dog", "pug"),
        ("hey hows it goin, my 2 yo beagle is itchy", "dog", "beagle"),
        ("sup! got a 12 yr old cat w kidney issues", "cat", None),
        ("heyy how r u, looking for puppy food for my lab", "dog", "labrador retriever"),
        ("hi hows ur week, whats good for a senior cat", "cat", None),
        ("lol ok so what about wet food for my cat", "cat", None),
        ("gm! whats up, my husky needs new kibble", "dog", "siberian husky"),
        ("thx so much! also my other dog is a 9 yo golden", "dog", "golden retriever"),
    ],
)
def test_a_request_after_small_talk_is_kept(text: str, species: str, breed: str | None) -> None:
    p = parse(text, terms=TERMS)
    assert p.species == species, (text, p)
    assert p.breed == breed, (text, p.breed)
    assert p.shopping and not p.is_smalltalk_only


@pytest.mark.parametrize(
    "word",
    "hows whats wats thats whos wheres theres heres shes youre theyre youve youd dont wont isnt wasnt dosent shouldnt "
    "wouldnt morn mornin nite hehe welp yikes thks hella wich recieve becuase".split(),
)
def test_chat_words_and_english_typos_are_never_corrected_into_shopper_words(word: str) -> None:
    t = tables()
    sentence = f"ok {word} then"
    assert correct(sentence, t.vocabulary, t.known_words, t.english) == sentence
    assert find_breed(sentence, known_words=t.known_words) is None


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("my kiten is 4 months", "my kitten is 4 months"),
        ("grian free pls", "grain free pls"),
        ("salmn or turky", "salmon or turkey"),
        ("senoir dog", "senior dog"),
        ("sensitve stomach", "sensitive stomach"),
        ("urinery stuff", "urinary stuff"),
    ],
)
def test_shopper_typos_are_still_corrected(text: str, fixed: str) -> None:
    t = tables()
    assert correct(text, t.vocabulary, t.known_words, t.english) == fixed


@pytest.mark.parametrize(
    ("text", "breed"),
    [
        ("i switched bc he got bored of it", None),
        ("asking bc the vet said so", None),
        ("my bc is 3 and super active", "border collie"),
        ("food for a bc puppy", "border collie"),
        ("hows the chow chow doing on wet food", "chow chow"),
    ],
)
def test_a_chat_word_is_a_breed_only_where_a_pet_is_named(text: str, breed: str | None) -> None:
    match = find_breed(text, known_words=tables().known_words)
    assert (match.breed.name if match else None) == breed


OFF_TOPIC = [
    "help with my essay",
    "can u help me with my homework",
    "help me write an essay about the civil war",
    "write my college essay pls",
    "can you write a cover letter for me",
    "write me a poem",
    "write a poem about my cat",
    "can you help me debug my python code",
    "write a function in javascript",
    "how do i fix this sql query",
    "can you do my math homework",
    "solve for x pls",
    "whats the weather tomorrow",
    "is it gonna rain today",
    "whats the weather like for walking my dog",
    "who won the game last night",
    "whats the score of the lakers game",
    "nfl picks this week?",
    "who should i vote for",
    "what do you think about the president",
    "recipe for lasagna",
    "how do i make chocolate chip cookies",
    "what should i cook for dinner tonight",
    "good pasta recipe?",
    "translate this to spanish",
    "help me plan a trip to paris",
    "tell me a joke",
]


@pytest.mark.parametrize("text", OFF_TOPIC)
def test_out_of_scope_requests_get_the_out_of_scope_reply(text: str) -> None:
    assert parse(text, terms=TERMS).out_of_scope == "off_topic", text
    step, _ = _step(text)
    assert isinstance(step, ReplyStep), step
    assert "outside what I can help with" in step.text and "food" in step.text, step.text


@pytest.mark.parametrize(
    "text",
    [
        "best food for my husky in hot weather",
        "need help with my essay on dog nutrition, what food is best for a puppy",
        "my cat hates the cold weather, wet food ideas?",
        "help",
        "can you help me",
    ],
)
def test_food_questions_near_those_words_are_not_out_of_scope(text: str) -> None:
    assert parse(text, terms=TERMS).out_of_scope is None, text


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("which one would u pick", "which one would you pick"),
        ("how r u", "how are you"),
        ("r they grain free", "are they grain free"),
        ("hills u/d for my dog", "hills u/d for my dog"),  # a vet formula's letter stays
        ("r/d or w/d", "r/d or w/d"),
        ("anything w/o chicken", "anything w/o chicken"),
    ],
)
def test_texting_shorthand_is_read_as_its_words(text: str, expanded: str) -> None:
    assert parse(text, terms=TERMS).text == expanded


def test_an_acknowledgement_after_products_keeps_them() -> None:
    shown = [ShownProduct(id="a", title="Alpha Adult Dry Dog Food, 30-lb bag", price=40.0, species="dog")]
    state = ThreadState(shown=shown, turns=3)
    state.profile = state.profile.model_copy(update={"species": "dog", "age_years": 4.0})
    step, state = _step("ok cool", state)
    assert isinstance(step, ReplyStep) and "Hi there" not in step.text
    assert [s.id for s in state.shown] == ["a"]
