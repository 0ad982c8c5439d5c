"""One message in, one :class:`Parsed` out: the slot extractors of this package, combined.

Used by the dialogue state update (:mod:`aya.shop.understanding.dialogue`), so by the offline model and by the
context remote models get. The phrase tables live in ``data/vocabulary.toml`` and ``data/breeds.toml``; numbers,
breeds, brands, negation and references have modules of their own. This module holds the few rules that combine them:

- a message about two pets ("13 yo beagle with kidney issues and also a new kitten") is split at the second pet,
  each part parsed on its own (``Parsed.others``);
- every slot is read with its polarity: wanted, refused ("no canned"), or the past ("from dry to raw");
- numbers are read once with their role (age, weight, budget, difference, duration), breeds before species;
- references to shown products, follow-up acts, small talk and out-of-scope requests.

Deterministic and fast: precompiled tables and a handful of regular expressions per message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from aya.shop.profile import PetProfile, life_stage_for
from aya.shop.understanding import breeds as breed_table
from aya.shop.understanding.brands import CatalogTerms, Mention, brand_names, fold
from aya.shop.understanding.negation import negated_statement, polarity
from aya.shop.understanding.numbers import BudgetPeriod, listed_age, read_numbers
from aya.shop.understanding.packages import PackageWish, read_package_wish
from aya.shop.understanding.refs import Attribute, Refs, read_refs
from aya.shop.understanding.spelling import correct
from aya.shop.understanding.text import (
    PhraseTable,
    Span,
    expand_shorthand,
    invert,
    normalize_text,
    overlaps,
    spoken_numbers,
)
from aya.shop.understanding.vocabulary import data

MAX_CHARS = 2000  # a shopper's message; anything longer is read up to here

OutOfScope = Literal["emergency", "other_animal", "order", "medical", "off_topic", "non_food"]
Sort = Literal["relevance", "price", "price_desc", "rating"]


@dataclass
class Parsed:
    """What one message says. Absent facts stay empty; ``profile()`` gives the pet facts as a PetProfile."""

    text: str
    species: str | None = None
    life_stage: str | None = None
    age_years: float | None = None
    weight_kg: float | None = None
    breed: str | None = None
    breed_size: str | None = None
    name: str | None = None
    conditions: list[str] = field(default_factory=list)
    not_conditions: list[str] = field(default_factory=list)  # "she's not overweight": drop it from the profile
    features: list[str] = field(default_factory=list)
    not_features: list[str] = field(default_factory=list)  # "not grain free"
    refused_features: list[str] = field(default_factory=list)  # "i don't have a prescription": never shown
    allowed: list[str] = field(default_factory=list)  # "actually she can have chicken": no longer avoided
    not_textures: list[str] = field(default_factory=list)  # "she doesn't like pate": that texture of wet food
    food_types: list[str] = field(default_factory=list)
    not_food_types: list[str] = field(default_factory=list)  # "won't touch wet", "from dry to raw"
    avoid: list[str] = field(default_factory=list)
    flavors: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    avoid_brands: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # product lines or formulas named ("Wilderness", "k/d")
    budget_max: float | None = None
    budget_min: float | None = None
    budget_period: BudgetPeriod | None = None
    difference: float | None = None  # "$5 less elsewhere"
    count: int | None = None  # "two cats"
    sort: Sort | None = None
    acts: set[str] = field(default_factory=set)
    refs: list[int] = field(default_factory=list)  # 1-based positions in the shown list; -1 is the last
    refs_all: bool = False  # "them", "both", "these"
    ref_attribute: Attribute | None = None  # "the adult one", "the cheaper one": resolved against what was shown
    mentions: list[str] = field(default_factory=list)  # other words that may name a shown product
    superlative: str | None = None  # "which one is cheapest?": cheapest | priciest | best_rated | most_protein |
    # least_fat | fewest_calories
    package: PackageWish | None = None  # "do they come in a bigger bag?", "a trial size": other sizes of shown ones
    out_of_scope: OutOfScope | None = None
    other_animal: str | None = None
    pet_other: bool = False  # "my other cat"
    pet_words: list[str] = field(default_factory=list)  # "dog", "kitten", a name: which pet the message is about
    others: list[Parsed] = field(default_factory=list)  # more pets described in the same message
    symptoms: list[str] = field(default_factory=list)  # signs for the vet: "losing weight", "not eating much"
    medical: bool = False  # asks a medical question (answered by "ask your vet", even when food can help too)
    maybe_names: dict[str, list[str]] = field(default_factory=dict)  # "back to Bella": a brand word, or a pet's name
    pet_by_age: Literal["older", "younger"] | None = None  # "the older one", "the younger cat": of two pets
    age_ref: bool = False  # "now the 1 yr old": an age naming a pet already told of, not a new age
    first_pet: str | None = None  # "2 dogs: a pug and a lab. start with the pug": which of the pets told of first
    words: int = 0

    def profile(self) -> PetProfile:
        """The pet facts this message states, as a profile to merge into what the thread knows."""
        return PetProfile.model_validate(
            {
                "name": self.name,
                "species": self.species,
                "age_years": self.age_years,
                "life_stage": self.life_stage,
                "weight_kg": self.weight_kg,
                "breed": self.breed,
                "breed_size": self.breed_size,
                "conditions": self.conditions,
                "food_types": self.food_types,
                "features": self.features,
                "budget_max": self.budget_max,
                "budget_per": "can" if self.budget_max is not None and self.budget_period == "can" else None,
                "avoid_ingredients": self.avoid,
                "brands": self.brands,
                "avoid_brands": self.avoid_brands,
                "product_lines": self.lines,
                "avoid_food_types": self.not_food_types,
                "avoid_features": self.refused_features,
                "avoid_textures": self.not_textures,
            }
        )

    @property
    def has_pet_facts(self) -> bool:
        return bool(
            self.species
            or self.life_stage
            or self.age_years is not None
            or self.weight_kg is not None
            or self.breed
            or self.breed_size
            or self.conditions
            or self.not_conditions
            or self.features
            or self.not_features
            or self.food_types
            or self.not_food_types
            or self.not_textures
            or self.avoid
            or self.flavors
            or self.brands
            or self.avoid_brands
            or self.budget_max is not None
            or self.name
            or self.others
        )

    @property
    def is_smalltalk_only(self) -> bool:
        return not self.has_pet_facts and not (
            self.acts - {"greeting", "thanks", "goodbye", "help", "smalltalk", "ack"}
        )

    @property
    def shopping(self) -> bool:
        """Whether the message asks for products (or refines what was asked)."""
        return (
            self.has_pet_facts
            or bool(self.acts & {"cheaper", "more"})
            or self.sort is not None
            or self.pet_other
            or bool(self.pet_words)
            or _FOOD_WORDS.search(self.text) is not None
        )


_FOOD_WORDS = re.compile(r"\b(food|foods|eat|eats|feed|feeding|diet|meal|meals|recipe|recommend|suggest|options?)\b")


# --- phrase tables -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tables:
    species: PhraseTable
    life_stage: PhraseTable
    conditions: PhraseTable
    features: PhraseTable
    food_types: PhraseTable
    ingredients: PhraseTable
    flavors: PhraseTable
    budget: PhraseTable
    followups: PhraseTable
    smalltalk: PhraseTable
    out_of_scope: PhraseTable
    groups: dict[str, list[str]]
    not_names: frozenset[str]
    chat_words: frozenset[str]  # "hows", "wats", "lol", "bc": chat, never a shopper word, breed or brand
    known_words: frozenset[str]  # every word a table knows: never "corrected" into a breed or brand
    vocabulary: tuple[str, ...]  # single words of the shopper vocabulary: what a typo may be corrected to
    english: tuple[str, ...]  # other English words: a typo as close to one of them is theirs, not ours


@cache
def tables() -> Tables:
    d = data()
    ingredient_words = d["ingredients"]["words"]
    mapping = {
        "species": invert(d["species"]),
        "life_stage": invert(d["life_stage"]),
        "conditions": invert(d["conditions"]),
        "features": invert(d["features"]),
        "food_types": invert(d["food_types"]),
        "budget": invert(d["budget"]),
        "followups": invert(d["followups"]),
        "smalltalk": invert(d["smalltalk"]),
        "out_of_scope": invert(d["out_of_scope"]),
    }
    known = {w for table in mapping.values() for phrase in table for w in normalize_text(phrase).split()}
    known |= set(ingredient_words) | set(d["ingredients"]["flavors"]) | set(d["names"]["not_names"])
    vocab_words = tuple(sorted({w for w in known if w.isalpha() and len(w) >= 4}))
    chat = frozenset(normalize_text(w) for w in d["chat"]["words"])
    known |= _english_words() | set(d["texting"]["words"]) | chat
    return Tables(
        species=PhraseTable(mapping["species"]),
        life_stage=PhraseTable(mapping["life_stage"]),
        conditions=PhraseTable(mapping["conditions"]),
        features=PhraseTable(mapping["features"]),
        food_types=PhraseTable(mapping["food_types"]),
        ingredients=PhraseTable({w: w for w in ingredient_words}),
        flavors=PhraseTable({w: w for w in d["ingredients"]["flavors"]}),
        budget=PhraseTable(mapping["budget"]),
        followups=PhraseTable(mapping["followups"]),
        smalltalk=PhraseTable(mapping["smalltalk"]),
        out_of_scope=PhraseTable(mapping["out_of_scope"]),
        groups={k: list(v) for k, v in d["ingredients"]["groups"].items()},
        not_names=frozenset(d["names"]["not_names"]),
        chat_words=chat,
        known_words=frozenset(known),
        vocabulary=vocab_words,
        english=tuple(sorted(_english_words() - set(vocab_words))),
    )


def _english_words() -> frozenset[str]:
    from aya.search.typos import english_words  # the MiniLM tokenizer's whole words: "natural" is not a typo

    return english_words()


# --- regular expressions -----------------------------------------------------------------------------------------

_AVOID_LEAD = (
    r"(?:allergic to|allergy to|allergies to|allerg(?:ies|y|ic)(?=\s*[:-])|"
    r"intolerant to|intolerance to|sensitive to|sensitivity to|no|without|w/o|"
    r"avoid|avoiding|free of|free from|except|not|can't have|cannot have|can't eat|cannot eat|can't do|cant have|"
    r"cant eat|doesn't do well with|does not do well with|reacts to|reacting to|react to|hates|hate|doesn't like|"
    r"does not like|doesnt like|dislikes|won't eat|wont eat|not a fan of|nothing with|anything but|anything except|"
    r"gets sick from|gets sick on|sick of|tired of|no more|stay away from)"
)
_NAME_AFTER = re.compile(r"\b(?:named|called|name is|name's|names)\s+([A-Za-z][a-z]{1,15})\b", re.IGNORECASE)
_NAME_MY = re.compile(
    r"\b(?:[Mm]y|[Oo]ur)\s+(?:[\w-]+\s+){0,4}?(?:dog|cat|puppy|kitten|pup|kitty|boy|girl)\s*,?\s+([A-Z][a-z]{1,15})\b"
)
_NAME_IS = re.compile(
    r"(?:^|[.!?]\s+|\b(?:and|but|so)\s+)([A-Z][a-z]{1,15})\s+(?:is\s+(?:my|our|a|an|\d)|has\s+\w|was\s+(?:my|our|a|an))"
)
# Voice transcripts have no capitals: "my cat luna is twelve" (only before is/has/was/who/and, checked further).
_NAME_MY_LOWER = re.compile(
    r"\b(?:my|our)\s+(?:dog|cat|puppy|kitten|pup|kitty)\s+([a-z]{3,15})\s+(?:is|has|was|who|and)\b"
)
# Typed without capitals: "my two dogs: bella is a 9 yr old yorkie and max is a 2 yr old rottweiler".
_NAME_IS_LOWER = re.compile(
    r"(?:^|[.!?:;,]\s*|\b(?:and|but|so)\s+)([a-z]{3,15})\s+(?:is|'s)\s+(?:a|an|my|our)\s+(?:\w+\s+)?"
    r"\d+(?:\.\d+)?\s*(?:-?\s*)(?:yrs?|years?|yo|y/o|mos?|months?|wks?|weeks?)\b"
)
# A name before its pet's facts in brackets: "two cats: milo (kidney disease, 15) and luna (2, healthy)".
_NAME_PAREN = re.compile(r"(?:^|[:;,.]\s*|\b(?:and|&)\s+)([A-Za-z][a-z]{2,15})\s*\((?=[^)]*\d)")
_NAME_FOR = re.compile(r"\b(?:for|to|about|with)\s+([A-Z][a-z]{1,15})\b")
_SUPPLY = re.compile(
    r"\b(?:food (?:bowl|dispenser|feeder|mat|storage|container|scoop)s?|chew toys?|toys"
    r"|toy(?!\s+(?:breed|dog|poodle|fox|size)))\b"
)
_SUPERLATIVE = re.compile(
    r"\b(?:which(?: one)?(?: of (?:them|these|those))?(?: is| has)?(?: the)?|the|of (?:them|these|those)(?: is)?)\s+"
    r"(cheapest|least expensive|lowest price|most affordable|most expensive|priciest|best rated|highest rated|"
    r"top rated|best reviewed|most protein|highest protein|most popular|most reviews|most reviewed|best seller|"
    r"best selling|bestseller|least fat|lowest fat|leanest|least calories|fewest calories|lowest calories?|"
    r"least calorie|lowest kcal|least kcal)\b(?!\s+(?:food|foods|cat|dog|dry|wet|kibble))"
)
_WEIGHT_TALK = re.compile(r"\b(?:overweight|weight|chunky|chubby|heavy|obese|diet|pounds|lbs?|kg)\b")
_GREETING = re.compile(
    r"^(?:h+i+|he+y+a?|hel+o+|hey+o|hiya+|howdy|yo+|sup|heya|g'?day|morning|mornin|evening|gm|hola|good mornin'?)\b"
)
_SMALLTALK = re.compile(
    r"\b(?:how(?:'s| is| are) (?:your|you|it going|things|life)|how are ya|what'?s up|wassup|how have you been|"
    r"how do you do|nice to meet|are you (?:a )?(?:bot|robot|human|real|ai)|who made you|you'?re (?:great|awesome|"
    r"funny|the best|helpful)|good bot|lol|haha+|how was your)\b"
)
_EMERGENCY = re.compile(
    r"\b(?:ate|eaten|got into|swallowed|chewed|licked|drank)\b(?:(?!\b(?:but|and then)\b).){0,40}?"
    r"\b(?:chocolate|grapes?|raisins?|xylitol|gum|onions?|garlic|rat poison|poison|antifreeze|ibuprofen|advil|"
    r"tylenol|acetaminophen|pills?|medication|meds|lily|lilies|bleach|cleaner|a sock|string|batter(?:y|ies)|"
    r"macadamia|cocoa)\b"
    r"|\b(?:is|isn'?t|not|stopped|can'?t)\s+(?:breathing|responsive|responding|moving)\b"
)
_OTHER_PET = re.compile(
    r"\b(?:other|another|older|younger)\s+(?:dog|cat|pup|puppy|kitten|kitty|baby|boy|girl|pet|fur ?baby)s?\b"
)
_PET_REF = re.compile(
    r"\b(?:the|my|our|for the|with the|start with the|now the|back to the|about the)\s+"
    r"(dog|cat|puppy|pup|kitten|kitty|doggo|pooch|kitties|dogs|cats|puppies|kittens)\b"
)
# In a run-on about two species, the first pet's age said among the second's words: "... the cat is 14 and the dog is".
_TOLD_OF = re.compile(r"\bthe (cat|kitty|dog|pup|puppy|kitten) (?:is|'s) (\d{1,2}(?:\.5)?)\b(?!\s*(?:lbs?|pounds|kg))")
_SPECIES_WORD = {"cat": "cat", "kitty": "cat", "kitten": "cat", "dog": "dog", "pup": "dog", "puppy": "dog"}
# "now the 1 yr old", "ok the 13 year old next": a pet named by its age (not "the 1 yr old food").
_AGE_REF = re.compile(
    r"^(?:(?:now|ok|okay|and|then|next|what about|how about|for)\s+)*(?:the|my)\s+\d+(?:\.\d+)?\s*-?\s*"
    r"(?:years?|yrs?|yo|y/o|months?|mos?)(?:\s*-?\s*old)?(?:\s+(?:one|cat|dog|kitty|pup|boy|girl))?\s*(?:[.,!?]|$|next|now)"
)
# "start with the pug", "the kitten first", "do the lab first", "begin with Max": the pet to shop for first.
_FIRST_PET = re.compile(
    r"\b(?:start(?:ing)? with|begin(?:ning)? with|first (?:is|for)|let'?s do|lets do)\s+(?:the\s+|my\s+|our\s+)?"
    r"([a-z][\w']*(?:\s+(?!first\b|then\b|pls\b|please\b)[a-z]+)?)"
    r"|\b(?:the|my|our)\s+([a-z][\w']*)\s+first\b"
)
_PRONOUN = re.compile(r"\b(?:he|she|hes|shes|he's|she's|they're|theyre)\b")  # words about the pet: "she's 12"
_PET_SPLIT = re.compile(r"(?:,?\s+(?:and also|and|also|plus|as well as|&)\s+|[,.;]\s+|\s+(?:but|while)\s+)")


def parse(text: str, *, terms: CatalogTerms | None = None) -> Parsed:
    """Parse one shopper message. ``terms`` are the catalog's brands and lines (from ``ProductSearch.facets()``)."""
    raw = breed_table.expand_abbreviations(text.strip()[:MAX_CHARS])
    t = tables()
    norm = spoken_numbers(expand_shorthand(normalize_text(raw)))
    norm = correct(norm, t.vocabulary, _known_words(terms), t.english)
    m_first = _FIRST_PET.search(norm)
    # "..., start with the pug": the choice is no pet of its own; the pets are told apart before it
    parts = _split_pets(norm[: m_first.start()].rstrip(" ,.;") if m_first else norm, terms)
    if len(parts) > 1:
        cut = raw.lower().find(" ".join(parts[1][1].split()[:2]))
        first = _parse_one(raw[:cut] if cut > 0 else raw, parts[0][1], terms, full=norm)
        lowered = raw.lower()
        for _start, part in parts[1:]:
            at = lowered.find(" ".join(part.split()[:2]))
            other = _parse_one(raw[at:] if at >= 0 else part, part, terms, full=part)
            # wishes said once for both ("wet food for my dog and my cat") hold for each; needs stay per pet
            other.food_types = other.food_types or list(first.food_types)
            other.not_food_types = other.not_food_types or list(first.not_food_types)
            other.avoid_brands = other.avoid_brands or list(first.avoid_brands)
            other.budget_max = other.budget_max if other.budget_max is not None else first.budget_max
            lead = _LEAD_SPECIES.match(part)
            if lead and other.species == first.species != _SPECIES_WORD[lead.group(1)]:
                other.species = _SPECIES_WORD[lead.group(1)]  # "my dog and my cat …, the dog is …": the cat
            other.species = other.species or first.species  # "2 cats, a 15 year old and a 1 year old"
            first.species = first.species or other.species  # "a 2.5 yr old and a 12 yo cat"
            if first.age_years is None:  # "i have 2 dogs, 5 and 11": the first age listed bare
                first.age_years = _first_age(parts[0][1], several=True)
            if other.age_years is None:  # "... and the other is 10": a part about a pet, though it names none
                other.age_years = read_numbers(part, pet_talk=True).age_years
            if other.age_years is None:  # "2 cats aged 3 and 14": the second age listed bare
                other.age_years = listed_age(part)
            told = _TOLD_OF.search(part)
            if told and first.age_years is None and _SPECIES_WORD.get(told.group(1)) == first.species != other.species:
                first.age_years = float(told.group(2))  # "my cat and my dog the cat is 14 and the dog is 2": the cat's
            if other.name is None:  # "Max is 2 and Ruby is 13": the name, now that the species is known
                _parse_name(raw[at:] if at >= 0 else part, other, tables(), terms)
            first.others.append(other)
        _needs_by_species(norm, first, terms)
        first.text = norm
        first.words = len(norm.split())
        if m_first:
            first.first_pet = m_first.group(1) or m_first.group(2)
        return first
    return _parse_one(raw, norm, terms, full=norm)


