"""Aya's understanding of shopper language: one message in, one :class:`Parsed` out.

Used by the offline model (:mod:`aya.shop.offline`) and by the voice pipeline to parse spoken commands. The phrase
tables live in ``data/intent.toml``; this module holds the few rules that combine them:

- species and pet names ("my cat Milo", "a puppy named Rex");
- ages to life stages (a 3-month-old dog is a puppy, a 12-year-old cat a senior, see :mod:`aya.shop.profile`);
- breeds to species and sizes (golden retriever -> large dog);
- conditions in plain words (kidney problems, itchy skin, overweight, throws up), features (grain-free), food types;
- ingredients to avoid ("allergic to chicken", "no beef", "fish-free"), flavors to look for ("salmon");
- budgets ("under $30", "between $20 and $40", "cheap", "something cheaper"), sort wishes ("best rated");
- brands found in the catalog (passed in);
- follow-ups on shown products ("compare the first two", "tell me more about the second one", "more like the first");
- greetings, thanks, help, goodbye, and out-of-scope requests (other animals, orders, emergencies, medical, off-topic).

Deterministic and fast: a handful of precompiled regular expressions per message.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from aya.shop.profile import PetProfile

MAX_CHARS = 2000  # a shopper's message; anything longer is read up to here

OutOfScope = Literal["emergency", "other_animal", "order", "medical", "off_topic", "non_food"]
Sort = Literal["relevance", "price", "price_desc", "rating"]
Act = Literal[
    "greeting", "thanks", "goodbye", "help", "compare", "details", "similar", "cheaper", "more", "unsure", "why"
]


@dataclass
class Parsed:
    """What one message says. Absent facts stay empty; ``profile()`` gives the absolute slots as a PetProfile."""

    text: str
    species: str | None = None
    life_stage: str | None = None
    age_years: float | None = None
    breed: str | None = None
    breed_size: str | None = None
    name: str | None = None
    conditions: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    food_types: list[str] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)
    not_conditions: list[str] = field(default_factory=list)  # "she's not overweight": drop it from the profile
    flavors: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    budget_max: float | None = None
    budget_min: float | None = None
    sort: Sort | None = None
    acts: set[str] = field(default_factory=set)
    refs: list[int] = field(default_factory=list)  # 1-based positions in the shown list; -1 is the last
    refs_all: bool = False  # "them", "both", "these"
    mentions: list[str] = field(default_factory=list)  # other words that may name a shown product
    superlative: str | None = None  # "which one is cheapest?": cheapest | priciest | best_rated | most_protein
    out_of_scope: OutOfScope | None = None
    other_animal: str | None = None
    both_species: bool = False  # a dog and a cat in one message, or "both" to "a dog or a cat?"
    medical: bool = False  # asks a medical question (answered by "ask your vet", even when food can help too)
    words: int = 0

    def profile(self) -> PetProfile:
        """The pet facts this message states, as a profile to merge into what the thread knows."""
        return PetProfile.model_validate(
            {
                "name": self.name,
                "species": self.species,
                "age_years": self.age_years,
                "life_stage": self.life_stage,
                "breed": self.breed,
                "breed_size": self.breed_size,
                "conditions": self.conditions,
                "food_types": self.food_types,
                "features": self.features,
                "budget_max": self.budget_max,
                "avoid_ingredients": self.avoid,
                "brands": self.brands,
            }
        )

    @property
    def has_pet_facts(self) -> bool:
        return bool(
            self.species
            or self.life_stage
            or self.age_years is not None
            or self.breed
            or self.conditions
            or self.features
            or self.food_types
            or self.avoid
            or self.flavors
            or self.brands
            or self.budget_max is not None
            or self.name
        )

    @property
    def is_smalltalk_only(self) -> bool:
        return not self.has_pet_facts and not (self.acts - {"greeting", "thanks", "goodbye", "help"})

    @property
    def shopping(self) -> bool:
        """Whether the message asks for products (or refines what was asked)."""
        wants = {"cheaper", "more"}
        return (
            self.has_pet_facts
            or bool(self.acts & wants)
            or self.sort is not None
            or _FOOD_WORDS.search(self.text) is not None
        )


_FOOD_WORDS = re.compile(r"\b(food|foods|eat|eats|feed|feeding|diet|meal|meals|recipe|recommend|suggest|options?)\b")


# --- phrase tables -----------------------------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """Lower case, hyphens and underscores as spaces, curly quotes straightened, spaces collapsed."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"(?<=\w)[-_/](?=\w)", " ", text)
    return " ".join(text.split())


