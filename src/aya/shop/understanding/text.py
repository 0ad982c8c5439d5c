"""Text helpers every slot extractor shares: normalization, whole-phrase tables, number words, spans."""

from __future__ import annotations

import re
from collections.abc import Iterable

Span = tuple[int, int]


def normalize_text(text: str) -> str:
    """Lower case, hyphens and underscores as spaces, curly quotes straightened, spaces collapsed.

    A slash between letters is kept when both sides are one letter ("k/d", "w/d": prescription formulas)."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"(?<![\w/])([a-z])/([a-z])(?![\w/])", lambda m: f"{m.group(1)}\u2215{m.group(2)}", text)  # k/d survives the next line
    text = re.sub(r"(?<=\w)[-_/](?=\w)", " ", text)
    text = text.replace("\u2215", "/")
    return " ".join(text.split())


class PhraseTable:
    """Whole-word phrases mapped to values; the longest phrase wins where phrases overlap."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = {normalize_text(k): v for k, v in mapping.items() if k.strip()}
        phrases = sorted(self.mapping, key=len, reverse=True)
        body = "|".join(re.escape(p) for p in phrases) or r"(?!x)x"
        self.pattern = re.compile(rf"(?<![\w$])(?:{body})(?![\w])")

    def find(self, text: str) -> list[tuple[str, str, Span]]:
        """(phrase, value, span) for each match in ``text`` (already normalized), in order."""
        return [(m.group(0), self.mapping[m.group(0)], m.span()) for m in self.pattern.finditer(text)]

    def values(self, text: str) -> list[str]:
        return list(dict.fromkeys(v for _, v, _ in self.find(text)))


def invert(table: dict[str, list[str]]) -> dict[str, str]:
    """{value: [phrases]} as {phrase: value} (the first value listing a phrase keeps it)."""
    out: dict[str, str] = {}
    for value, phrases in table.items():
        for phrase in phrases:
            out.setdefault(phrase, value)
    return out


def overlaps(span: Span, spans: Iterable[Span]) -> bool:
    return any(span[0] < b and a < span[1] for a, b in spans)


_UNITS_1 = "one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_NUMBER_WORD = rf"(?:(?:{'|'.join(_TENS)})(?:\s(?:{'|'.join(_UNITS_1)}))?|{'|'.join(_TEENS)}|{'|'.join(_UNITS_1)})"
_SPOKEN_BEFORE_UNIT = re.compile(
    rf"\b({_NUMBER_WORD})(?=\s+(?:years?|yrs?|months?|weeks?|dollars?|bucks|pounds|lbs|kilos?|kg|and a half)\b)"
)
_SPOKEN_AFTER_LEAD = re.compile(
    r"\b(under|below|than|around|about|is|he's|she's|turning|turned|aged|age|max|budget|spend|to|and|between)"
    rf"\s+({_NUMBER_WORD})\b(?!\s+(?:of|cats?|dogs?|pets?|kittens?|puppies)\b)"
)


def _word_value(words: str) -> str:
    value = 0
    for part in words.split():
        if part in _TENS:
            value += 20 + 10 * _TENS.index(part)
        elif part in _TEENS:
            value += 10 + _TEENS.index(part)
        elif part in _UNITS_1:
            value += 1 + _UNITS_1.index(part)
    return str(value)


def spoken_numbers(norm: str) -> str:
    """Number words as digits where they are ages, weights or prices ("twelve years", "under thirty dollars")."""
    norm = _SPOKEN_BEFORE_UNIT.sub(lambda m: _word_value(m.group(1)), norm)
    return _SPOKEN_AFTER_LEAD.sub(lambda m: f"{m.group(1)} {_word_value(m.group(2))}", norm)
