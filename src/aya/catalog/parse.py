"""Value parsers for messy catalog fields: prices, percentages, package sizes, energy, lists, HTML.

Each parser takes the raw value (usually a string) and returns a clean value, None when the input is empty, or raises
``ValueError`` with a short reason (the importer adds the field name and the row's location).
"""

from __future__ import annotations

import ast
import html
import json
import re
from collections.abc import Mapping
from typing import Any

LB_KG = 0.45359237
OZ_KG = LB_KG / 16
_UNIT_KG = {
    "lb": LB_KG,
    "lbs": LB_KG,
    "pound": LB_KG,
    "pounds": LB_KG,
    "oz": OZ_KG,
    "ounce": OZ_KG,
    "ounces": OZ_KG,
    "kg": 1.0,
    "kgs": 1.0,
    "kilo": 1.0,
    "kilos": 1.0,
    "kilogram": 1.0,
    "kilograms": 1.0,
    "g": 0.001,
    "gr": 0.001,
    "gram": 0.001,
    "grams": 0.001,
}
_UNITS = "|".join(sorted(_UNIT_KG, key=len, reverse=True))
_NUM = r"\d+(?:[.,]\d+)?"
_AMOUNT = re.compile(rf"({_NUM})\s*-?\s*({_UNITS})(?![a-z])", re.IGNORECASE)
_COUNT = re.compile(
    r"(?:case|pack|box|bundle|set)\s+of\s+(\d+)|(\d+)\s*-?\s*(?:pack|count|ct|cans|pouches|trays|case)\b|(\d+)\s*[x×]\s*(?=\d)",
    re.IGNORECASE,
)
_SIZE_TAIL = re.compile(
    rf",\s*((?:{_NUM}\s*-?\s*(?:{_UNITS})\b.*|(?:case|pack|box)\s+of\s+\d+.*|\d+\s*(?:-?\s*(?:pack|count|ct))\b.*))$",
    re.IGNORECASE,
)
_PRICE = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP", "usd": "USD", "eur": "EUR", "gbp": "GBP", "cad": "CAD", "aud": "AUD"}
_KCAL = re.compile(
    rf"({_NUM}|\d{{1,3}}(?:,\d{{3}})+)\s*(?:kcal|kcl)(?:\s*me)?\s*(?:/|per)\s*({_NUM})?\s*-?\s*([a-z]+)", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]+>")
_LI_END = re.compile(r"</li>\s*,?\s*", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_LABEL = re.compile(r"^\s*(?:ingredients|(?:old|new|current)\s+formula)\s*:\s*", re.IGNORECASE)


_EMPTY_WORDS = frozenset({"", "nan", "none", "null", "n/a", "na", "-"})


def is_empty(value: Any) -> bool:
    """None, NaN, blank or placeholder strings ("n/a", "null", "-"), empty collections."""
    if value is None:
        return True
    if isinstance(value, str):
        stripped = value.strip()
        return not stripped or (len(stripped) < 5 and stripped.lower() in _EMPTY_WORDS)
    if isinstance(value, float):
        return value != value  # NaN
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    return False


def _number(text: str) -> float:
    """A number in US or European notation: "3,390" -> 3390, "12,5" -> 12.5, "1,234.50" -> 1234.5."""
    t = text.strip()
    if "," in t and "." not in t:
        head, _, tail = t.rpartition(",")
        t = t.replace(",", "") if len(tail) == 3 and head else t.replace(",", ".")
    else:
        t = t.replace(",", "")
    return float(t)


def parse_float(value: Any) -> float | None:
    if is_empty(value):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = _PRICE.search(str(value))
    if not m:
        raise ValueError(f"not a number: {value!r}")
    return _number(m.group())


def parse_int(value: Any) -> int | None:
    number = parse_float(value)
    if number is None:
        return None
    if number != int(number):
        raise ValueError(f"not a whole number: {value!r}")
    return int(number)


def parse_price(value: Any) -> tuple[float, str | None] | None:
    """``"\\n  $59.84"`` -> (59.84, "USD"); ``"59.84"`` -> (59.84, None). Negative prices are refused."""
    if is_empty(value):
        return None
    if isinstance(value, (int, float)):
        amount, currency = float(value), None
    else:
        text = str(value).strip()
        m = _PRICE.search(text)
        if not m:
            raise ValueError(f"not a price: {value!r}")
        amount = _number(m.group())
        lowered = text.lower()
        currency = next((code for sym, code in _CURRENCY.items() if sym in lowered), None)
    if amount < 0:
        raise ValueError(f"negative price: {value!r}")
    return amount, currency


def parse_percent(value: Any) -> float | None:
    """``"25.0% min"`` -> 25.0. Refuses values outside 0..100."""
    number = parse_float(value)
    if number is None:
        return None
    if not 0 <= number <= 100:
        raise ValueError(f"percentage out of range: {value!r}")
    return number


def parse_weight_kg(value: Any) -> float | None:
    """Net package weight in kg: "30-lb bag" -> 13.61, "12.5-oz, case of 12" -> 4.25, "3 x 5.5 oz" -> 0.47.

    Returns None when the text names no weight (e.g. "case of 12" alone).
    """
    if is_empty(value):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value)
    m = _AMOUNT.search(text)
    if not m:
        return None
    kg = _number(m.group(1)) * _UNIT_KG[m.group(2).lower()]
    count = 1
    for c in _COUNT.finditer(text):
        count = int(next(g for g in c.groups() if g))
        break
    return kg * count


