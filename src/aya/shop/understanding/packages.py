"""A wish for another package size of the products shown: "bigger bag", "do they come in a bigger size?", "any
bigger packs available", "smaller bag pls", "a trial size", "buy in bulk".

Told apart from a reference to a shown product by its size ("the bigger bag" after a list points at the biggest
one shown, :mod:`aya.shop.understanding.refs`): a comparative size word without "the" in front ("bigger bag", "a
larger size"), or any size word with words asking whether it exists ("come in", "available", "do you have", "is
there", "any"), or a word that only ever means a package ("trial size", "in bulk", "family size"); a package named
by its weight with such words ("is there a 30 lb bag?") asks for any other size.
"""

from __future__ import annotations

import re
from typing import Literal

PackageWish = Literal["bigger", "smaller", "any"]

_PACK = (
    r"(?:bags?|sizes?|sized|packs?|packages?|packaging|cases?|box(?:es)?|containers?|tubs?|versions?|options?|"
    r"amounts?|quantit(?:y|ies)|ones?|one of (?:it|that|those|them|these)|of (?:it|that|those|them|these))"
)
_BIG = r"(?:bigger|larger|biggest|largest|huge|jumbo|giant|big|large|xl|xxl|bulk|family|value|economy)"
_SMALL = r"(?:smaller|smallest|little|mini|small|tiny|trial|sample|travel|starter|tester|single)"
# a word between the size and the package that makes the size the pet's or the kibble's ("small breed bag")
_MIDDLE = r"(?:(?!(?:breeds?|dogs?|cats?|puppy|puppies|kitten|kittens|kibble|bites?|pieces?|chunks?|size)\b)\w+\s+)?"
_COMPARATIVE = re.compile(rf"\b(bigger|larger|smaller)\s+{_MIDDLE}{_PACK}\b")
_SIZED = re.compile(rf"\b({_BIG}|{_SMALL})\s+{_MIDDLE}{_PACK}\b")
_ALWAYS = re.compile(
    r"\b(?:(trial|sample|travel|starter|tester)(?:\s+(?:size|sized|bag|pack|packs|bags))?"
    r"|(?:in|buy|get|order)\s+(bulk)|(bulk)\s+(?:bag|size|pack|buy|option)s?|(family|value|economy|jumbo)\s+size"
    r"|(small)\s+(?:bag|pack|can)\s+(?:to|first|just to)\s+try|try\s+(?:a|one)\s+(small)\s+(?:bag|pack|one))\b"
)
_ASKS = re.compile(
    r"\b(?:come|comes|came|available|avail|have|has|got|get|sell|sells|make|makes|offer|offers|carry|stock|there|"
    r"any|exist|exists|find|want|need|prefer|rather|buy|instead|option|options|possible)\b"
)
_WEIGHED = re.compile(
    r"\b\d+(?:\.\d+)?\s*-?\s*(?:lbs?|pounds?|kgs?|kilos?|oz)\s+(?:bag|bags|size|sizes|pack|packs|case|box)\b"
)
_THE_BEFORE = re.compile(r"\b(?:the|that|this)\s+(?:\w+\s+)?$")


def read_package_wish(norm: str) -> PackageWish | None:
    """ "bigger" or "smaller" when ``norm`` (normalized text) asks for another package size, "any" for a size named
    by its weight ("do you have it in a 30 lb bag?"), else None."""
    m = _ALWAYS.search(norm)
    if m:
        word = next(g for g in m.groups() if g)
        return "smaller" if re.fullmatch(_SMALL, word) else "bigger"
    asks = _ASKS.search(norm) is not None
    m = _COMPARATIVE.search(norm)
    if m and (asks or not _THE_BEFORE.search(norm[: m.start()])):
        return "smaller" if m.group(1) == "smaller" else "bigger"
    m = _SIZED.search(norm)
    if m and asks:
        return "smaller" if re.fullmatch(_SMALL, m.group(1)) else "bigger"
    if asks and _WEIGHED.search(norm):
        return "any"
    return None


__all__ = ["PackageWish", "read_package_wish"]