_KNOWN: dict[int, tuple[CatalogTerms | None, frozenset[str]]] = {}


def _known_words(terms: CatalogTerms | None) -> frozenset[str]:
    """Words never corrected: the tables', the breeds', the catalog's brands and lines (cached per catalog)."""
    hit = _KNOWN.get(id(terms))
    if hit is not None and hit[0] is terms:
        return hit[1]
    known = tables().known_words | breed_table.breed_words() | (terms.words if terms is not None else frozenset())
    if len(_KNOWN) > 8:
        _KNOWN.clear()
    _KNOWN[id(terms)] = (terms, known)
    return known


# "…a cat with allergies and a dog with allergies. cat cant have fish, dog cant have beef": a clause that starts with
# a species word speaks of that pet, whatever part of the message it fell in.
_SPECIES_CLAUSE = re.compile(
    r"(?:^|[.,;!?]\s*|\b(?:and|but|while)\s+)(?:the\s+|my\s+|our\s+)?(cat|kitty|kitten|dog|puppy|pup)\s+"
    r"((?:can'?t|cant|cannot|is|isn'?t|isnt|has|hates|won'?t|wont|doesn'?t|doesnt|needs|gets|reacts)\b[^.,;!?]*)"
)
_LEAD_SPECIES = re.compile(
    r"^(?:and\s+|also\s+|plus\s+|&\s+)*(?:(?:a|an|my|our|the|one|new|other|second)\s+)*(?:[a-z]+\s+){0,3}?"
    r"(cat|kitty|kitten|dog|puppy|pup)\b"
)