def size_from_title(title: str) -> str | None:
    """The package size a retailer appends to a title: "..., 12.5-oz, case of 12" -> "12.5-oz, case of 12"."""
    m = _SIZE_TAIL.search(title)
    return m.group(1).strip() if m else None


def parse_kcal(value: Any) -> dict[str, float]:
    """Energy statements: "3,390 kcal/kg, 350 kcal/cup" -> {kcal_per_kg: 3390, kcal_per_cup: 350}.

    "77 kcal/2.9 oz can" gives kcal_per_kg from the stated weight; "kcal/lb" is converted.
    """
    out: dict[str, float] = {}
    if is_empty(value):
        return out
    if isinstance(value, (int, float)):
        return {"kcal_per_kg": float(value)}
    for m in _KCAL.finditer(str(value)):
        kcal = _number(m.group(1))
        amount = _number(m.group(2)) if m.group(2) else 1.0
        unit = m.group(3).lower()
        if unit in ("kg", "kilogram"):
            out.setdefault("kcal_per_kg", kcal / amount)
        elif unit == "cup":
            out.setdefault("kcal_per_cup", kcal / amount)
        elif unit in _UNIT_KG and amount > 0:
            out.setdefault("kcal_per_kg", round(kcal / (amount * _UNIT_KG[unit]), 1))
    return out


def _clean_items(values: list[Any] | tuple[Any, ...]) -> list[str]:
    items = (v.strip() if isinstance(v, str) else "" if v is None else str(v).strip() for v in values)
    return [s for s in items if s and not (len(s) < 5 and s.lower() in _EMPTY_WORDS)]


def split_list(value: Any, separator: str = ",") -> list[str]:
    """Split at top-level separators, keeping parenthesised groups whole: "a, vitamins (b, c), d" -> 3 items."""
    if is_empty(value):
        return []
    if isinstance(value, (list, tuple)):
        return _clean_items(value)
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError:
            loaded = None
        if isinstance(loaded, list):
            return _clean_items(loaded)
    text = _SPACES.sub(" ", text)
    seps = ",;" if separator == "," else separator
    if not any(ch in text for ch in "([{"):
        parts = re.split(f"[{re.escape(seps)}]", text)
    else:
        parts = []
        depth = 0
        last = 0
        for m in re.finditer(rf"[()\[\]{{}}{re.escape(seps)}]", text):
            ch = m.group()
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth = max(0, depth - 1)
            elif depth == 0:
                parts.append(text[last : m.start()])
                last = m.end()
        parts.append(text[last:])
    return [s for s in (p.strip().rstrip(".").strip() for p in parts) if s]


def parse_ingredients(value: Any) -> list[str]:
    """An ingredient statement as a list; drops labels such as "Ingredients:" or "old formula:"."""
    if isinstance(value, str):
        value = _LABEL.sub("", value)
    return split_list(value)


def strip_html(value: Any) -> str:
    """Plain text from an HTML fragment; list items become sentences."""
    if is_empty(value):
        return ""
    text = _LI_END.sub(". ", str(value))
    text = html.unescape(_TAG.sub(" ", text))
    text = _SPACES.sub(" ", text).strip()
    return re.sub(r"\s+\.", ".", re.sub(r"\.(\s*\.)+", ".", text))


def parse_mapping(value: Any) -> Mapping[str, Any]:
    """A dict-valued cell: JSON object or a Python dict literal (as the 2021 Chewy scrape writes them)."""
    if is_empty(value):
        return {}
    if isinstance(value, Mapping):
        return value
    text = str(value).strip()
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError:
        try:
            loaded = ast.literal_eval(text)
        except (ValueError, SyntaxError) as exc:
            raise ValueError(f"not a dictionary: {text[:60]!r}") from exc
    if not isinstance(loaded, Mapping):
        raise ValueError(f"not a dictionary: {text[:60]!r}")
    return loaded
