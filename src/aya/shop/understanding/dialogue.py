"""The dialogue state update: ONE call per user message, from what the message says to what the thread knows.

- Which pet: "my other cat", "the dog", "start with the dog", "back to Max", a new name or a different species make
  another profile active; the one we leave is kept in ``state.pets``; one pet's facts never reach another.
- Two pets in one message ("a 13 yo beagle with kidney issues and also a new kitten"): both are remembered, the first
  is active, and Aya asks which to start with.
- Facts merge into the active pet (:meth:`PetProfile.merged`: corrections replace, needs and refusals add up); denied
  facts are removed ("she isn't overweight"); a refused brand stays refused for every pet (a shopper-level wish).
- The pending question: a bare answer ("9", "both", "the dog") is read as the answer to what Aya asked.
"""

from __future__ import annotations

import re

from aya.shop.profile import PetProfile
from aya.shop.state import MAX_PETS, ThreadState
from aya.shop.understanding.breeds import find_breed
from aya.shop.understanding.parse import Parsed, is_vet_formula

_STAGE_OF = {
    "puppy": "puppy",
    "pup": "puppy",
    "puppies": "puppy",
    "kitten": "kitten",
    "kitty": "cat",
    "kittens": "kitten",
}
_SPECIES_OF = {
    "dog": "dog", "dogs": "dog", "doggo": "dog", "pooch": "dog", "puppy": "dog", "pup": "dog", "puppies": "dog",
    "cat": "cat", "cats": "cat", "kitty": "cat", "kitties": "cat", "kitten": "cat", "kittens": "cat",
}  # fmt: skip
_CORRECTION = re.compile(r"\b(?:i meant|meant to say|i mean|sorry|oops|my bad|correction|not the (?:cat|dog))\b")
_BARE_NUMBER = re.compile(
    r"^\s*(?:about |around |almost |like |she'?s |he'?s |shes |hes )?(\d{1,2}(?:\.5)?)\s*[.!]?\s*$"
)


def about_shown(p: Parsed) -> bool:
    """A question about products on screen ("is the second one grain free?") states no new wish for the pet."""
    if "about_it" in p.acts:
        return True  # "is this one ok for kittens?" asks of the product; the pet is no kitten for it
    if (p.refs or p.superlative or p.ref_attribute) and "similar" not in p.acts and not p.species:
        return True
    if p.refs_all and not (p.has_pet_facts or p.pet_words):
        return True  # "compare them"; but "do any of those come in pate?" refines the search
    return bool(p.acts & {"compare", "details"}) and not (p.species or p.brands or p.breed or p.lines)


def update(state: ThreadState, p: Parsed) -> None:
    """Update ``state`` with one user message's understanding ``p`` (call once per message)."""
    state.turns += 1
    pending, state.pending = state.pending, None
    if p.out_of_scope not in (None, "medical"):
        state.pending = pending  # an aside does not cancel Aya's question
        if p.out_of_scope == "emergency" and p.species and state.profile.species in (None, p.species):
            # "my dog ate chocolate cake" then "he seems fine, what food settles his stomach": it is the dog
            identity = {k: getattr(p, k) for k in ("species", "breed", "breed_size", "age_years", "weight_kg", "name")}
            state.profile = state.profile.merged(PetProfile(**{k: v for k, v in identity.items() if v is not None}))
        return
    if pending == "age" and p.age_years is None:
        m = _BARE_NUMBER.match(p.text)
        if m and float(m.group(1)) <= 25:
            p.age_years = float(m.group(1))
    if pending == "species" and re.search(r"\b(?:both|one of each|each)\b", p.text) and not p.species:
        state.profile = state.profile.merged(PetProfile(species="dog"))
        state.pets = [*state.pets, PetProfile(species="cat")][-MAX_PETS:]
        state.pending = "which_pet"
        return
    by_age = _pet_by_age(state, p)
    if by_age is not None:
        # "the older one first": a pet, not a shown product; "older" compares the two, it states no life stage
        p.refs, p.ref_attribute, p.superlative, p.pet_other = [], None, None, False
        p.acts -= {"details", "compare"}
        if p.age_years is None:
            p.life_stage = None
    _about_it(state, p)
    if about_shown(p):
        return
    _names_not_brands(state, p)
    if by_age is not None:
        if by_age >= 0:
            _activate(state, by_age)
        if state.profile.species and state.profile.species not in p.pet_words:
            p.pet_words.append(state.profile.species)  # the message names a pet: "start with the younger one"
    else:
        _choose_pet(state, p, pending)
    if p.others:
        _remember_others(state, p.others)
        state.pending = "which_pet"
    if p.superlative == "most_protein" and not state.shown and "high_protein" not in p.features:
        p.features.append("high_protein")  # "what dog food has the most protein": nothing shown to pick from yet
    _merge(state, p)
    chosen = _pet_called(state, p.first_pet) if p.others and p.first_pet else None
    if chosen is not None:  # "2 dogs: a pug and a lab. start with the pug": no need to ask which
        state.pending = None
        if chosen >= 0:
            _activate(state, chosen)