def _needs_by_species(norm: str, first: Parsed, terms: CatalogTerms | None) -> None:
    """Avoidances and needs said in a clause led by a species word go to the pet of that species, and only to it."""
    pets = [first, *first.others]
    if len({p.species for p in pets}) < len(pets):
        return  # two of one species: a species word does not say which
    for m in _SPECIES_CLAUSE.finditer(norm):
        species = _SPECIES_WORD[m.group(1)]
        owner = next((p for p in pets if p.species == species), None)
        if owner is None:
            continue
        clause = parse(f"my {m.group(1)} {m.group(2)}", terms=terms)
        for pet in pets:
            if pet is not owner:  # the clause fell in another pet's part: take its facts back
                pet.avoid = [a for a in pet.avoid if a not in clause.avoid]
                pet.conditions = [c for c in pet.conditions if c not in clause.conditions]
        owner.avoid = list(dict.fromkeys([*owner.avoid, *clause.avoid]))
        owner.conditions = list(dict.fromkeys([*owner.conditions, *clause.conditions]))


def _split_pets(norm: str, terms: CatalogTerms | None) -> list[tuple[int, str]]:
    """ "13 yo beagle with kidney issues and also a new kitten": one part per pet, when two species are named."""
    t = tables()
    marks: list[tuple[int, str]] = []
    for _phrase, species, span in t.species.find(norm):
        if polarity(norm, span, clause=True) != "wanted" or re.search(
            r"\b(?:not|than|like|other|vs|versus)\s+(?:for\s+)?(?:my |the |a )?$", norm[: span[0]]
        ):
            return _split_by_age(norm)  # "my kittens are 10 weeks and my other cat is 12"
        marks.append((span[0], species))
    breeds: list[tuple[int, str]] = []  # (position, breed name): two breeds are two pets, even of one species
    offset = 0
    while len(breeds) < 3:
        found = breed_table.find_breed(norm[offset:], known_words=_known_words(terms))
        if found is None or polarity(norm, (offset + found.span[0], offset + found.span[1]), clause=True) != "wanted":
            break
        marks.append((offset + found.span[0], found.breed.species))
        if not found.breed.generic and found.breed.name not in [b for _, b in breeds]:
            breeds.append((offset + found.span[0], found.breed.name))
        offset += found.span[1]
    marks.sort()
    species_seen = [s for _, s in marks]
    if len(set(species_seen)) < 2 and len(breeds) < 2:
        return _split_by_age(norm)
    first_species = species_seen[0]
    if len(set(species_seen)) >= 2:
        second_at = next(pos for pos, s in marks if s != first_species)
    else:
        second_at = breeds[1][0]
    # cut at the last separator before the second pet's word
    cut = None
    for m in _PET_SPLIT.finditer(norm, 0, second_at):
        if m.start() > marks[0][0]:
            cut = m
    if cut is None:
        return [(0, norm)]
    return [(0, norm[: cut.start()]), (cut.end(), norm[cut.end() :])]


