"""One recipe in several packages: the key that tells the sizes of one product apart from other products.

A catalog lists each package size as a product of its own ("…Adult Chicken Dry Dog Food, 15-lb bag" and "…, 30-lb
bag"; "…Canned Cat Food, 3-oz, case of 6" and "…, case of 24"). :func:`recipe_key` is the brand and the title
without its package size, folded (case, punctuation), so that the sizes of one recipe share a key and different
recipes whose names contain a comma ("…with Turkey, Quail & Duck Grain-Free Canned Cat Food" and "…Dry Cat Food")
do not.
"""

from __future__ import annotations

import re

# A package size at the end of a title: "30-lb bag", "3-oz, case of 24", "2.8-oz can, case of 12", "(Pack of 2)"
_TRAILING_SIZE = re.compile(
    r"[,\s]*(?:\(?\s*(?:pack|case|box|bundle) of \d+\s*\)?"
    r"|\d+(?:\.\d+)?\s*-?\s*(?:oz|ounces?|lbs?|pounds?|kg|kilos?|g|grams?)\b[^,]*)\s*$",
    re.IGNORECASE,
)


def recipe_name(title: str, size: str = "") -> str:
    """The title without its package size ("…Dry Dog Food, 30-lb bag" -> "…Dry Dog Food"), as written."""
    name = title.strip()
    if size.strip() and name.lower().endswith(size.strip().lower()):
        name = name[: -len(size.strip())]
    while True:
        shorter = _TRAILING_SIZE.sub("", name)
        if shorter == name:
            break
        name = shorter
    return name.strip(" ,") or title.strip()


def recipe_key(brand: str, title: str, size: str = "") -> tuple[str, str]:
    """(brand, recipe name) folded: the same for every package size of one recipe."""
    return _fold(brand), _fold(recipe_name(title, size))


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


__all__ = ["recipe_key", "recipe_name"]