_STAGE_ORDER = {"puppy": 0.5, "kitten": 0.5, "adult": 4.0, "senior": 12.0}


# "is it grain free?", "does that one have chicken", "is this one ok for kittens": a question about one shown product
_ABOUT_IT = re.compile(
    r"^(?:so |and |ok |okay |but |hmm |wait )?(?:is|does|has|can) (?:it|that one|this one|that|this)\b"
)


def _about_it(state: ThreadState, p: Parsed) -> None:
    """A question about "it" asks of the product last talked about alone, else the first shown."""
    asks = p.features or p.not_features or p.conditions or p.avoid or p.flavors or p.life_stage
    other_animal = p.species is not None and state.profile.species not in (None, p.species)
    if p.refs or other_animal or not state.shown or not asks or not _ABOUT_IT.match(p.text.lower()):
        return
    ids = [s.id for s in state.shown]
    p.refs = [ids.index(state.focus) + 1 if state.focus in ids else 1]
    p.acts |= {"details", "about_it"}


def _pet_by_age(state: ThreadState, p: Parsed) -> int | None:
    """The pet "the older one" / "the younger cat" means, when two or more pets of that species are known: its index
    in ``state.pets``, -1 for the active pet, ``None`` when the words do not choose between pets."""
    if p.age_ref and p.age_years is not None:  # "now the 1 yr old": the pet of that age
        if state.profile.age_years is not None and abs(state.profile.age_years - p.age_years) < 0.01:
            return -1
        same = [
            i
            for i, pet in enumerate(state.pets)
            if pet.age_years is not None and abs(pet.age_years - p.age_years) < 0.01
        ]
        return same[0] if len(same) == 1 else None
    if p.pet_by_age is None:
        return None
    species = p.species or _SPECIES_OF.get(next(iter(p.pet_words), ""), None) or state.profile.species
    candidates: list[tuple[float, int]] = []
    for index, pet in [(-1, state.profile), *enumerate(state.pets)]:
        if pet.species not in (species, None) or pet.is_empty():
            continue
        stage = pet.effective_life_stage()
        age = pet.age_years if pet.age_years is not None else _STAGE_ORDER.get(stage or "")
        if age is not None:
            candidates.append((age, index))
    if len(candidates) < 2:
        return None
    return (max if p.pet_by_age == "older" else min)(candidates)[1]


def _names_not_brands(state: ThreadState, p: Parsed) -> None:
    """ "back to Bella" when a pet is named Bella: the pet, not Purina Bella."""
    known = {pet.name.lower() for pet in (state.profile, *state.pets) if pet.name}
    for word, brands in p.maybe_names.items():
        if word in known:
            p.brands = [b for b in p.brands if b not in brands]
            if word not in p.pet_words:
                p.pet_words.append(word)


_VET_BRAND = re.compile(r"\b(?:prescription|veterinary|vet)\b", re.IGNORECASE)


def _merge(state: ThreadState, p: Parsed) -> None:
    profile = state.profile.merged(p.profile())
    if p.not_conditions:
        profile = profile.model_copy(
            update={"conditions": [c for c in profile.conditions if c not in p.not_conditions]}
        )
    if p.not_features:
        profile = profile.model_copy(update={"features": [f for f in profile.features if f not in p.not_features]})
    if p.budget_max is not None and p.budget_period != "can" and profile.budget_per is not None:
        profile = profile.model_copy(update={"budget_per": None})  # a new budget per bag after one per can
    if p.allowed:  # "actually she can have chicken": the refusal is lifted
        profile = profile.model_copy(
            update={"avoid_ingredients": [a for a in profile.avoid_ingredients if a not in p.allowed]}
        )
    if "prescription" in profile.avoid_features and profile.product_lines:
        # no prescription: a veterinary line asked for before ("urinary so", "k/d") is no longer looked for
        lines = [line for line in profile.product_lines if not is_vet_formula(line)]
        profile = profile.model_copy(update={"product_lines": lines})
    if "prescription" in profile.avoid_features and profile.brands:
        # nor a veterinary-only brand ("y/d" asked for Hill's Prescription Diet)
        brands = [b for b in profile.brands if not _VET_BRAND.search(b)]
        profile = profile.model_copy(update={"brands": brands})
    if p.weight_kg is not None and profile.species == "dog" and p.breed_size is None and profile.breed_size is None:
        from aya.shop.understanding.breeds import size_for_weight

        if profile.age_years is None or profile.age_years >= 1:
            profile = profile.model_copy(update={"breed_size": size_for_weight(p.weight_kg)})
    state.profile = profile