# Words saying a message is about more than one pet: "2 cats", "two dogs", "my kittens", "my other cat".
_SEVERAL = re.compile(r"\b(?:both|other|another|second)\b|\b(?:cats|dogs|kittens|puppies|kitties|pups|pets)\b")


def _split_by_age(norm: str) -> list[tuple[int, str]]:
    """ "2 cats, a 15 year old and a 1 year old", "my kittens are 10 weeks and my other cat is 12": two pets of one
    species told apart by age, one part each (the second takes the first's species)."""
    several = bool(_SEVERAL.search(norm))
    for cut in _PET_SPLIT.finditer(norm):
        left, right = norm[: cut.start()], norm[cut.end() :]
        if right.startswith(("a half", "half")) or _first_age(left, several=several) is None:
            continue
        first_words = " ".join(right.split()[:7])
        if several and (
            read_numbers(first_words, pet_talk=True).age_years is not None or listed_age(right) is not None
        ):
            return [(0, left), (cut.end(), right)]
        # "a 2.5 yr old and a 12 yo cat": two ages with their units, one on each side, are two pets
        if read_numbers(left, pet_talk=False).age_years is not None and re.match(
            r"(?:an?\s+|my\s+|the\s+)?(?:other\s+)?(?:one\s+)?(?:is\s+)?\d", right
        ):
            if read_numbers(first_words, pet_talk=False).age_years is not None:
                return [(0, left), (cut.end(), right)]
    return [(0, norm)]


def _first_age(left: str, *, several: bool) -> float | None:
    """The first pet's age in the part before the cut: read as usual, or, in a message about several pets, a bare
    number listed after them ("i have 2 dogs, 5 and 11")."""
    age = read_numbers(left, pet_talk=True).age_years
    if age is None and several:
        clauses = re.split(r"[,:;(]\s*", left)
        if len(clauses) > 1 and _SEVERAL.search(clauses[-2]):
            age = listed_age(clauses[-1])
    return age


_PET_BY_AGE = re.compile(
    r"\b(?:the|my|our)\s+(?:(older|oldest|elder|old|younger|youngest|young|little|baby)\s+"
    r"(?:one|cat|dog|kitty|kitten|pup|puppy|guy|girl|boy|lady|man|fella|fellow|gal)\b"
    r"|(baby|oldie|old timer|youngster|little one)(?:\s+(?:first|then|now|please|pls))?\s*(?:[.,!?]|$))"
)


