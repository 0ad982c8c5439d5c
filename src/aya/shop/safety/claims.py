"""Honest claims: what Aya may say a product is "formulated for", and text with no empty fields.

- :func:`honest_conditions` — a product's health conditions that its own label wording supports. A condition
  derived from a flavour name or a marketing word ("OMG Lights Out!", "Delights", "in a light gravy") is dropped, so
  no card, badge or reason says "formulated for weight control" on the strength of a recipe's name.
- :func:`clean_text` — a reply with no empty fields: "by  ($14.99)" loses the empty "by", "Calories: - vs -" lines
  disappear, "-" values read "not listed", "rated 4.5 by 0 shoppers" loses the rating.

Pure functions; this module imports nothing from the shop tools (they import it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# Words that support a weight-management claim on a label; "light"/"lite" count only as a claim word, not inside a
# flavour or a phrase ("Lights Out", "light gravy", "Delight", "light & fluffy").
_WEIGHT_WORDS = re.compile(
    r"\b(weight|overweight|reduced calorie|calorie reduced|fewer calories|low calorie|lower calorie|lean|fit|trim|"
    r"slim|satiety|metabolic|healthy weight|weight control|weight management|weight care|obesity)\b",
    re.IGNORECASE,
)
_LIGHT_CLAIM = re.compile(
    r"(\b(adult|senior|mature|indoor|healthy|formula|recipe|diet|large breed|small breed|breed|science diet|"
    r"complete|original)\s+(light|lite)\b(?!\s+(out|gravy|sauce|broth|up))|\b(light|lite)\s+(formula|recipe|adult|"
    r"senior|dry|wet|canned|dog|cat|kibble|food|weight|diet|chicken|lamb|salmon|turkey|beef|fish|&|and|with|in)\b"
    r"(?!\s+(gravy|sauce|broth)))",
    re.IGNORECASE,
)
_FLAVOUR_LIGHT = re.compile(
    r"\b(lights? out|light gravy|light sauce|light broth|delights?|lights? up)\b", re.IGNORECASE
)


def honest_conditions(title: str, description: str, conditions: Sequence[str]) -> list[str]:
    """``conditions`` without those only a flavour name or marketing word suggests (see the module docstring)."""
    out: list[str] = []
    for c in conditions:
        if c == "weight_management" and not _weight_supported(title, description):
            continue
        out.append(c)
    return out


def _weight_supported(title: str, description: str) -> bool:
    """False only when a flavour or marketing "light" is the sole hint of a weight claim: the catalog's own
    condition (from the label's diet or benefit fields) is trusted otherwise."""
    text = f"{title}\n{description}"
    if not _FLAVOUR_LIGHT.search(text) or _WEIGHT_WORDS.search(text):
        return True
    return bool(_LIGHT_CLAIM.search(_FLAVOUR_LIGHT.sub(" ", text)))


_EMPTY_BY = re.compile(r"\s+by\s+(?=\(|,|;|\.|—|-\s|$)", re.MULTILINE)
_EMPTY_PARENS = re.compile(r"\s*\(\s*\)")
_DASH_ONLY_LINE = re.compile(
    r"^\s*[-*•]?\s*[\w ]+:\s*(?:-|—|n/a|none)(?:\s*(?:vs\.?|\|)\s*(?:-|—|n/a|none))*\s*$", re.I
)
_DASH_VALUE = re.compile(r"(?<=:\s)-(?=\s*(?:vs|\||$))|(?<=vs\s)-(?=\s|$)|(?<=\|\s)-(?=\s|$)", re.MULTILINE)
_ZERO_RATING = re.compile(r",?\s*rated \d(?:\.\d)? (?:out of 5 )?by 0 (?:shoppers|reviews|reviewers)", re.IGNORECASE)
_NONE_WORDS = re.compile(r"\b(None|null|nan)\b(?=\s*(?:\)|,|%|kcal|\$))")


def clean_text(text: str) -> str:
    """The reply with empty fields removed (see the module docstring). Idempotent."""
    lines = [line for line in text.split("\n") if not _DASH_ONLY_LINE.match(line)]
    t = "\n".join(lines)
    t = _EMPTY_BY.sub(" ", t)
    t = _EMPTY_PARENS.sub("", t)
    t = _ZERO_RATING.sub("", t)
    t = _DASH_VALUE.sub("not listed", t)
    t = _NONE_WORDS.sub("not listed", t)
    t = re.sub(r"[ \t]{2,}", " ", t)
    t = re.sub(r" +([,.;)])", r"\1", t)
    return t


def rating_allowed(rating: Any, review_count: int) -> bool:
    """A rating is said only when reviews exist."""
    return rating is not None and review_count > 0
