"""A product's line from its brand and title ("Hill's Prescription Diet k/d ...": "Prescription Diet").

Known lines per brand family come from ``data/product_lines.toml``. Without a known line, a heuristic reads the
capitalized words right after the brand in the title, up to the first generic word (a protein, a life stage, a food
type, "Recipe", "Formula"...): "Acme Trail Mix Chicken Recipe" gives "Trail Mix". Lower-case titles (scraped text
that lost its capitals) only get known lines.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

_GENERIC = frozenset(
    """adult puppy kitten senior mature all life stages stage dog dogs cat cats food foods dry wet canned can cans
    recipe formula dinner entree entrée feast stew pate pâté loaf chunks morsels gravy sauce broth natural grain free
    grain-free chicken beef lamb turkey duck salmon tuna fish whitefish pork venison rabbit bison trout ocean sea
    small large medium giant toy breed bites kibble with and & in the a of for original classic healthy weight
    indoor sensitive skin stomach protein high low limited ingredient diet treats treat topper variety pack
    case bag oz lb lbs",""".replace(",", " ").split()
)


@cache
def _families() -> list[tuple[str, list[str]]]:
    text = resources.files("aya.catalog").joinpath("data/product_lines.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)["lines"]
    return sorted(((_fold(k), list(v)) for k, v in data.items()), key=lambda kv: -len(kv[0]))


def _fold(text: str) -> str:
    return " ".join(re.sub(r"['’.]", "", text.lower()).replace("-", " ").split())


def derive_product_line(brand: str, title: str) -> str | None:
    """The product line of a product, or None when neither the known lines nor the heuristic find one."""
    if not brand:
        return None
    fb = _fold(brand)
    haystack = f" {fb} {_fold(title)} "
    found = [
        line
        for family, lines in _families()
        if fb == family or fb.startswith(family + " ")
        for line in lines
        if f" {_fold(line)} " in haystack
    ]
    if found:
        return max(found, key=len)  # "Pro Plan Veterinary Diets" over "Pro Plan"
    return _heuristic(brand, title)


def _heuristic(brand: str, title: str) -> str | None:
    if title == title.lower():
        return None
    rest = title
    if title.lower().startswith(brand.lower()):
        rest = title[len(brand) :]
    words: list[str] = []
    for word in rest.replace(",", " , ").split():
        bare = word.strip("®™").lower()
        if word == "," or bare in _GENERIC or not word[:1].isupper() or any(c.isdigit() for c in word):
            break
        words.append(word.strip("®™"))
        if len(words) == 2:
            break
    return " ".join(words) or None