def _parse_one(raw: str, norm: str, terms: CatalogTerms | None, *, full: str) -> Parsed:
    t = tables()
    out = Parsed(text=norm, words=len(norm.split()))
    if not norm:
        return out

    # Out of scope first: an emergency outranks everything else in the message.
    scope = t.out_of_scope.find(norm)
    scope_values = [v for _, v, _ in scope]
    if "emergency" in scope_values or _EMERGENCY.search(norm):
        out.out_of_scope = "emergency"
    consumed: list[Span] = [span for _, v, span in scope if v == "emergency"]

    # Breeds (before species: a breed implies it), then numbers with their roles.
    breed = breed_table.find_breed(norm, known_words=_known_words(terms))
    if breed is not None and polarity(norm, breed.span, clause=True) == "wanted":
        if not breed.breed.generic:
            out.breed = breed.breed.name if breed.breed.name != "poodle standard" or "standard" in norm else "poodle"
            out.breed = _breed_words(out.breed)
        out.species = breed.breed.species
        out.breed_size = breed.breed.size
        consumed.append(breed.span)
    pet_talk = bool(t.species.find(norm) or breed or _PRONOUN.search(norm))
    numbers = read_numbers(norm, pet_talk=pet_talk)
    consumed.extend(numbers.spans)
    out.age_years = numbers.age_years
    out.weight_kg = numbers.weight_kg
    out.budget_max, out.budget_min, out.budget_period = numbers.budget_max, numbers.budget_min, numbers.budget_period
    out.difference = numbers.difference
    out.count = numbers.count
    if out.weight_kg is not None and out.species in (None, "dog") and (out.age_years is None or out.age_years >= 1):
        if breed is None or breed.breed.generic or "mix" in norm or "doodle" in norm or breed.breed.size is None:
            if out.species == "dog" or breed is None:
                out.breed_size = breed_table.size_for_weight(out.weight_kg) if out.species == "dog" else None
        elif not (breed.breed.min_kg * 0.7 <= out.weight_kg <= breed.breed.max_kg * 1.4):
            out.breed_size = breed_table.size_for_weight(out.weight_kg)  # the pet, not the breed table

    # Species.
    named = [(v, span) for _, v, span in t.species.find(norm) if not overlaps(span, consumed)]
    wanted = [v for v, span in named if polarity(norm, span, clause=True) == "wanted"]
    if wanted:
        out.species = out.species or wanted[-1]
        if breed is None or breed.breed.generic:
            out.species = wanted[-1]  # "not for my cat, for my dog": the last wanted
    denied_stage = False
    stage_is_food = False
    for _, stage, span in t.life_stage.find(norm):
        if overlaps(span, consumed):  # "8 year old cat" is an age, not "old cat"
            continue
        if stage != "adult" and negated_statement(norm, span):
            denied_stage = True  # "she's not a senior yet", "not a puppy anymore", "no longer a kitten"
            continue
        out.life_stage = stage
        stage_is_food = bool(_STAGE_FOOD.match(norm[span[1] :]))
    if out.life_stage in ("puppy", "kitten") and out.age_years is not None and not stage_is_food:
        # "my pup ... he's a 2yr old pit mix": a pet called pup, not a puppy; the age says which stage
        species = out.species or ("cat" if out.life_stage == "kitten" else "dog")
        if life_stage_for(species, out.age_years, out.breed_size) not in ("puppy", "kitten"):
            out.life_stage, out.species = None, species
    if denied_stage and out.life_stage is None:
        out.life_stage = "adult"  # a denied stage outranks the one an age implies
    if (out.life_stage, out.species) in (("puppy", "cat"), ("kitten", "dog")):
        # "an older dog (11, lab) ... what should we get for the kitten": the kitten is another pet; without an
        # age, a young word for the wrong animal still means young ("my cat is just a puppy")
        if out.age_years is not None or re.search(rf"\b(?:the|our|my|new|a)\s+{out.life_stage}\b", norm):
            out.life_stage = None
        else:
            out.life_stage = "kitten" if out.species == "cat" else "puppy"

    # Ingredients to avoid, then features (so "no grain" is a feature), conditions, food types, flavors.
    _parse_avoid(norm, out, consumed)
    _parse_allowed(norm, out)
    feature_spans: list[tuple[str, Span]] = []
    for _, feature, span in t.features.find(norm):
        if overlaps(span, consumed) and feature not in ("grain_free", "pea_free", "gluten_free"):
            continue
        consumed.append(span)
        denied = _DENIED.search(norm[: span[0]]) or _NOT_NEEDED.match(norm[span[1] :])
        if feature in out.features and not denied:
            continue
        if not denied and (polarity(norm, span) == "wanted" or "free" in norm[span[0] : span[1]]):
            out.features.append(feature)
            feature_spans.append((feature, span))
        elif feature in _REFUSABLE_LABELS and _REFUSED_LABEL.search(norm[: span[0]]):
            # "cat food but NOT grain free": a wish against the label (the vet's DCM worry), not a statement
            if feature not in out.refused_features:
                out.refused_features.append(feature)
            out.not_features.append(feature)
        else:
            out.not_features.append(feature)
    out.features = [f for f in out.features if f not in out.not_features]  # a denial wins over a mention
    if _NO_PRESCRIPTION.search(norm):  # "i don't have a prescription", "non-prescription", "over the counter"
        out.features = [f for f in out.features if f != "prescription"]
        if "prescription" not in out.not_features:
            out.not_features.append("prescription")
        out.refused_features.append("prescription")
    if "prescription" in out.features and re.search(r"\bhydroly[sz]ed\b", norm):
        out.conditions.append("food_allergies")  # a hydrolyzed (protein) diet is the vet diet for food allergies
    for phrase, condition, span in t.conditions.find(norm):
        if overlaps(span, consumed) or condition == "none":
            continue
        if condition == "food_allergies" and out.avoid and phrase in ("allergic", "allergy", "allergies"):
            continue  # "allergic to chicken" is an ingredient to avoid, not a diet class
        if negated_statement(norm, span):
            if condition not in out.not_conditions:  # "she isn't overweight", "no longer has kidney issues"
                out.not_conditions.append(condition)
            continue
        if condition not in out.conditions:
            out.conditions.append(condition)
    for phrase, food_type, span in t.food_types.find(norm):
        if overlaps(span, consumed):
            continue
        p = polarity(norm, span)
        if p != "wanted" and phrase in _TEXTURES:
            # "she won't eat pate, only chunks": a texture of wet food refused, not wet food
            texture = _TEXTURES[phrase]
            if texture not in out.not_textures:
                out.not_textures.append(texture)
            continue
        target = out.food_types if p == "wanted" else out.not_food_types
        if food_type not in target:
            target.append(food_type)
    out.food_types = [f for f in out.food_types if f not in out.not_food_types]
    for phrase, flavor, span in t.flavors.find(norm):
        if overlaps(span, consumed) or flavor in out.avoid or phrase in out.flavors:
            continue
        if polarity(norm, span) == "wanted":
            out.flavors.append(phrase)

    for _, budget_word, _span in t.budget.find(norm):
        if budget_word == "cheap":
            out.sort = "price"
        elif budget_word == "premium":
            out.sort = "rating"
        elif budget_word == "expensive":
            out.sort = "price_desc"

    # Follow-ups, small talk, references to shown products.
    for phrase, act, _span in t.followups.find(norm):
        if (
            act == "similar"
            and phrase == "like the"
            and not re.search(r"like the (?:first|second|third|last|\w+ one)", norm)
        ):
            continue
        if act == "compare" and phrase.startswith("which") and _asks_anew(norm, out):
            continue  # "which is the best food for a senior cat" asks for food, not about the ones shown
        out.acts.add(act)
    if out.difference is not None:
        out.acts.add("cheaper")  # "chewy has it for $5 less": find it cheaper, not "under $5"
    if "cheaper" in out.acts:
        out.sort = out.sort or "price"
    smalltalk = t.smalltalk.find(norm)
    for phrase, act, _span in smalltalk:
        if act == "unsure" and out.words > 5:
            continue
        if act == "ack" and not _only_phrases(norm, [s for _, _, s in smalltalk]):
            continue  # "ok", "lol", "got it" alone; "ok so which is cheaper per lb" is a question
        if act == "greeting" and (phrase in ("yo", "hey", "hi") and _span[0] > 0):
            continue  # "13 yo beagle" is an age
        out.acts.add(act)
    if _GREETING.match(norm):
        out.acts.add("greeting")
    if _SMALLTALK.search(norm):
        out.acts.add("smalltalk")
    refs: Refs = read_refs(norm, compare="compare" in out.acts)
    out.refs, out.refs_all, out.ref_attribute = refs.positions, refs.all, refs.attribute
    out.package = read_package_wish(norm)
    if out.package is not None and refs.attribute is not None and refs.attribute[0] == "size":
        out.ref_attribute = None  # "a bigger bag" asks for another size, it does not point at the biggest shown
    if out.ref_attribute is not None:
        if out.ref_attribute[0] == "price":
            out.acts.discard("cheaper")  # "the cheaper one" points at a shown product, it asks for no new search
            out.sort = None
        if not out.acts & {"compare", "similar", "details"}:
            out.acts.add("details")
    m_sup = _SUPERLATIVE.search(norm)
    if m_sup:
        word = m_sup.group(1)
        out.superlative = (
            "cheapest" if word in ("cheapest", "least expensive", "lowest price", "most affordable")
            else "priciest" if word in ("most expensive", "priciest")
            else "most_protein" if "protein" in word
            else "least_fat" if word in ("least fat", "lowest fat", "leanest")
            else "fewest_calories" if "calorie" in word or "kcal" in word
            else "best_rated"
        )  # fmt: skip
        lean = out.superlative in ("least_fat", "fewest_calories")
        if lean and "weight_management" in out.conditions and not _WEIGHT_TALK.search(norm):
            out.conditions.remove("weight_management")  # "which has the least fat" asks about the shown ones
    if "why" in out.acts:
        out.acts.add("details")  # "why did you pick the first one?": its details, with the reason it fits
    if out.refs and not (out.acts & {"compare", "details", "similar", "cheaper"}):
        if re.search(r"\b(?:like|similar)\b", norm):
            out.acts.add("similar")
        elif re.search(r"\b(?:and|vs|versus|or)\b", norm) and len(out.refs) >= 2:
            out.acts.add("compare")
        elif re.search(r"\b(?:about|more|what|which|how|tell|show|ingredients?|is|does|has|have|got|contain)\b", norm):
            out.acts.add("details")
    out.mentions = re.findall(r"[a-z][a-z']{3,}", norm)

    # Which pet: "my other cat", "the dog", "start with the dog".
    other = _OTHER_PET.search(norm)
    out.pet_other = bool(other) and not re.search(
        r"\b(?:with|than|like|from|as)\s+(?:my|our|the)\s+$", norm[: other.start()] if other else ""
    )
    out.pet_words = [m.group(1) for m in _PET_REF.finditer(norm)]
    out.age_ref = out.age_years is not None and bool(_AGE_REF.search(norm))
    by_age = _PET_BY_AGE.search(norm)
    if by_age:
        word = by_age.group(1) or by_age.group(2)
        out.pet_by_age = "older" if word in ("older", "oldest", "elder", "old", "oldie", "old timer") else "younger"
    _parse_name(raw, out, t, terms)
    if terms is not None:
        mentions = _brand_mentions(raw, norm, out, terms)
        _parse_brands(mentions, out)
        inside = {f for f, span in feature_spans if any(overlaps(span, [m.span]) for m in mentions)}
        out.features = [f for f in out.features if f not in inside]  # "natural balance" asks for no natural label
    if "prescription" in out.refused_features:
        # no prescription: the vet line named in the same breath ("hills c/d, but we can't get a script") is not
        # looked for; its condition is (non-prescription foods that support it)
        out.features = [f for f in out.features if f != "prescription"]
        out.lines = [line for line in out.lines if not is_vet_formula(line)]

    # Out of scope (besides emergencies): only when the message is not also about a dog or cat.
    if out.out_of_scope is None:
        if "other_animals" in scope_values and out.species is None:
            out.out_of_scope = "other_animal"
        elif "non_food" in scope_values and (_SUPPLY.search(norm) or not (_FOOD_WORDS.search(norm) or out.food_types)):
            out.out_of_scope = "non_food"
        elif "orders" in scope_values and not (out.has_pet_facts or out.acts & {"compare", "details", "similar"}):
            out.out_of_scope = "order"
        elif "medical" in scope_values and not out.conditions:
            out.out_of_scope = "medical"
        elif "off_topic" in scope_values and not out.has_pet_facts:
            out.out_of_scope = "off_topic"
        elif "off_topic_task" in scope_values and not _asks_about_food(norm, out):
            out.out_of_scope = "off_topic"  # "help with my essay", "write a poem about my cat"
    out.medical = "medical" in scope_values
    out.symptoms = _symptoms(norm)
    if "other_animals" in scope_values:
        out.other_animal = next(p for p, v, _ in scope if v == "other_animals").split()[-1]
    return out


