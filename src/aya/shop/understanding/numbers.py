"""Numbers with their role: a pet's age, a pet's weight, a budget (per bag, month or can), a price difference, a
duration that is not an age ("going on a week"), a count ("two cats").

Each extractor takes normalized text and returns what it read with the span it used, so that one number never plays
two roles: ``read_numbers`` runs them in order (money, weight, age) and later ones skip spans already taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from aya.shop.understanding.text import Span, overlaps

BudgetPeriod = Literal["item", "month", "week", "day", "can", "bag"]

_WORD_NUMBERS = {
    "a": 1.0, "an": 1.0, "one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0, "six": 6.0, "seven": 7.0,
    "eight": 8.0, "nine": 9.0, "ten": 10.0, "eleven": 11.0, "twelve": 12.0, "half": 0.5, "couple": 2.0,
    "few": 3.0,
}  # fmt: skip
_NUM = r"(?:\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|half an?|half|a couple(?: of)?|a few)"  # noqa: E501

# --- money -------------------------------------------------------------------------------------------------------

_MONEY = r"\$\s*(?P<v>\d+(?:\.\d{1,2})?)|(?P<w>\d+(?:\.\d{1,2})?)\s*(?:dollars?|bucks|usd|\$)"
_MONEY2 = _MONEY.replace("<v>", "<v2>").replace("<w>", "<w2>")
_MONEY_OR_BARE = rf"(?:{_MONEY}|(?P<b>\d+(?:\.\d{{1,2}})?)(?!\s*(?:%|lbs?|pounds?|kg|kilos?|years?|yrs?|months?|mos?|weeks?|wks?|cups?|oz|ounces?|cans?|bags?|yo\b|y o\b|old)))"  # noqa: E501
_PERIOD = re.compile(
    r"^\s*(?:(?:a|per|each|every|/)\s*(?P<p>month|mo|week|wk|day|can|bag|case|pouch|tray)s?\b|(?P<m>monthly|weekly|daily))"
)
_CAP_LEAD = re.compile(
    r"(?:under|below|less than|cheaper than|max(?:imum)?(?: of)?|up to|no more than|at most|within|not more than|"
    r"not over|budget(?: is| of)?(?: about| around)?|spend(?:ing)?(?: about| around| like| up to)?|around|about|"
    rf"roughly|~|afford|only have|only got|got)\s*(?:{_MONEY_OR_BARE})"
)
_CAP_SUFFIX = re.compile(rf"(?:{_MONEY})\s*(?:or less|or under|or cheaper|max|tops|budget|at most|at the most)\b")
_RANGE = re.compile(
    r"(?:between\s*)?\$\s*(?P<lo>\d+(?:\.\d+)?)\s*(?:and|to|-)\s*\$?\s*(?P<hi>\d+(?:\.\d+)?)(?!\s*(?:lbs?|pounds|kg))"
    r"|between\s+(?P<lo2>\d+(?:\.\d+)?)\s+and\s+(?P<hi2>\d+(?:\.\d+)?)\s*(?:dollars|bucks)"
)
_FLOOR = re.compile(rf"(?:over|above|more than|at least|minimum(?: of)?)\s*(?:{_MONEY})")
_DIFFERENCE = re.compile(
    rf"(?:{_MONEY})\s*(?:less|cheaper|lower|off|more|pricier)\b|(?:save|saving|saves)\s*(?:{_MONEY2})"
)
_BARE_DOLLARS = re.compile(r"\$\s*(?P<v>\d+(?:\.\d{1,2})?)")
_LOOSE = ("around", "about", "roughly", "~", "spend")

# --- weights, ages, durations, counts ----------------------------------------------------------------------------

_WEIGHT = re.compile(
    r"\b(?P<n>\d+(?:\.\d+)?)\s*(?P<u>lbs?|pounds?|kg|kgs|kilos?|kilograms?)\b(?!\s*(?:bag|sack|box|case))"
)
_AGE = re.compile(
    rf"\b(?P<num>{_NUM})(?P<half>\s+and\s+a\s+half)?\s*"
    r"(?P<unit>years?|yrs?|yo|y o|y/o|months?|mos?|mths?|mnths?|weeks?|wks?)(?P<old>\s+old|\s+of age)?(?![\w/])"
)
_AGE_PLAIN = re.compile(
    r"\b(?:aged?|turning|turned|is|he's|she's|hes|shes|he is|she is|who is|who's|now|they're|theyre|both"
    r"|(?<!there )(?<!which )are|(?:my|our|the) (?:cat|dog|kitty|pup|boy|girl)'?s)\s+"  # "my cats 17": the cat's 17
    r"(?:almost\s+|about\s+|nearly\s+|like\s+|around\s+|only\s+|just\s+|actually\s+|really\s+|now\s+)?"
    r"(?P<num>\d{1,2}(?:\.5)?)\b"
    r"(?P<half>\s+and\s+a\s+half\b)?"
    r"(?!\s*(?:%|lbs?|pounds|kg|\$|dollars|bucks|cups?|times|x\b|cans?|bags?|oz|minutes|hours|days"
    r"|cats?|dogs?|kittens?|puppies|pups?|pets?|of\b))"
)
# The second of two ages listed after one verb ("2 cats aged 3 and 14", "they're 2 and a half and 12"): a bare number
# ending its part, read as years only where the message is already known to list two pets' ages.
_LISTED_AGE = re.compile(r"^\s*(?:an?\s+|the other(?: one)?(?: is)?\s+)?(?P<num>\d{1,2}(?:\.5)?)\s*(?:[.,;!?)]|$)")
_AGE_TRAILING = re.compile(
    r"\b(?:age|aged|old)\s*:?\s*(?P<num>\d{1,2}(?:\.5)?)\b|"
    r"\(\s*(?P<paren>\d{1,2})\s*(?:y|yo|yrs?)?\s*(?:[,/;]\s*[a-z][a-z ]{0,20})?[!?.]*\s*\)|"  # "(11, lab)"
    r"\(\s*[a-z][a-z ]{0,25}[,/;]\s*(?P<paren_end>\d{1,2})\s*(?:y|yo|yrs?)?\s*\)"  # "(kidney disease, 15)"
)
_DURATION_LEAD = re.compile(
    r"(?:\bfor|\bsince|\bpast|\blast|\bover|\bgoing on|\bin|\bwithin|\bevery|\bafter|\bbeen|\bfrom)\s+"
    r"(?:(?:about|like|almost|nearly|around|the|a|an|over|just|only)\s+){0,2}$"
)
_DURATION_TAIL = re.compile(r"^\s*(?:ago|now|straight|in a row|running|supply|bag|of food)\b")
_COUNT = re.compile(
    r"\b(?P<n>two|three|four|five|2|3|4|5|a couple of|a few)\s+(?P<what>cats|dogs|kittens|puppies|kitties|pups)\b"
)


@dataclass
class Numbers:
    """What the numbers of one message say, by role."""

    age_years: float | None = None
    weight_kg: float | None = None
    budget_max: float | None = None
    budget_min: float | None = None
    budget_period: BudgetPeriod | None = None
    difference: float | None = None  # "chewy has it for $5 less"
    durations: list[str] = field(default_factory=list)  # "a week", "3 months" read as durations
    count: int | None = None  # "two cats"
    count_of: str | None = None
    spans: list[Span] = field(default_factory=list)


def _value(token: str) -> float | None:
    token = token.strip()
    if token.startswith("half"):
        return 0.5
    if token.startswith("a couple"):
        return 2.0
    if token.startswith("a few"):
        return 3.0
    try:
        return float(token)
    except ValueError:
        return _WORD_NUMBERS.get(token)


def _money(m: re.Match[str]) -> float | None:
    for name, value in m.groupdict().items():
        if value is not None and name[0] in "vwb":
            return float(value)
    return None


def _period(norm: str, end: int) -> BudgetPeriod | None:
    m = _PERIOD.match(norm[end:])
    if not m:
        return None
    word = m.group("p") or m.group("m") or ""
    return {
        "month": "month", "mo": "month", "monthly": "month", "week": "week", "wk": "week", "weekly": "week",
        "day": "day", "daily": "day", "can": "can", "pouch": "can", "tray": "can", "bag": "bag", "case": "item",
    }.get(word)  # type: ignore[return-value]  # fmt: skip


def read_money(norm: str, out: Numbers) -> None:
    """Budgets, price floors and differences ("$5 less" is a difference, never a budget)."""
    for d in _DIFFERENCE.finditer(norm):
        out.difference = _money(d)
        out.spans.append(d.span())
    r = _RANGE.search(norm)
    if r and not overlaps(r.span(), out.spans):
        lo = float(r.group("lo") or r.group("lo2"))
        hi = float(r.group("hi") or r.group("hi2"))
        out.budget_min, out.budget_max = sorted((lo, hi))
        out.budget_period = _period(norm, r.end())
        out.spans.append(r.span())
        return
    for pattern in (_CAP_LEAD, _CAP_SUFFIX):
        for m in pattern.finditer(norm):
            if overlaps(m.span(), out.spans):
                continue
            value = _money(m)
            if value is None:
                continue
            text = m.group(0)
            bare = m.groupdict().get("b") is not None
            if bare and (text.startswith((*_LOOSE, "got", "only", "afford")) or value > 500):
                continue  # "about 15" is not money without a $ or "bucks"
            capped = re.search(r"\b(?:only|max|most|not|never)\b(?:\s+\w+){0,3}\s*$", norm[: m.start()])
            if text.startswith(_LOOSE) and not (text.startswith("spend") and capped):
                value = round(value * 1.1, 2)  # "around $40": a little over is fine; "i only want to spend $15" is not
            out.budget_max = value
            out.budget_period = _period(norm, m.end())
            out.spans.append(m.span())
            return
    for m in _FLOOR.finditer(norm):
        if not overlaps(m.span(), out.spans):
            if re.search(
                r"\b(?:don'?t|dont|do not|not|never|won'?t|wont|can'?t|cant)\b(?:\s+\w+){0,4}\s*$", norm[: m.start()]
            ):
                out.budget_max = _money(m)  # "i don't want to spend more than $30": a cap, not a floor
                out.budget_period = _period(norm, m.end())
            else:
                out.budget_min = _money(m)
            out.spans.append(m.span())
            return
    for m in _BARE_DOLLARS.finditer(norm):
        if not overlaps(m.span(), out.spans):
            out.budget_max = float(m.group("v"))
            out.budget_period = _period(norm, m.end())
            out.spans.append(m.span())
            return


# A change of weight is not the pet's weight: "vet says lose 10 lbs", "gained 5 pounds", "she's 3 kg overweight".
_WEIGHT_CHANGE_BEFORE = re.compile(
    r"\b(?:lose|loses|losing|lost|shed|shedding|drop|drops|dropped|dropping|take off|took off|gain|gains|gained|"
    r"gaining|put on|puts on|putting on|pack(?:ed)? on|down|up|over by|overweight by|heavy by|another|extra|about "
    r"another)\s+(?:about\s+|around\s+|like\s+|maybe\s+|at least\s+|an?\s+|~)?$"
)
_WEIGHT_CHANGE_AFTER = re.compile(
    r"^\s*(?:over(?:weight)?|too (?:heavy|much|many)|heavier|lighter|more|less|extra|off|to lose|to gain|"
    r"underweight|under(?: his| her| its)? (?:ideal|target)|above|below)\b"
)


def read_weight(norm: str, out: Numbers) -> None:
    for m in _WEIGHT.finditer(norm):
        if overlaps(m.span(), out.spans):
            continue
        if _WEIGHT_CHANGE_BEFORE.search(norm[max(0, m.start() - 40) : m.start()]) or _WEIGHT_CHANGE_AFTER.match(
            norm[m.end() :]
        ):
            out.spans.append(m.span())  # neither the pet's weight nor an age
            continue
        value = float(m.group("n"))
        kg = value if m.group("u").startswith(("kg", "kilo")) else value * 0.4536
        if 0.3 <= kg <= 120:
            out.weight_kg = round(kg, 2)
            out.spans.append(m.span())
            return


_AGE_CORRECTED = re.compile(
    rf"\b(?:actually|make (?:that|it)|i mean|i meant|sorry|no wait|wait|oops|correction|scratch that)\b[^.?!]{{0,25}}?"
    rf"\b{_NUM}\s*(?:years?|yrs?|yo|y/o|months?|mos?|weeks?|wks?)\b"
)


def read_age(norm: str, out: Numbers, *, pet_talk: bool) -> None:
    """An age with a unit ("9 mo", "1.5 yrs", "7 weeks old"); a duration ("for 3 weeks", "a week now") is not one."""
    for m in _AGE.finditer(norm):
        if overlaps(m.span(), out.spans):
            continue
        num = m.group("num")
        value = _value(num)
        if value is None:
            continue
        before = norm[max(0, m.start() - 30) : m.start()]
        after = norm[m.end() :]
        worded = not num[0].isdigit()
        pet_noun = re.match(r"\s*(?:old\s+)?(?:cat|dog|kitten|puppy|pup|kitty|boy|girl|lab|\w+ (?:cat|dog))\b", after)
        abbreviated = m.group("unit") in ("yo", "y o", "y/o")
        if (
            not m.group("old")
            and not abbreviated
            and not pet_noun
            and (_DURATION_LEAD.search(before) or _DURATION_TAIL.match(after) or (worded and num not in ("half",)))
        ):
            # "she's no longer a kitten, 14 months now": a number opening its clause with "now" is an age
            # right after words about the pet itself (not after a symptom: "throwing up, 2 weeks now" is a duration)
            clause_age = (
                not worded
                and re.search(r"\b(?:kitten|puppy|pup|cat|dog|senior|adult|baby|old)\s*[,.;!?]\s*$", before)
                and re.match(r"\s*now\b", after)
            )
            if not re.search(r"\b(?:is|he's|she's|aged|turning|turned)\s+$", before) and not clause_age:
                out.durations.append(m.group(0))
                out.spans.append(m.span())
                continue
        if m.group("half"):
            value += 0.5
        unit = m.group("unit")
        if unit.startswith(("mo", "mth", "mnth")):
            value /= 12.0
        elif unit.startswith(("w",)):
            value /= 52.0
        if value > 30:
            continue
        if _AGE_CORRECTED.search(norm[m.end() :]):
            out.spans.append(m.span())  # "4 months... actually make that 5 months": the later age is the one
            continue
        out.age_years = round(value, 3)
        out.spans.append(m.span())
        return
    if not pet_talk:
        return
    for pattern in (_AGE_PLAIN, _AGE_TRAILING):
        for m in pattern.finditer(norm):
            group = next(g for g in ("num", "paren", "paren_end") if m.groupdict().get(g) is not None)
            span = (m.start(group), m.end(group))
            if overlaps(span, out.spans):
                continue
            value = float(m.group(group))
            if group == "num" and "half" in m.groupdict() and m.group("half"):
                value += 0.5
                span = (span[0], m.end("half"))
            if value <= 25:
                out.age_years = value
                out.spans.append(span)
                return


def listed_age(part: str) -> float | None:
    """A bare number opening and ending its part ("14", "and 12.") as an age in years; see ``_LISTED_AGE``."""
    m = _LISTED_AGE.match(part)
    if m is None:
        return None
    value = float(m.group("num"))
    return value if value <= 25 else None


def read_count(norm: str, out: Numbers) -> None:
    m = _COUNT.search(norm)
    if m:
        out.count = int(_value(m.group("n").replace(" of", "")) or 2)
        out.count_of = m.group("what")


def read_numbers(norm: str, *, pet_talk: bool) -> Numbers:
    out = Numbers()
    read_money(norm, out)
    read_weight(norm, out)
    read_age(norm, out, pet_talk=pet_talk)
    read_count(norm, out)
    return out