class PhraseTable:
    """Whole-word phrases mapped to values; the longest phrase wins where phrases overlap."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = {normalize_text(k): v for k, v in mapping.items() if k.strip()}
        phrases = sorted(self.mapping, key=len, reverse=True)
        body = "|".join(re.escape(p) for p in phrases) or r"(?!x)x"
        self.pattern = re.compile(rf"(?<![\w$])(?:{body})(?![\w])")

    def find(self, text: str) -> list[tuple[str, str, tuple[int, int]]]:
        """(phrase, value, span) for each match in ``text`` (already normalized), in order."""
        return [(m.group(0), self.mapping[m.group(0)], m.span()) for m in self.pattern.finditer(text)]

    def values(self, text: str) -> list[str]:
        return list(dict.fromkeys(v for _, v, _ in self.find(text)))


def _invert(table: dict[str, list[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value, phrases in table.items():
        for phrase in phrases:
            out.setdefault(phrase, value)
    return out


@dataclass(frozen=True)
class Tables:
    species: PhraseTable
    life_stage: PhraseTable
    breeds: PhraseTable  # phrase -> "species:size"
    conditions: PhraseTable
    features: PhraseTable
    food_types: PhraseTable
    ingredients: PhraseTable
    flavors: PhraseTable
    budget: PhraseTable
    followups: PhraseTable
    smalltalk: PhraseTable
    out_of_scope: PhraseTable
    ordinals: dict[str, int]
    numbers: dict[str, float]
    groups: dict[str, list[str]]
    not_names: frozenset[str]


@cache
def data() -> dict[str, Any]:
    text = resources.files("aya.shop").joinpath("data/intent.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def tables() -> Tables:
    d = data()
    breeds: dict[str, str] = {}
    for species, sizes in d["breeds"].items():
        for size, names in sizes.items():
            for name in names:
                breeds.setdefault(name, f"{species}:{size}")
    ingredient_words = d["ingredients"]["words"]
    return Tables(
        species=PhraseTable(_invert(d["species"])),
        life_stage=PhraseTable(_invert(d["life_stage"])),
        breeds=PhraseTable(breeds),
        conditions=PhraseTable(_invert(d["conditions"])),
        features=PhraseTable(_invert(d["features"])),
        food_types=PhraseTable(_invert(d["food_types"])),
        ingredients=PhraseTable({w: w for w in ingredient_words}),
        flavors=PhraseTable({w: w for w in d["ingredients"]["flavors"]}),
        budget=PhraseTable(_invert(d["budget"])),
        followups=PhraseTable(_invert(d["followups"])),
        smalltalk=PhraseTable(_invert(d["smalltalk"])),
        out_of_scope=PhraseTable(_invert(d["out_of_scope"])),
        ordinals={normalize_text(k): int(v) for k, v in d["ordinals"].items()},
        numbers={k: float(v) for k, v in d["numbers"].items()},
        groups={k: list(v) for k, v in d["ingredients"]["groups"].items()},
        not_names=frozenset(d["names"]["not_names"]),
    )


@cache
def _brand_table(brands: tuple[str, ...]) -> PhraseTable:
    mapping: dict[str, str] = {}
    for brand in brands:
        folded = normalize_text(brand).rstrip(".")
        if len(folded) >= 3:
            mapping[folded] = brand
    return PhraseTable(mapping)


# --- regular expressions -----------------------------------------------------------------------------------------

_NUM = r"(?:\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|eighteen|twenty|half an?|half)"  # noqa: E501
_AGE = re.compile(
    rf"\b(?P<num>{_NUM})(?:\s+and\s+a\s+half)?\s*(?P<unit>years?|yrs?|yo|y o|months?|mos?|weeks?|wks?)(?:\s+old)?\b"
)
_AGE_PLAIN = re.compile(
    r"\b(?:aged?|turning|turned|is|he's|she's|he is|she is|who is|who's|now)\s+(?:almost\s+|about\s+|nearly\s+)?"
    r"(?P<num>\d{1,2}(?:\.5)?)\b(?!\s*(?:%|lbs?|pounds|kg|\$|dollars|bucks|cups?|times|x\b))"
)
_MONEY = r"\$?\s*(\d+(?:\.\d{1,2})?)\s*(?:dollars?|bucks|usd)?"
_BUDGET_MAX = re.compile(
    rf"(?:under|below|less than|cheaper than|max(?:imum)?(?: of)?|up to|no more than|at most|within|not more than|"
    rf"budget(?: is| of)?|spend(?:ing)?(?: about| around)?|around|about|roughly|~)\s*{_MONEY}"
)
_BUDGET_SUFFIX = re.compile(rf"{_MONEY}\s*(?:or less|or under|or cheaper|max|tops|budget|at most)\b")
_BUDGET_RANGE = re.compile(r"(?:between\s*)?\$\s*(\d+(?:\.\d+)?)\s*(?:and|to|-|\s)\s*\$?\s*(\d+(?:\.\d+)?)")
_BUDGET_RANGE_WORDS = re.compile(r"between\s+(\d+(?:\.\d+)?)\s+and\s+(\d+(?:\.\d+)?)\s*(?:dollars|bucks)?")
_BUDGET_MIN = re.compile(rf"(?:over|above|more than|at least|minimum(?: of)?)\s*{_MONEY}")
_BARE_DOLLARS = re.compile(r"\$\s*(\d+(?:\.\d{1,2})?)")
_AVOID_LEAD = (
    r"(?:allergic to|allergy to|allergies to|intolerant to|intolerance to|sensitive to|sensitivity to|no|without|"
    r"avoid|avoiding|free of|free from|except|not|can't have|cannot have|can't eat|cannot eat|can't do|"
    r"doesn't do well with|does not do well with|reacts to|reacting to|react to|hates|doesn't like|does not like|"
    r"dislikes|won't eat|not a fan of|nothing with|anything but)"
)
_REF_NUMBER = re.compile(r"(?:#|number|no\.?|option|item|product|pick)\s*(\d)\b")
_FIRST_N = re.compile(r"\b(?:first|top)\s+(\d|two|three|four)\b")
_LAST_N = re.compile(r"\blast\s+(two|three|\d)\b")
_REF_ALL = re.compile(
    r"\b(?:both|them|these|those|all of them|all three|all four|the two|these two|those two|the three)\b"
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
_NAME_FOR = re.compile(r"\bfor\s+([A-Z][a-z]{1,15})\b")
_SUPPLY = re.compile(
    r"\b(?:food (?:bowl|dispenser|feeder|mat|storage|container|scoop)s?|chew toys?|toys"
    r"|toy(?!\s+(?:breed|dog|poodle|fox|size)))\b"
)
# A negation shortly before a condition, with no "but"/"and"/"with" in between: "he doesn't have any allergies".
_NEGATED = re.compile(
    r"\b(?:not|no|never|without|isn't|isnt|doesn't|doesnt|don't|dont|didn't|hasn't|hasnt|no longer|free of)\b"
    r"(?:(?!\b(?:but|and|with)\b)[^.,;!?])*$"
)
_SUPERLATIVE = re.compile(
    r"\b(?:which(?: one)?(?: of (?:them|these|those))?(?: is| has)?(?: the)?|the|of (?:them|these|those)(?: is)?)\s+"
    r"(cheapest|least expensive|lowest price|most affordable|most expensive|priciest|best rated|highest rated|"
    r"top rated|best reviewed|most protein|highest protein)\b(?!\s+(?:food|foods|cat|dog|dry|wet|kibble))"
)
_SIZE_WORDS = frozenset({"small", "little", "medium", "large", "big", "giant", "toy", "tiny"})
_QUESTION = re.compile(r"\?\s*$")


def _num(token: str, numbers: dict[str, float]) -> float | None:
    token = token.strip()
    if token.startswith("half"):
        return 0.5
    try:
        return float(token)
    except ValueError:
        return numbers.get(token)


# --- the parser --------------------------------------------------------------------------------------------------


def parse(text: str, *, brands: Sequence[str] = ()) -> Parsed:
    """Parse one shopper message. ``brands`` are the catalog's brand names (matched as whole phrases)."""
    t = tables()
    raw = text.strip()[:MAX_CHARS]
    norm = spoken_numbers(normalize_text(raw))
    out = Parsed(text=norm, words=len(norm.split()))
    if not norm:
        return out

    # Out of scope first: an emergency outranks everything else in the message.
    scope = t.out_of_scope.find(norm)
    scope_values = [v for _, v, _ in scope]
    if "emergency" in scope_values:
        out.out_of_scope = "emergency"

    consumed: list[tuple[int, int]] = [span for _, v, span in scope if v == "emergency"]

    # Budget and money (before numbers are read as ages or ordinals).
    _parse_budget(norm, out, consumed)

    # Ages.
    for m in _AGE.finditer(norm):
        value = _num(m.group("num"), t.numbers)
        if value is None:
            continue
        if "and a half" in m.group(0):
            value += 0.5
        unit = m.group("unit")
        if unit.startswith(("month", "mo")):
            value /= 12.0
        elif unit.startswith(("week", "wk")):
            value /= 52.0
        out.age_years = round(value, 3)
        consumed.append(m.span())
        break
    if out.age_years is None:
        m2 = _AGE_PLAIN.search(norm)
        pet_talk = t.species.find(norm) or t.breeds.find(norm) or re.search(r"\b(?:he|she)\b", norm)
        if m2 and pet_talk and float(m2.group("num")) <= 25:
            out.age_years = float(m2.group("num"))
            consumed.append(m2.span())

    # Breeds (longest first), which imply the species.
    for phrase, breed_value, span in t.breeds.find(norm):
        species, size = breed_value.split(":")
        if out.breed is None:
            generic = phrase.split()[0] in _SIZE_WORDS and phrase.endswith(("dog", "breed"))
            out.breed = None if generic else phrase  # "large breed" is a size, not a breed name
            out.species = out.species or species
            out.breed_size = size if size != "all" else None
        consumed.append(span)

    # Species.
    named = t.species.values(norm)
    if len(set(named)) > 1 and not re.search(r"\bnot (?:for )?(?:my |the |a )?(?:dog|cat|puppy|kitten)", norm):
        out.both_species = True  # "I have a dog and a cat": which one first is a question
        out.species = None
    elif named:
        out.species = named[-1]  # "not for my cat, for my dog": the last mentioned
    for _, stage, stage_span in t.life_stage.find(norm):
        if not _overlaps(stage_span, consumed):  # "8 year old cat" is an age, not "old cat"
            out.life_stage = stage
    if out.life_stage in ("puppy",) and out.species == "cat":
        out.life_stage = "kitten"
    if out.life_stage in ("kitten",) and out.species == "dog":
        out.life_stage = "puppy"

    # Ingredients to avoid, then features (so "no grain" is a feature), then conditions outside those spans.
    _parse_avoid(norm, out, consumed)
    for _, feature, span in t.features.find(norm):
        if not _overlaps(span, consumed) or feature in ("grain_free", "pea_free", "gluten_free"):
            if feature not in out.features:
                out.features.append(feature)
            consumed.append(span)
    for phrase, condition, span in t.conditions.find(norm):
        if _overlaps(span, consumed):
            continue
        if condition == "food_allergies" and out.avoid and phrase in ("allergic", "allergy", "allergies"):
            continue  # "allergic to chicken" is an ingredient to avoid, not a diet class
        if _NEGATED.search(norm[max(0, span[0] - 30) : span[0]]):
            if condition not in out.not_conditions:  # "she isn't overweight", "no longer has kidney issues"
                out.not_conditions.append(condition)
            continue
        if condition not in out.conditions:
            out.conditions.append(condition)
    for _, food_type, span in t.food_types.find(norm):
        if _overlaps(span, consumed):
            continue
        if food_type not in out.food_types:
            out.food_types.append(food_type)
    for phrase, flavor, span in t.flavors.find(norm):
        if not _overlaps(span, consumed) and flavor not in out.avoid and flavor not in out.flavors:
            out.flavors.append(phrase)

    if brands:
        out.brands = _brand_table(tuple(brands)).values(norm)

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
        out.acts.add(act)
    if "cheaper" in out.acts:
        out.sort = out.sort or "price"
    smalltalk = t.smalltalk.find(norm)
    for phrase, act, _span in smalltalk:
        if act == "unsure" and out.words > 5:
            continue
        if act == "greeting" and phrase in ("yo", "hey") and out.words > 6:
            continue
        out.acts.add(act)
    _parse_refs(norm, out, t)
    m_sup = _SUPERLATIVE.search(norm)
    if m_sup:
        word = m_sup.group(1)
        out.superlative = (
            "cheapest" if word in ("cheapest", "least expensive", "lowest price", "most affordable")
            else "priciest" if word in ("most expensive", "priciest")
            else "most_protein" if "protein" in word
            else "best_rated"
        )  # fmt: skip
    if "why" in out.acts:
        out.acts.add("details")  # "why did you pick the first one?": its details, with the reason it fits
    if out.refs and not (out.acts & {"compare", "details", "similar", "cheaper"}):
        if re.search(r"\b(?:like|similar)\b", norm):
            out.acts.add("similar")
        elif re.search(r"\b(?:and|vs|versus|or)\b", norm) and len(out.refs) >= 2:
            out.acts.add("compare")
        elif re.search(r"\b(?:about|more|what|which|how|tell|show|ingredients?|is|does)\b", norm):
            out.acts.add("details")
    out.mentions = [w for w in re.findall(r"[a-z][a-z']{3,}", norm)]

    _parse_name(raw, out, t)

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
    out.medical = "medical" in scope_values
    if "other_animals" in scope_values:
        out.other_animal = next(p for p, v, _ in scope if v == "other_animals").split()[-1]
    return out