_SHOWN_WORDS = re.compile(r"\b(?:these|those|them|they|one|ones|of the|both|either|here|above|shown|\d+)\b")


def _asks_anew(norm: str, out: Parsed) -> bool:
    """A "which is best" question about food in general ("which is the best kibble for a lab"), not the ones shown."""
    food = re.search(r"\b(?:foods?|kibble|diets?|brands?|meals?|recipes?)\b", norm)
    names_food = out.food_types or out.species or food
    return bool(names_food) and _SHOWN_WORDS.search(norm) is None


def _asks_about_food(norm: str, out: Parsed) -> bool:
    """Whether the message asks about food at all (a pet named alone does not: "write a poem about my cat")."""
    return bool(
        _FOOD_WORDS.search(norm)
        or out.food_types
        or out.conditions
        or out.features
        or out.avoid
        or out.flavors
        or out.brands
        or out.budget_max is not None
        or out.refs
        or out.acts & {"compare", "details", "similar", "cheaper", "more"}
    )


def _only_phrases(norm: str, spans: list[Span]) -> bool:
    """Whether ``norm`` says nothing but the phrases at ``spans`` (punctuation and "aya" aside)."""
    rest = "".join(ch if not any(a <= i < b for a, b in spans) else " " for i, ch in enumerate(norm))
    return not re.sub(r"\baya\b|[^a-z0-9]", "", rest)


def _breed_words(name: str) -> str:
    """ "poodle toy" -> "toy poodle": the table's sorted names in the order owners say them."""
    for size in ("toy", "miniature", "standard"):
        if name.endswith(" " + size):
            return f"{size} {name[: -len(size) - 1]}"
    return name


def _parse_brands(mentions: list[Mention], out: Parsed) -> None:
    """Wanted and refused brands; a line or formula narrows its family ("hills k/d": Hill's Prescription Diet)."""
    specific = [m for m in mentions if m.line]
    kept: list[Mention] = []
    for m in mentions:
        if not m.line and any(set(s.brands) < set(m.brands) and s.refused == m.refused for s in specific):
            continue  # "hills" inside "hills k/d": the formula says which Hill's
        kept.append(m)
    out.brands = brand_names(kept, refused=False)
    out.avoid_brands = brand_names(kept, refused=True)
    for m in kept:
        if m.refused:
            continue
        if m.line and m.line not in out.lines:
            out.lines.append(m.line)
        if m.line in _vet_formulas() and "prescription" not in out.features:
            out.features.append("prescription")  # "urinary so", "k/d", "en gastro": a vet diet named by its line
        if m.condition and m.condition not in out.conditions:
            out.conditions.append(m.condition)


@cache
def _vet_formulas() -> frozenset[str]:
    return frozenset(data()["formulas"])


def is_vet_formula(line: str) -> bool:
    """Whether a product line asked for is a veterinary formula ("urinary so", "k/d")."""
    return line in _vet_formulas() or line.lower() in _vet_formulas()


# An ingredient as the cause of a reaction: "chicken makes him itchy", "beef upsets her stomach", "salmon gave her
# diarrhea", "lamb doesn't agree with him". Bare verbs of harm are enough; make/give need a harm word after them
# ("chicken makes him happy" avoids nothing).
_HARM_VERB = (
    r"(?:upsets?|upset|disagrees? with|doesn'?t agree with|does not agree with|don'?t agree with|irritates?|"
    r"bothers?|triggers?|breaks? (?:him|her|them) out|broke (?:him|her|them) out)"
)
_HARM_AFTER = (
    r"(?:makes?|made|gives?|gave|causes?|caused)\s+(?:\w+\s+){0,3}?"
    r"(?:itch\w*|sick|ill|(?:the )?runs|vomit\w*|throw(?:s|ing)? up|puk\w*|diarrh\w*|gas\w*|loose|runny|rash\w*|hives|"
    r"scratch\w*|break out|bloat\w*|upset|allerg\w*|reaction\w*|ear infections?|hot spots?|red|flare\w*)"
)

