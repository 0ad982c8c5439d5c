"""The dialogue state update (aya.shop.understanding.dialogue): one call per message, pets kept apart."""

from __future__ import annotations

from aya.shop.state import ThreadState
from aya.shop.understanding import CatalogTerms, parse
from aya.shop.understanding.dialogue import update

from ..dialogue import said_with

TERMS = CatalogTerms.of(["Purina ONE", "Purina Pro Plan", "Blue Buffalo", "Pedigree"])


def said(*messages: str) -> ThreadState:
    return said_with(TERMS, *messages)


def test_facts_add_up_and_corrections_replace() -> None:
    s = said("my cat is 6 and allergic to chicken", "only wet food", "actually she's 9, not 6")
    assert s.profile.species == "cat" and s.profile.age_years == 9.0
    assert s.profile.food_types == ["wet"] and s.profile.avoid_ingredients == ["chicken"]
    assert s.turns == 3


def test_a_size_correction_replaces_the_size() -> None:
    s = said("food for my poodle puppy", "oops sorry, TOY poodle")
    assert s.profile.breed == "toy poodle" and s.profile.breed_size == "toy"


def test_my_other_cat_is_another_pet() -> None:
    s = said("my cat Luna is 8 and has urinary issues", "what about for my other cat, he's a kitten")
    assert s.profile.species == "cat" and s.profile.life_stage == "kitten" and s.profile.conditions == []
    assert [p.name for p in s.pets] == ["Luna"] and s.pets[0].conditions == ["urinary_health"]


def test_two_pets_in_one_message_then_one_at_a_time() -> None:
    s = said("13 yo beagle with kidney issues and also a new kitten")
    assert s.pending == "which_pet"
    assert s.profile.breed == "beagle" and s.profile.age_years == 13.0 and s.profile.conditions == ["kidney_support"]
    assert s.pets[0].species == "cat" and s.pets[0].life_stage == "kitten" and s.pets[0].conditions == []
    s2 = said("13 yo beagle with kidney issues and also a new kitten", "now the kitten")
    assert s2.profile.species == "cat" and s2.profile.conditions == []
    s3 = said("13 yo beagle with kidney issues and also a new kitten", "now the kitten", "back to the dog")
    assert s3.profile.breed == "beagle" and s3.profile.conditions == ["kidney_support"]


def test_a_pet_by_name() -> None:
    s = said("I have a dog named Max, he's 3 and allergic to chicken", "also my cat Bella is 12", "ok back to Max")
    assert s.profile.name == "Max" and s.profile.avoid_ingredients == ["chicken"]
    assert [p.name for p in s.pets] == ["Bella"] and s.pets[0].avoid_ingredients == []


def test_refused_brands_hold_for_every_pet() -> None:
    s = said("no purina please, my dog is 5", "what about my cat? she's 9")
    assert s.profile.species == "cat" and "Purina ONE" in s.profile.avoid_brands


def test_a_denied_need_is_dropped() -> None:
    s = said("my 5 year old cat has kidney problems", "sorry, she doesn't have kidney issues, she's overweight")
    assert s.profile.conditions == ["weight_management"]


def test_a_bare_number_answers_the_age_question() -> None:
    state = said("dog food please")
    state.pending = "age"
    update(state, parse("2"))
    assert state.profile.age_years == 2.0 and state.pending is None


def test_questions_about_shown_products_change_no_pet_fact() -> None:
    s = said("my cat is 4", "is the second one grain free?")
    assert s.profile.features == []


def test_an_aside_keeps_the_pending_question() -> None:
    state = said("i need cat food")
    state.pending = "age"
    update(state, parse("where is my order?"))
    assert state.pending == "age"
