"""References to the products shown: "the second one", "1 and 3", "#2", "the first two", "the last one", "both".

Positions are 1-based as the shopper counts; -1 is the last. Resolving them against the list (and names, brands,
"the cheaper one") is the policy's job, which knows what was shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple, Protocol

from aya.shop.understanding.text import normalize_text
from aya.shop.understanding.vocabulary import data

_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "top": 1, "last": -1, "middle": 2,
}  # fmt: skip
_COUNTS = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}
_REF_NUMBER = re.compile(r"(?:#|\bnumber\s*|\bno\.?\s*|\boption\s*|\bitem\s*|\bproduct\s*|\bpick\s*)(\d)\b")
_BARE_PAIR = re.compile(
    r"(?<![\d$.])\b([1-9])\s*(?:,|and|&|vs\.?|versus|with|to|or)\s*(?:#\s*)?([1-9])\b(?![\d.%]|\s*(?:lbs?|kg|years?|yrs?|months?|\$))"
)
_FIRST_N = re.compile(r"\b(?:first|top)\s+(\d|two|three|four)\b")
_LAST_N = re.compile(r"\blast\s+(two|three|\d)\b")
_ORDINAL = re.compile(r"\b(" + "|".join(sorted(_ORDINALS, key=len, reverse=True)) + r")\b")
_REF_ALL = re.compile(
    r"\b(?:both|them|these|those|all of them|all three|all four|the two|these two|those two|the three|either)\b"
)


class Attribute(NamedTuple):
    """What "the adult one", "the salmon one", "the big bag" point at: a field of the shown products and a value.

    Fields: ``life_stage``, ``food_type``, ``feature``, ``breed_size`` (equal values); ``price``, ``size``, ``protein``
    (``min`` or ``max`` among those shown); ``word`` (words of the title or brand: "salmon", "purina", "blue buffalo").
    """

    field: str
    value: str


# "the X one", "that X bag", "the X ones": X is up to three words. Known attributes may also say "food".
_ATTRIBUTE = re.compile(
    r"\b(?:the|that|this|those|these)\s+((?:[a-z$&'/.]+\s+){0,2}?[a-z$&'/.]+)\s+"
    r"(one|ones|food|bag|bags|can|cans|kind|version|recipe|formula|flavou?r|brand)\b"
)
_ONE_WITH = re.compile(
    r"\b(?:the|that)\s+(?:one|ones|bag|food|can)\s+(?:with|that has|that's|thats|which has|made with|in)\s+"
    r"(?:the\s+)?((?:[a-z'/]+\s+){0,2}?[a-z'/]+)(?=\s*(?:[?.!,]|$|\s+(?:in it|please|pls|again)\b))"
)
_ONE_FOR = re.compile(r"\b(?:the|that)\s+(?:one|ones|food|bag)\s+for\s+(puppies|kittens|seniors|adults|small|large)\b")
_FIXED: dict[str, Attribute] = {
    "cheaper": Attribute("price", "min"), "cheapest": Attribute("price", "min"),
    "less expensive": Attribute("price", "min"), "least expensive": Attribute("price", "min"),
    "more affordable": Attribute("price", "min"), "lower priced": Attribute("price", "min"),
    "pricier": Attribute("price", "max"), "priciest": Attribute("price", "max"),
    "more expensive": Attribute("price", "max"), "most expensive": Attribute("price", "max"),
    "bigger": Attribute("size", "max"), "biggest": Attribute("size", "max"), "big": Attribute("size", "max"),
    "larger": Attribute("size", "max"), "largest": Attribute("size", "max"), "huge": Attribute("size", "max"),
    "smaller": Attribute("size", "min"), "smallest": Attribute("size", "min"), "little": Attribute("size", "min"),
    "small breed": Attribute("breed_size", "small"), "large breed": Attribute("breed_size", "large"),
    "big dog": Attribute("breed_size", "large"), "small dog": Attribute("breed_size", "small"),
    "toy breed": Attribute("breed_size", "small"), "giant breed": Attribute("breed_size", "large"),
    "high protein": Attribute("protein", "max"), "higher protein": Attribute("protein", "max"),
    "protein rich": Attribute("protein", "max"), "most protein": Attribute("protein", "max"),
    "puppies": Attribute("life_stage", "puppy"), "kittens": Attribute("life_stage", "kitten"),
    "seniors": Attribute("life_stage", "senior"), "adults": Attribute("life_stage", "adult"),
    "older": Attribute("life_stage", "senior"),
}  # fmt: skip
# With "bag"/"can" a size word is the package's ("the big bag"); with "one"/"food" "large"/"small" may be the breed.
_SIZE_NOUNS = frozenset({"bag", "bags", "can", "cans"})
_NOT_ATTRIBUTES = frozenset(
    """other same first second third fourth fifth last next previous top middle one two three right wrong new old
    current usual regular whole only good best better bad worst main original actual exact real this that these
    those your my his her their our its dog dogs cat cats pet pets other's which what any some every each another
    following above below recommended suggested cheap expensive""".split()
)


@cache
def _vocabulary() -> dict[str, Attribute]:
    """Shopper words for stages, food types and features (``data/vocabulary.toml``) as attributes ("no grain" and
    other negated phrases left out: "the no grain one" is rare, "the grain free one" is read)."""
    d = data()
    out: dict[str, Attribute] = {}
    for section, field_ in (("life_stage", "life_stage"), ("food_types", "food_type"), ("features", "feature")):
        for value, phrases in d[section].items():
            for phrase in phrases:
                words = normalize_text(str(phrase))
                if not words.startswith(("no ", "without ", "zero ")):
                    out.setdefault(words, Attribute(field_, str(value)))
    return out


def read_attribute(norm: str) -> Attribute | None:
    """The attribute a message picks a shown product by ("the adult one", "the cheaper one", "the salmon one", "the
    big bag", "the one with salmon", "the purina one"), or None."""
    m = _ONE_FOR.search(norm)
    if m:
        return _FIXED.get(m.group(1)) or Attribute("breed_size", m.group(1))
    for m in _ATTRIBUTE.finditer(norm):
        attribute = _attribute_of(m.group(1).strip(), m.group(2))
        if attribute is not None:
            return attribute
    m = _ONE_WITH.search(norm)
    if m:
        return _attribute_of(m.group(1).strip(), "one")
    return None


def _attribute_of(words: str, noun: str) -> Attribute | None:
    words = words.strip(" .'")
    if noun in _SIZE_NOUNS and words in ("large", "small", "big", "little"):
        return Attribute("size", "max" if words in ("large", "big") else "min")
    if words in _FIXED:
        return _FIXED[words]
    known = _vocabulary().get(words)
    if known is not None:
        return known
    if noun == "food" or re.search(r"\d", words):
        return None  # "she loves the chicken food" states a wish; "the 5 lb one" is a size, not a word
    tokens = words.split()
    if any(t in _NOT_ATTRIBUTES for t in tokens) or all(len(t) < 3 for t in tokens):
        return None  # "the other one", "the first bag", "that new food"
    return Attribute("word", words)


@dataclass
class Refs:
    positions: list[int] = field(default_factory=list)
    all: bool = False
    attribute: Attribute | None = None  # "the adult one": (field, value) to find among the products shown


def read_refs(norm: str, *, compare: bool = False) -> Refs:
    """Positions the message points at; ``compare``: bare numbers ("compare 1 and 3") are positions too."""
    refs: list[int] = []
    m = _FIRST_N.search(norm)
    if m:
        refs.extend(range(1, _COUNTS.get(m.group(1), 2) + 1))
    m = _LAST_N.search(norm)
    if m:
        n = _COUNTS.get(m.group(1), 2)
        refs.extend(range(-n, 0))
    refs.extend(int(m.group(1)) for m in _REF_NUMBER.finditer(norm))
    if compare or re.search(r"\b(?:vs|versus)\b", norm):
        for m in _BARE_PAIR.finditer(norm):
            refs.extend([int(m.group(1)), int(m.group(2))])
    if not refs:
        for m in _ORDINAL.finditer(norm):
            word = m.group(1)
            after = norm[m.end() :]
            if word == "top" and not re.match(r"\s+(?:one|pick|choice)\b", after):
                continue
            if word == "first" and re.match(r"\s+(?:time|owner|dog|cat|pet|bag|thing|week|day|month)", after):
                continue
            if word == "last" and re.match(r"\s+(?:time|week|month|year|night|bag|visit|vet)", after):
                continue
            if word == "last" and re.search(
                r"\b(?:will|would|does|do|did|to|it|that|this|they|bag|case|can|box|food)\s+(?:\w+\s+)?$|\blong\b.*$",
                norm[: m.start()],
            ):
                continue  # "how long will a case last her": the verb, not "the last one"
            if word == "second" and re.match(r"\s+(?:dog|cat|pet|opinion)", after):
                continue
            if word == "middle" and not re.match(r"\s+one\b", after):
                continue
            refs.append(_ORDINALS[word])
    return Refs(list(dict.fromkeys(refs)), bool(_REF_ALL.search(norm)), read_attribute(norm))


class ShownLike(Protocol):
    """What matching an attribute reads of a product shown (:class:`aya.shop.state.ShownProduct`)."""

    @property
    def title(self) -> str: ...
    @property
    def brand(self) -> str: ...
    @property
    def price(self) -> float: ...
    @property
    def life_stage(self) -> str: ...
    @property
    def food_type(self) -> str: ...
    @property
    def protein_min(self) -> float | None: ...
    @property
    def size(self) -> str: ...
    @property
    def breed_size(self) -> str | None: ...
    @property
    def special_features(self) -> list[str]: ...


_WEIGHT = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*(lbs?|pounds?|oz|ounces?|kg|kilograms?|g|grams?)\b")
_CASE = re.compile(r"(?:case|pack) of (\d+)|(\d+)\s*-?\s*(?:count|pack|ct)\b")
_TO_KG = {"lb": 0.4536, "pound": 0.4536, "oz": 0.02835, "ounce": 0.02835, "kg": 1.0, "kilogram": 1.0, "g": 0.001,
          "gram": 0.001}  # fmt: skip


def package_kg(size: str, title: str = "") -> float | None:
    """The package's weight in kg from its size text ("30-lb bag", "3-oz can, case of 24"), or None."""
    text = normalize_text(f"{size} {title}" if size else title)
    m = _WEIGHT.search(text)
    if m is None:
        return None
    unit = m.group(2).rstrip("s")
    kg = float(m.group(1)) * _TO_KG.get(unit, _TO_KG.get(unit.removesuffix("s"), 0.0))
    case = _CASE.search(text)
    if case:
        kg *= float(case.group(1) or case.group(2))
    return round(kg, 4) if kg > 0 else None


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9']+", normalize_text(text).replace("'s", ""))) + " "


def _says(text: str, words: str) -> bool:
    """Whole words of ``words`` in ``text`` (a plural "s" forgiven: "the salmon ones", "the sardine one")."""
    hay, needle = _words(text), _words(words).strip()
    return f" {needle} " in hay or f" {needle}s " in hay or (needle.endswith("s") and f" {needle[:-1]} " in hay)


def match_attribute(attribute: Attribute, shown: Sequence[ShownLike]) -> list[int]:
    """Indexes (0-based, in the order shown) of the products ``attribute`` points at: one, several (the shopper is
    asked which), or none (Aya says so). ``min``/``max`` give every product tied at the extreme; a size nobody's
    package tells gives none."""
    field_, value = attribute
    if field_ in ("price", "size", "protein"):
        measures: list[tuple[int, float]] = []
        for i, s in enumerate(shown):
            amount = (
                s.price if field_ == "price" else s.protein_min if field_ == "protein" else package_kg(s.size, s.title)
            )
            if amount is not None:
                measures.append((i, amount))
        if not measures or (len(measures) < 2 and len(shown) >= 2):
            return []
        best = min(a for _, a in measures) if value == "min" else max(a for _, a in measures)
        return [i for i, a in measures if abs(a - best) < 1e-6]
    if field_ == "life_stage":
        return [i for i, s in enumerate(shown) if s.life_stage == value]
    if field_ == "food_type":
        return [i for i, s in enumerate(shown) if s.food_type == value]
    if field_ == "feature":
        words = value.replace("_", " ")
        return [i for i, s in enumerate(shown) if value in s.special_features or _says(s.title, words)]
    if field_ == "breed_size":
        return [i for i, s in enumerate(shown) if s.breed_size == value or _says(s.title, f"{value} breed")]
    return [i for i, s in enumerate(shown) if _says(f"{s.brand} {s.title}", value)]


def describe_attribute(attribute: Attribute) -> str:
    """The attribute in words, for "Which wet one?" and "None of them is ...": "wet", "made with salmon"."""
    field_, value = attribute
    match field_:
        case "price":
            return "cheapest" if value == "min" else "priciest"
        case "size":
            return "biggest bag" if value == "max" else "smallest bag"
        case "protein":
            return "richest in protein"
        case "breed_size":
            return f"for {value} breeds"
        case "feature" | "food_type":
            return value.replace("_", "-")
        case "life_stage":
            return f"for {value}s" if value != "puppy" else "for puppies"
        case _:
            return value