# The reaction first, then what causes it: "throws up anything with fish oil", "gets itchy from food with chicken in
# it", "breaks out on anything containing beef", "vomits after eating salmon".
_HARMED = (
    r"(?:throws? up|throwing up|threw up|vomits?|vomiting|vomited|pukes?|puking|puked|gets? (?:sick|itchy|the runs|"
    r"diarrh\w*|gassy|hot spots|rashes|ear infections)|got (?:sick|itchy|the runs)|breaks? out|broke out|itches|"
    r"scratches|reacts?|reacted|has (?:a )?reactions?|gets? (?:a )?reactions?)"
)
_CARRIER = (
    r"(?:(?:on|from|to|after|with)\s+)?(?:(?:anything|everything|any food|food|foods|stuff|whatever|all food|kibble|"
    r"recipes?)\s+)?(?:with|that has|that have|containing|made with|w/|w|from|after eating|eating)"
)


@cache
def _symptom_pattern() -> re.Pattern[str]:
    phrases = sorted(data()["symptoms"]["vet_check"], key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b")


def _symptoms(norm: str) -> list[str]:
    """Signs for the vet named in the message (not when denied: "she isn't losing weight")."""
    return [
        m.group(0)
        for m in _symptom_pattern().finditer(norm)
        if not negated_statement(norm, m.span()) and not _WEIGHT_GOAL.search(norm[max(0, m.start() - 25) : m.start()])
    ]


# "he needs to start losing weight", "help with losing weight": a goal, not a sign
_WEIGHT_GOAL = re.compile(
    r"\b(?:needs?|needed|should|must|trying|try|tries|help|helps|helping|start|for|with|goal|wants?)"
    r"(?: to)?(?: \w+)?\s+$"
)


@cache
def _ingredient_words() -> str:
    """The shopper's ingredient words as one alternation, longest first (shared by every ingredient pattern)."""
    return "|".join(re.escape(w) for w in sorted(tables().ingredients.mapping, key=len, reverse=True))


def _listed(*, run_together: bool = False) -> str:
    """A list of ingredient words as one group: "chicken, beef or fish" (and "corn wheat soy" with ``run_together``)."""
    words = _ingredient_words()
    if run_together:
        return rf"((?:{words})(?:(?:\s*(?:,|or|and|nor|/)\s*|\s+)(?:other\s+|any\s+)?(?:{words}))*)"
    return rf"((?:{words})(?:\s*(?:,|or|and|/)\s*(?:{words}))*)"


@cache
def _ingredient_word() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{_ingredient_words()})\b")


@cache
def _avoid_patterns() -> tuple[re.Pattern[str], ...]:
    words = _ingredient_words()
    # "no corn, wheat or soy", also run together: "no corn wheat or soy", "no corn/wheat/soy"
    listed = _listed(run_together=True)
    lead = re.compile(rf"\b{_AVOID_LEAD}(?:\s*[:-]\s*|\s+)(?:any\s+|eating\s+|more\s+|the\s+)?{listed}\b")
    free = re.compile(rf"\b((?:{words}))\s+free\b")
    allergy = re.compile(rf"\b((?:{words}))\s+(?:allergy|allergies|allergic|intolerance|sensitivity)\b")
    harm = re.compile(rf"\b{listed}\s+(?:(?:food|based food|recipes?|kibble)\s+)?(?:{_HARM_VERB}|{_HARM_AFTER})\b")
    harmed_by = re.compile(rf"\b{_HARMED}\s+{_CARRIER}\s*(?:any\s+|the\s+)?{listed}\b")
    return lead, free, allergy, harm, harmed_by, _ingredient_word()


# Refusing the vet's authorization: a veterinary diet is then never shown (``PetProfile.avoid_features``). A question
# ("does it need a prescription?") is not a refusal.
_RX = r"(?:prescription|perscription|presciption|script|rx|vet diet|vet food|prescription diet|prescription food)"
_NO_PRESCRIPTION = re.compile(
    r"\bnon[- ]?" + _RX + r"\b|\bover the counter\b|\botc\b|"
    r"\b(?:without|no|w/?o)\s+(?:a\s+|an\s+|any\s+|the\s+|vets?\s+)?" + _RX + r"\b|"
    r"\b(?:don'?t|do not|dont|doesn'?t|doesnt|can'?t|cannot|cant|won'?t|wont|didn'?t|didnt|haven'?t|havent|"
    r"hasn'?t|hasnt|not|never|no way to|unable to)\s+(?:\w+\s+){0,2}?"
    r"(?:have|has|get|got|want|need|getting|afford|give|gave|do|doing|pay for|looking for|interested in)\s+"
    r"(?:(?:a|an|any|the|us|me|her|him)\s+)*"
    r"(?:vets?\s+)?" + _RX + r"\b|"
    r"\b" + _RX + r"\s+(?:is|are)?\s*(?:too expensive|not an option|out of the question)|"
    r"\b(?:can'?t|cant|cannot|unable to|not able to|won'?t|wont|no time to)\s+(?:get|go|make it|see|afford|take "
    r"(?:her|him|them|it))\b[^.,;!?]{0,25}\bfor (?:a |an |the |any )?" + _RX + r"\b"
)
# Textures of wet food, as the shopper says them -> the word a product's title uses
_TEXTURES = {
    "pate": "pate", "pâté": "pate", "pates": "pate", "gravy": "gravy", "chunks": "chunks", "loaf": "loaf",
    "shreds": "shreds", "shredded": "shreds", "minced": "minced", "morsels": "morsels", "mousse": "mousse",
    "stew": "stew", "in broth": "broth",
}  # fmt: skip
# "grain free isn't necessary", "grain free is not needed": the label denied after it
_NOT_NEEDED = re.compile(
    r"^\s*(?:is ?n'?t|is not|isnt|not|are ?n'?t|are not)\s+(?:really\s+)?"
    r"(?:necessary|needed|required|a must|important)\b"
)
# A label refused as a wish (the clause starts with the refusal): "…food but NOT grain free", "no grain free pls"
_REFUSED_LABEL = re.compile(
    r"(?:^|[,.;!?:]\s*|\b(?:but|and|food|kibble|something|anything|pls|please|preferably|said|says|recommends?)\s+)"
    r"(?:(?:i|we)\s+)?(?:not|no|nothing|never|don'?t want|dont want|do not want|avoid(?:ing)?)\s+(?:any\s+|a\s+)?$"
)
_REFUSABLE_LABELS = frozenset({"grain_free"})
_STAGE_FOOD = re.compile(r"\s*(?:food|formula|kibble|chow|recipe|diet|cans?|wet|dry)\b")
# A feature denied by the words right before it: "not grain free", "i dont want grain free".
_DENIED = re.compile(
    r"\b(?:not|no|never|isn'?t|without|don'?t want|dont want|doesn'?t need|doesnt need)\s+(?:\w+\s+)?$"
)
# Words whose refusal is also a label feature: the feature ranks the labels, the exclusion (the family) is never
# relaxed.
_FREE_FEATURE = {
    "grain": "grain_free",
    "grains": "grain_free",
    "pea": "pea_free",
    "peas": "pea_free",
    "legume": "pea_free",
    "legumes": "pea_free",
    "gluten": "gluten_free",
}