_UNITS_1 = "one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_NUMBER_WORD = rf"(?:(?:{'|'.join(_TENS)})(?:\s(?:{'|'.join(_UNITS_1)}))?|{'|'.join(_TEENS)}|{'|'.join(_UNITS_1[1:])})"
_SPOKEN_BEFORE_UNIT = re.compile(
    rf"\b({_NUMBER_WORD})(?=\s+(?:years?|yrs?|months?|weeks?|dollars?|bucks|pounds|lbs|and a half)\b)"
)
_SPOKEN_AFTER_LEAD = re.compile(
    r"\b(under|below|than|around|about|is|he's|she's|turning|turned|aged|age|max|budget|spend|to|and|between)"
    rf"\s+({_NUMBER_WORD})\b"
)


def _word_value(words: str) -> str:
    parts = words.split()
    value = 0
    for part in parts:
        if part in _TENS:
            value += 20 + 10 * _TENS.index(part)
        elif part in _TEENS:
            value += 10 + _TEENS.index(part)
        elif part in _UNITS_1:
            value += 1 + _UNITS_1.index(part)
    return str(value)


def spoken_numbers(norm: str) -> str:
    """Number words as digits where they are ages or prices ("twelve years", "under thirty dollars"): voice input."""
    norm = _SPOKEN_BEFORE_UNIT.sub(lambda m: _word_value(m.group(1)), norm)
    return _SPOKEN_AFTER_LEAD.sub(lambda m: f"{m.group(1)} {_word_value(m.group(2))}", norm)