def _remember_others(state: ThreadState, others: list[Parsed]) -> None:
    for other in others:
        pet = PetProfile().merged(other.profile())
        if not pet.is_empty():
            state.pets = [*state.pets, pet][-MAX_PETS:]


def _choose_pet(state: ThreadState, p: Parsed, pending: str | None) -> None:
    """Make the pet the message is about active (an existing one, or a new one)."""
    current = state.profile
    target = _find_pet(state, p)
    if target is not None:
        _activate(state, target)
        return
    new_pet = False
    if p.pet_other and not current.is_empty():
        new_pet = True  # "my other cat": not this one, and none we know
        if p.species is None:
            p.species = current.species if not p.pet_words else _SPECIES_OF.get(p.pet_words[0], current.species)
    elif p.name and current.name and p.name != current.name and not p.others:
        new_pet = True  # "also my cat Bella is 12"
    elif p.species and current.species and p.species != current.species and pending != "which_pet":
        if _CORRECTION.search(p.text) and not p.name and not state.pets:
            # "sorry i meant my dog, not the cat": the same pet, the species was wrong
            state.profile = current.model_copy(
                update={"species": p.species, "breed": None, "breed_size": None, "life_stage": None, "brands": []}
            )
            return
        new_pet = True  # "what about for a cat?"
    if new_pet:
        shopper = {"avoid_brands": list(current.avoid_brands), "budget_max": current.budget_max}
        state.pets = [*state.pets, current][-MAX_PETS:]
        state.profile = PetProfile.model_validate({k: v for k, v in shopper.items() if v not in (None, [])})


def _find_pet(state: ThreadState, p: Parsed) -> int | None:
    """The index in ``state.pets`` of the pet the message names ("the dog", "Max", "the kitten"), if another."""
    words = list(p.pet_words)
    if p.name:
        words.insert(0, p.name.lower())
    said = set(re.findall(r"[a-z]+", p.text.lower()))
    for pet in state.pets:  # "now luna", typed without a capital: a known pet's name
        if pet.name and pet.name.lower() in said and pet.name.lower() not in words:
            words.append(pet.name.lower())
    for i, pet in enumerate(state.pets):  # "now the chihuahua": a breed we know from an earlier message
        if p.breed and pet.breed == p.breed and state.profile.breed != p.breed:
            return i
    if p.species and p.species != state.profile.species and not p.others:
        words.append(p.life_stage if p.life_stage in ("puppy", "kitten") else p.species)  # "cat", "puppy first"
    for word in words:
        for i, pet in enumerate(state.pets):
            if pet.name and pet.name.lower() == word:
                return i
        if state.profile.name and state.profile.name.lower() == word:
            return None
        species = _SPECIES_OF.get(word)
        stage = _STAGE_OF.get(word)
        if species is None:
            continue
        if state.profile.species == species and (stage is None or state.profile.effective_life_stage() == stage):
            if not p.pet_other:
                return None  # the active pet
        for i, pet in enumerate(state.pets):
            if pet.species == species and (stage is None or pet.effective_life_stage() == stage):
                return i
    if p.pet_other:
        for i, pet in enumerate(state.pets):
            if p.species is None or pet.species == p.species or pet.species is None:
                if pet.species == state.profile.species or p.species is not None:
                    return i
    return None


def _pet_called(state: ThreadState, words: str) -> int | None:
    """The one known pet ``words`` ("pug", "lab", "kitten", "max") name: its index in ``state.pets``, -1 for the
    active pet, ``None`` when none or several fit."""
    found = find_breed(words)
    breed = found.breed.name if found is not None and not found.breed.generic else None
    word = words.split()[0]
    hits = []
    for index, pet in [(-1, state.profile), *enumerate(state.pets)]:
        named = pet.name is not None and pet.name.lower() == word
        by_breed = pet.breed is not None and (
            (breed is not None and set(pet.breed.split()) == set(breed.split()))
            or set(words.split()) <= set(pet.breed.split())  # "the poodle" for a toy poodle
        )
        by_kind = _SPECIES_OF.get(word) == pet.species and _STAGE_OF.get(word) in (None, pet.effective_life_stage())
        if named or by_breed or (breed is None and by_kind):
            hits.append(index)
    return hits[0] if len(hits) == 1 else None


def _activate(state: ThreadState, index: int) -> None:
    chosen = state.pets[index]
    rest = [pet for i, pet in enumerate(state.pets) if i != index]
    current = state.profile
    if not current.is_empty():
        rest.append(current)
    carry: dict[str, object] = {}
    if current.avoid_brands:
        carry["avoid_brands"] = list(dict.fromkeys([*chosen.avoid_brands, *current.avoid_brands]))
    if current.budget_max is not None and chosen.budget_max is None:
        carry["budget_max"] = current.budget_max
    state.profile = chosen.model_copy(update=carry)
    state.pets = rest[-MAX_PETS:]