def _parse_avoid(norm: str, out: Parsed, consumed: list[Span]) -> None:
    t = tables()
    lead, free, allergy, harm, harmed_by, word = _avoid_patterns()
    found: list[tuple[str, bool]] = []  # (word, refused outright: "can't have peas", not only "pea free")
    for pattern in (lead, free, allergy, harm, harmed_by):
        for m in pattern.finditer(norm):
            if pattern is lead and re.match(r"\s*free\b", norm[m.end() :]):
                continue  # "not grain free" denies a feature, it avoids no grain
            if pattern is free and (_DENIED.search(norm[: m.start()]) or _NOT_NEEDED.match(norm[m.end() :])):
                continue  # "not grain free", "i don't want grain free": the feature loop records the denial
            items = word.findall(m.group(1))
            # "legume free" is broader than any label (a pea-free label may still list lentils or soybean meal):
            # it asks for the pea-free label and excludes the whole family
            found.extend((item, pattern is not free or item in ("legume", "legumes")) for item in items)
            consumed.append(m.span())
    if _ALLERGY_TALK.search(norm):
        # "scratching constantly, vet thinks chicken": a suspected allergen is avoided like a known one
        for m in _suspect_pattern().finditer(norm):
            found.extend((item, True) for item in word.findall(m.group(1)))
            consumed.append(m.span())
    for item, refused in found:
        feature = _FREE_FEATURE.get(item)
        if feature is not None:
            if feature not in out.features:
                out.features.append(feature)
            if not refused:
                continue  # "grain free" asks for a label; "no grains" / "allergic to peas" also excludes the family
        for ingredient in t.groups.get(item, [item]):
            ingredient = {"eggs": "egg", "potatoes": "potato"}.get(ingredient, ingredient)
            if ingredient not in out.avoid:
                out.avoid.append(ingredient)


_ALLERGY_TALK = re.compile(
    r"\b(?:allerg\w*|intoleran\w*|sensitiv\w*|itch\w*|scratch\w*|lick\w* (?:his|her|its|their) paws|hot spots?|"
    r"rash\w*|hives|ear infections?|reaction|skin|elimination diet|upset\w*|diarr?h?\w*|vomit\w*|throw\w* up)\b"
)


@cache
def _suspect_pattern() -> re.Pattern[str]:
    listed = _listed()
    return re.compile(
        r"\b(?:vet (?:thinks|says|said|suspects|believes|guesses)|(?:i|we) (?:think|suspect|guess|bet)|suspect(?:ed)?|"
        r"probably|might be|could be|maybe|likely)\s+(?:(?:it'?s|its|it is|it was|that it'?s)\s+)?(?:the\s+)?"
        rf"{listed}\b(?!\s+(?:recipe|formula|flavou?r|food|kibble)\b)"
    )


@cache
def _allowed_patterns() -> tuple[re.Pattern[str], ...]:
    listed = _listed()
    return (
        re.compile(
            r"\b(?:can (?:have|eat|do|handle|tolerate)|is fine with|fine with|ok with|okay with|no problem with|"
            r"(?:is ?n'?t|is not|isnt|not) allergic to|does (?:fine|ok|okay|well) (?:with|on)|tolerates)\s+"
            rf"(?:some\s+)?{listed}\b"
        ),
        re.compile(
            rf"\b{listed}\s+(?:is|are|was|were)\s+(?:fine|ok|okay|alright|all right|not a problem|no problem)\b"
        ),
        re.compile(rf"\b{listed}\s+(?:doesn'?t|does not|dont|don'?t) (?:bother|upset|affect) (?:him|her|them|it)\b"),
    )


def _parse_allowed(norm: str, out: Parsed) -> None:
    """ "actually she can have chicken, just not fish": an ingredient allowed again is no longer avoided."""
    t = tables()
    for pattern in _allowed_patterns():
        for m in pattern.finditer(norm):
            for item in _ingredient_word().findall(m.group(1)):
                for ingredient in t.groups.get(item, [item]):
                    if ingredient not in out.allowed:
                        out.allowed.append(ingredient)
    out.avoid = [a for a in out.avoid if a not in out.allowed]


def _parse_name(raw: str, out: Parsed, t: Tables, terms: CatalogTerms | None) -> None:
    """The pet's name. A word that is also a brand ("Bella", "Wellness") is a name only where the words say so:
    "named Bella", "my dog Bella", or "Bella is my 6 year old husky" (a pet described after it), never "Wellness
    is my favourite brand"."""
    patterns = (
        (_NAME_AFTER, _NAME_MY, _NAME_IS, _NAME_MY_LOWER, _NAME_IS_LOWER, _NAME_PAREN)
        if out.species
        else (_NAME_AFTER, _NAME_MY, _NAME_PAREN)
    )
    for pattern in patterns:
        m = pattern.search(raw)
        if m:
            name = m.group(1)
            if _could_be_name(name.lower(), t) and (
                pattern in (_NAME_AFTER, _NAME_MY) or not _brand_word(name, terms) or _pet_after(raw[m.end(1) :], t)
            ):
                out.name = name.capitalize()
                return
    m = _NAME_FOR.search(raw)
    if m and _could_be_name(m.group(1).lower(), t) and not _brand_word(m.group(1), terms):
        out.pet_words.append(m.group(1).lower())  # "back to Max": a name the thread may know


def _brand_mentions(raw: str, norm: str, out: Parsed, terms: CatalogTerms) -> list[Mention]:
    """The brands and lines named, without the words that name this pet or its breed: "Bella is my husky" is not
    Purina Bella, "a 2 yr old siamese" not Royal Canin's Siamese line. A capitalized brand word that may be a name
    ("back to Bella") is kept as a brand and recorded in ``maybe_names``: the dialogue state knows the pets' names."""
    folded = fold(norm)
    names = {fold(w) for w in (out.name, *out.pet_words) if w}
    capitalized = {fold(w) for w in re.findall(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]{1,15})\b", raw.strip())}
    kept: list[Mention] = []
    for m in terms.find(norm, known_words=tables().known_words):
        said = folded[m.span[0] : m.span[1]]
        if said in names:
            continue
        breed = breed_table.find_breed(said)
        if breed is not None and breed.span == (0, len(said)):
            continue
        if said in capitalized and not m.refused and " " not in said:
            out.maybe_names[said] = list(m.brands)
        kept.append(m)
    return kept


def _brand_word(word: str, terms: CatalogTerms | None) -> bool:
    return terms is not None and fold(word) in terms.targets


def _pet_after(rest: str, t: Tables) -> bool:
    """Whether the clause after a name describes a pet ("is my 6 year old husky"), not a product ("is my go-to")."""
    clause = normalize_text(re.split(r"[.;!?,]", rest, maxsplit=1)[0])
    if re.search(r"\b(?:brand|brands|food|kibble|favou?rite|go to|best|better|good|great)\b", clause):
        return False
    return bool(
        t.species.find(clause)
        or t.life_stage.find(clause)
        or breed_table.find_breed(clause) is not None
        or re.search(r"\b\d+\s*(?:yo|y/o|years?|yrs?|months?|mos?|weeks?|lbs?|pounds?|kg)\b", clause)
    )


def _could_be_name(word: str, t: Tables) -> bool:
    """Not a function word and not a word Aya knows as something else (a breed, a need, a food type...)."""
    if word in t.not_names or len(word) < 2:
        return False
    tables_: tuple[PhraseTable, ...] = (
        t.species, t.conditions, t.features, t.food_types, t.life_stage, t.flavors, t.smalltalk, t.budget,
    )  # fmt: skip
    if breed_table.find_breed(word) is not None:
        return False
    return not any(table.find(word) for table in tables_)
