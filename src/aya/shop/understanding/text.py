"""Text helpers every slot extractor shares: normalization, whole-phrase tables, number words, spans."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

Span = tuple[int, int]


def normalize_text(text: str) -> str:
    """Lower case, hyphens and underscores as spaces, curly quotes straightened, spaces collapsed.

    A slash between letters is kept when both sides are one letter ("k/d", "w/d": prescription formulas)."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(
        r"(?<![\w/])([a-z])/([a-z])(?![\w/])", lambda m: f"{m.group(1)}\u2215{m.group(2)}", text
    )  # k/d survives the next line
    text = re.sub(r"(?<=\w)[-_/](?=\w)", " ", text)
    text = text.replace("\u2215", "/")
    return " ".join(text.split())


_TOKEN = re.compile(r"[^\s,;:!?()\"]+")


@lru_cache(maxsize=256)
def _tokens(text: str) -> tuple[tuple[int, int, str, str], ...]:
    """(start, end, word, word without a trailing period or apostrophe) for each word of ``text``."""
    return tuple((m.start(), m.end(), m.group(0), m.group(0).rstrip(".'")) for m in _TOKEN.finditer(text))


class PhraseTable:
    """Whole-word phrases mapped to values; the longest phrase wins where phrases overlap.

    Matching walks the words of the text left to right and looks the longest word n-grams up in a dict (no giant
    regular expression: a table of 1,500 breed names costs a few dict lookups per word)."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = {normalize_text(k): v for k, v in mapping.items() if k.strip()}
        self.max_words = max((len(k.split()) for k in self.mapping), default=1)
        self.first_words = frozenset(k.split()[0] for k in self.mapping)

    def find(self, text: str) -> list[tuple[str, str, Span]]:
        """(phrase, value, span) for each match in ``text`` (already normalized), in order."""
        toks = _tokens(text)
        out: list[tuple[str, str, Span]] = []
        i = 0
        first_words = self.first_words
        while i < len(toks):
            if toks[i][2] not in first_words and toks[i][3] not in first_words:
                i += 1
                continue
            for n in range(min(self.max_words, len(toks) - i), 0, -1):
                start, end = toks[i][0], toks[i + n - 1][1]
                phrase = text[start:end]
                value = self.mapping.get(phrase)
                if value is None:
                    stripped = phrase.rstrip(".'")
                    value = self.mapping.get(stripped)
                    if value is None:
                        continue
                    phrase, end = stripped, start + len(stripped)
                out.append((phrase, value, (start, end)))
                i += n
                break
            else:
                i += 1
        return out

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


# Texting shorthand read as the words it stands for, so every phrase table matches it ("which one would u pick",
# "how r u", "r they grain free"); a letter of a vet formula ("u/d", "r/d") is left alone.
_CHAT_SHORTHAND = {"u": "you", "ur": "your", "r": "are", "ya": "you", "b4": "before", "w/": "with", "tho": "though"}
_SHORTHAND = re.compile(r"(?<![\w/])(" + "|".join(re.escape(k) for k in _CHAT_SHORTHAND) + r")(?![\w/])")


def expand_shorthand(norm: str) -> str:
    """ "which one would u pick" -> "which one would you pick" (normalized text in, normalized text out)."""
    return _SHORTHAND.sub(lambda m: _CHAT_SHORTHAND[m.group(1)], norm)


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
