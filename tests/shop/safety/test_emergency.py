"""The emergency detector over many phrasings: typos, lower case, run-ons, and the look-alikes that must not fire."""

from __future__ import annotations

import pytest

from aya.shop.safety.emergency import assess, emergency_reply, toxic_question_reply

EMERGENCIES = [
    "help my dog just ate a bunch of grapes what do i do",
    "my dog aet grpaes",
    "dog got into the chocolate!!",
    "my puppy ate a chocolate bar",
    "CHOCOLATE my dog ate half a bar of dark chocolate is he going to be ok",
    "i think my cat chewed on a lily",
    "my cat licked lily pollen off her fur",
    "my dog licked antifreeze off the driveway",
    "he ate rat poison",
    "my dog swallowed ibuprofen",
    "dog ate my advil",
    "my dog got into my pills",
    "my cat is straining to pee and nothing comes out",
    "my cat keeps going in and out of the litter box and cant pee",
    "my male cat hasnt peed all day and is crying",
    "my dogs belly is swollen and hard and hes retching",
    "my dog is having a seizure",
    "my dog is siezing",
    "my cat collapsed",
    "my dog isnt breathing",
    "theres blood in his poop",
    "my dog is vomiting blood",
    "my dog ate xylotol gum",
    "she ate some raisens",
    "onions!! my dog ate onions",
    "dog ate garlic bread",
    "my dog got poisoned",
    "my lab just scarfed down a whole box of raisins.what now",
    "my kitten drank some antifreeze i think",
    "he got hit by a car",
    "my dog swallowed a sock",
    "my dog ate chicken bones",
    "my puppy ate sugar free gum",
    "omg dog ate choclate",
    "my dog is having trouble breathing",
    "my cats gums are pale and she collapsed",
    "my dog keeps throwing up and won't stop vomiting",
    "my dog ate a bunch of tylenol",
    "help! grapes! my dog!",
    "my dog ate an edible",
    "dog chewed up my nicorette gum",
]

NOT_EMERGENCIES = [
    "chocolate lab puppy food",
    "grain free food for my chocolate lab",
    "food for my dog with a history of seizures",
    "my cat won't eat her pills",
    "i need food with no garlic",
    "my dog is fine and eats well",
    "food for breeding dogs",
    "my cat had a urinary blockage last year, what food should she eat",
    "is lamb blood meal ok in dog food",
    "my dog eats too fast",
    "hi",
    "food for a toy poodle",
    "my cat needs food for urinary crystals",
    "senior cat with kidney disease",
    "grain free salmon kibble",
    "my dog is picky and won't eat his kibble",
    "wet food for my cat who has trouble chewing",
    "pill pockets for my dog",
    "my dog hates taking his medication, any food that helps",
    "something with sweet potato and green beans",
    "a chew toy",
    "my chocolate lab is 3 and very active",
    "food for my 8 year old dog with stiff joints",
    "my dog has gum disease, what food helps",
    "wet food with guar gum is fine",
    "my cat loves grapes scented candles",
    "i don't want any onion or garlic in her food",
    "hip and joint support for my lab",
    "is there xanthan gum in this",
]

TOXIC_QUESTIONS = [
    "can dogs eat grapes?",
    "is chocolate bad for cats",
    "are onions safe for dogs",
    "can my cat have garlic",
]


@pytest.mark.parametrize("text", EMERGENCIES)
def test_emergencies_fire(text: str) -> None:
    found = assess(text)
    assert found is not None and found.kind == "emergency", text


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_look_alikes_do_not_fire(text: str) -> None:
    assert assess(text) is None, (text, assess(text))


@pytest.mark.parametrize("text", TOXIC_QUESTIONS)
def test_toxic_questions(text: str) -> None:
    found = assess(text)
    assert found is not None and found.kind == "toxic_question", (text, found)
    reply = toxic_question_reply(found)
    assert reply.startswith("No") and "(888) 426-4435" in reply


def test_reply_is_call_the_vet_with_the_reason_and_no_products() -> None:
    found = assess("my dog ate grapes")
    assert found is not None and found.toxins == ("grapes",)
    reply = emergency_reply(found)
    assert "vet" in reply and "(888) 426-4435" in reply and "kidney" in reply
    assert "$" not in reply
    sign = assess("my cat is straining and can't pee")
    assert sign is not None and sign.signs == ("urinary",)
    assert "blocked" in emergency_reply(sign) and "right now" in emergency_reply(sign)
    assert len(emergency_reply(found, spoken=True)) < len(emergency_reply(found))