def _overlaps(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(span[0] < b and a < span[1] for a, b in spans)


_NOT_MONEY = re.compile(
    r"\s*(?:years?|yrs?|months?|mos?|weeks?|lbs?|pounds?|kg|%|percent|cups?|kcal|calories|grams?|oz)\b"
)
_LOOSE_LEADS = ("around", "about", "roughly", "~", "within", "spend", "up to")


def _money_ok(norm: str, m: re.Match[str], group: int = 1) -> bool:
    """A number is money when it has a $ or a currency word, or follows a price word and is not a quantity."""
    text = m.group(0)
    if "$" in text or re.search(r"dollars?|bucks|usd", text):
        return True
    if _NOT_MONEY.match(norm, m.end(group)):
        return False
    return not text.startswith(_LOOSE_LEADS)


def _parse_budget(norm: str, out: Parsed, consumed: list[tuple[int, int]]) -> None:
    for pattern in (_BUDGET_RANGE, _BUDGET_RANGE_WORDS):
        m = pattern.search(norm)
        if m and (pattern is _BUDGET_RANGE or _money_ok(norm, m, 2)):
            lo, hi = sorted((float(m.group(1)), float(m.group(2))))
            out.budget_min, out.budget_max = lo, hi
            consumed.append(m.span())
            return
    for pattern in (_BUDGET_MAX, _BUDGET_SUFFIX):
        for m in pattern.finditer(norm):
            if not _money_ok(norm, m):
                continue
            value = float(m.group(1))
            if m.group(0).startswith(("around", "about", "roughly", "~", "spend")):
                value = round(value * 1.1, 2)
            out.budget_max = value
            consumed.append(m.span())
            return
    for m in _BUDGET_MIN.finditer(norm):
        if "$" in m.group(0) or re.search(r"dollars|bucks", m.group(0)):
            out.budget_min = float(m.group(1))
            consumed.append(m.span())
            return
    m2 = _BARE_DOLLARS.search(norm)
    if m2:
        out.budget_max = float(m2.group(1))
        consumed.append(m2.span())


def _parse_avoid(norm: str, out: Parsed, consumed: list[tuple[int, int]]) -> None:
    t = tables()
    words = "|".join(re.escape(w) for w in sorted(t.ingredients.mapping, key=len, reverse=True))
    lead = re.compile(
        rf"\b{_AVOID_LEAD}\s+(?:any\s+|eating\s+|more\s+)?((?:{words})(?:\s*(?:,|or|and|nor|/)\s*(?:{words}))*)\b"
    )
    free = re.compile(rf"\b((?:{words}))\s+free\b")
    allergy = re.compile(rf"\b((?:{words}))\s+(?:allergy|allergies|allergic|intolerance|sensitivity)\b")
    found: list[str] = []
    for pattern in (lead, free, allergy):
        for m in pattern.finditer(norm):
            items = re.findall(rf"\b(?:{words})\b", m.group(1))
            found.extend(items)
            consumed.append(m.span())
    for item in found:
        if item in ("grain", "grains"):
            if "grain_free" not in out.features:
                out.features.append("grain_free")
            continue
        if item in ("pea", "peas"):
            if "pea_free" not in out.features:
                out.features.append("pea_free")
            continue
        if item == "gluten":
            if "gluten_free" not in out.features:
                out.features.append("gluten_free")
            continue
        for ingredient in t.groups.get(item, [item]):
            ingredient = {"eggs": "egg", "potatoes": "potato"}.get(ingredient, ingredient)
            if ingredient not in out.avoid:
                out.avoid.append(ingredient)


def _parse_refs(norm: str, out: Parsed, t: Tables) -> None:
    refs: list[int] = []
    m = _FIRST_N.search(norm)
    if m:
        n = int(_num(m.group(1), t.numbers) or 2)
        refs.extend(range(1, min(n, 4) + 1))
    m = _LAST_N.search(norm)
    if m:
        n = int(_num(m.group(1), t.numbers) or 2)
        refs.extend(range(-n, 0))
    for m in _REF_NUMBER.finditer(norm):
        refs.append(int(m.group(1)))
    if not refs:
        for word, value in t.ordinals.items():
            for m in re.finditer(rf"\b{re.escape(word)}\b", norm):
                if word == "top" and not re.search(r"\btop (?:one|pick|choice)\b", norm):
                    continue
                if word == "first" and re.search(r"first (?:time|owner|dog|cat|pet)", norm):
                    continue
                refs.append(value)
                _ = m
        # keep mention order
        if refs:
            order = {v: norm.find(k) for k, v in t.ordinals.items() if re.search(rf"\b{re.escape(k)}\b", norm)}
            refs = sorted(set(refs), key=lambda v: order.get(v, 0))
    out.refs = list(dict.fromkeys(refs))
    out.refs_all = bool(_REF_ALL.search(norm))


def _parse_name(raw: str, out: Parsed, t: Tables) -> None:
    patterns = (_NAME_AFTER, _NAME_MY, _NAME_IS, _NAME_MY_LOWER) if out.species else (_NAME_AFTER, _NAME_MY)
    for pattern in patterns:
        m = pattern.search(raw)
        if m:
            name = m.group(1)
            if _could_be_name(name.lower(), t):
                out.name = name.capitalize()
                return
    if out.species or out.has_pet_facts:
        m = _NAME_FOR.search(raw)
        if m and m.group(1).lower() not in t.not_names and not t.species.find(m.group(1).lower()):
            out.name = m.group(1)


def _could_be_name(word: str, t: Tables) -> bool:
    """Not a function word and not a word Aya knows as something else (a breed, a need, a food type...)."""
    if word in t.not_names or len(word) < 2:
        return False
    tables_: tuple[PhraseTable, ...] = (
        t.species, t.breeds, t.conditions, t.features, t.food_types, t.life_stage, t.flavors, t.smalltalk, t.budget,
    )  # fmt: skip
    return not any(table.find(word) for table in tables_)


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text.strip()))
