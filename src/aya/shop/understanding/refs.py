"""References to the products shown: "the second one", "1 and 3", "#2", "the first two", "the last one", "both".

Positions are 1-based as the shopper counts; -1 is the last. Resolving them against the list (and names, brands,
"the cheaper one") is the policy's job, which knows what was shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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


_ATTRIBUTE = re.compile(
    r"\b(?:the|that)\s+(puppy|kitten|adult|senior|wet|dry|canned|grain free|small breed|large breed|cheaper|"
    r"less expensive|pricier|more expensive|bigger|smaller)\s+(?:one|food|bag|can|kind|version)\b"
)
_ATTRIBUTES = {
    "puppy": ("life_stage", "puppy"), "kitten": ("life_stage", "kitten"), "adult": ("life_stage", "adult"),
    "senior": ("life_stage", "senior"), "wet": ("food_type", "wet"), "canned": ("food_type", "wet"),
    "dry": ("food_type", "dry"), "grain free": ("title", "grain"), "small breed": ("title", "small"),
    "large breed": ("title", "large"), "cheaper": ("price", "min"), "less expensive": ("price", "min"),
    "pricier": ("price", "max"), "more expensive": ("price", "max"), "bigger": ("size", "max"),
    "smaller": ("size", "min"),
}  # fmt: skip


@dataclass
class Refs:
    positions: list[int] = field(default_factory=list)
    all: bool = False
    attribute: tuple[str, str] | None = None  # "the adult one": (field, value) to find among the products shown


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
            if word == "second" and re.match(r"\s+(?:dog|cat|pet|opinion)", after):
                continue
            if word == "middle" and not re.match(r"\s+one\b", after):
                continue
            refs.append(_ORDINALS[word])
    attr = _ATTRIBUTE.search(norm)
    return Refs(
        list(dict.fromkeys(refs)), bool(_REF_ALL.search(norm)), _ATTRIBUTES.get(attr.group(1)) if attr else None
    )
