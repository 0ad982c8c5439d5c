"""Answers written for the ear: no markdown, prices and units said naturally, at most three products read out.

:class:`SpokenAnswer` takes Aya's answer as it streams (text deltas) and yields whole sentences ready for
text-to-speech. List items past the third are not read; one sentence points to the cards on screen instead.
"""

from __future__ import annotations

import re

MAX_SPOKEN_ITEMS = 3

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`|~~)")
_UNDERSCORE_WORD = re.compile(r"(?<=\w)_(?=\w)")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<!\w)_(\S[^_]*?)_(?!\w)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_ITEM = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")
_PRICE = re.compile(r"(?:US)?\$\s?(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d{1,2}))?")
_UNITS = [
    (re.compile(r"(\d)\s?(?:lbs?|pounds?)\b\.?", re.I), r"\1 pounds"),
    (re.compile(r"(\d)\s?oz\b\.?", re.I), r"\1 ounces"),
    (re.compile(r"(\d)\s?kg\b", re.I), r"\1 kilograms"),
    (re.compile(r"(\d)\s?g\b"), r"\1 grams"),
    (re.compile(r"(\d)\s?kcal\b", re.I), r"\1 calories"),
    (re.compile(r"(\d)\s?%"), r"\1 percent"),
    (re.compile(r"(\d(?:\.\d)?)\s?/\s?5\b"), r"\1 out of 5"),
    (re.compile(r"(\d)\s?-\s?(\d)"), r"\1 to \2"),
    (re.compile(r"\bvs\.?", re.I), "versus"),
    (re.compile(r"\be\.g\.", re.I), "for example"),
    (re.compile(r"\s&\s"), " and "),
    (re.compile(r"(\d)\+"), r"\1 plus"),
    (re.compile(r"\s?\+\s?(?=\w)"), " plus "),
]
_PHONE = re.compile(r"\(?(\d{3})\)?[ .-](\d{3})-(\d{4})\b")
_FOR_THE_EYE = re.compile(r"\s*\((?:resting energy [^)]*|a fee may apply|[^)]*\^[^)]*)\)")
_BOLD_TITLE = re.compile(r"\*\*(.+?)\*\*")
_BY_BRAND = re.compile(r"\s+by\s+([^(—–;,]+?)(?=\s*(?:[(—–;,]|$))")
_FOOD_SUFFIX = re.compile(r"\s+(?:(?:Canned|Dry|Wet)\s+)?(?:Cat|Dog|Puppy|Kitten)\s+(?:Food|Treats?)$", re.I)
_REASONS = re.compile(r"\s+[—–]\s+(.*)$")
_ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def say_price(match: re.Match[str]) -> str:
    dollars = int(match.group(1).replace(",", ""))
    cents = int((match.group(2) or "0").ljust(2, "0"))
    if dollars == 0 and cents:
        return f"{cents} cents"
    unit = "dollar" if dollars == 1 else "dollars"
    if not cents:
        return f"{dollars} {unit}"
    return f"{dollars} {unit} {cents}" if cents >= 10 else f"{dollars} {unit} and {cents} cents"


def speakable(text: str) -> str:
    """One line of markdown-ish text made speakable (markdown, links, prices, units)."""
    text = _LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _FOR_THE_EYE.sub("", text)  # calculations and fine print of safety/knowledge answers are on screen
    text = _PHONE.sub(lambda m: ", ".join(" ".join(g) for g in m.groups()), text)  # digit by digit, not a range
    text = _HEADING.sub("", text)
    text = _ITEM.sub("", text)
    text = _EMPHASIS.sub("", text)
    text = _UNDERSCORE_EMPHASIS.sub(r"\1", text)
    text = _UNDERSCORE_WORD.sub(" ", text)
    text = _PRICE.sub(say_price, text)
    for pattern, replacement in _UNITS:
        text = pattern.sub(replacement, text)
    text = text.replace("|", ", ").replace("—", ", ").replace("–", " to ")
    text = re.sub(r"\s+([,.;:!?])", r"\1", " ".join(text.split()))
    text = re.sub(r",(?:\s*,)+", ",", text)
    return text.strip(" ,")


def shorten_item(line: str, index: int) -> str:
    """One product line of a list, shortened for the ear: an ordinal, the name without the brand said twice or the
    generic "Canned Cat Food" tail, the price, and only the first reason it fits."""
    body = _URL.sub("", _LINK.sub(r"\1", _ITEM.sub("", line))).strip()
    match = _BOLD_TITLE.match(body)
    if match:
        title, rest = match.group(1).strip(), body[match.end() :]
        brand = _BY_BRAND.match(rest)
        if brand and brand.group(1).strip().lower() in title.lower():
            rest = rest[brand.end() :]
        body = (_FOOD_SUFFIX.sub("", title) or title) + rest
    reasons = _REASONS.search(body)
    if reasons:
        body = body[: reasons.start()] + ", " + reasons.group(1).split(";")[0].strip()
    body = body.replace("(", ", ").replace(")", ",")
    ordinal = _ORDINALS[index] if index < len(_ORDINALS) else "Next"
    body = f"{ordinal}, {body.strip()}"
    return body if body.endswith((".", "!", "?")) else body + "."


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


class SpokenAnswer:
    """Feed text deltas; get back sentences to speak. ``finish()`` returns the rest."""

    def __init__(self, max_items: int = MAX_SPOKEN_ITEMS) -> None:
        self.max_items = max_items
        self._buffer = ""
        self._items = 0
        self._skipped = 0
        self._said_rest = False

    def feed(self, delta: str) -> list[str]:
        self._buffer += delta
        out: list[str] = []
        while "\n" in self._buffer:
            line, self._buffer = self._buffer.split("\n", 1)
            out.extend(self._line(line))
        # Complete sentences of the current line can go now; keep the unfinished tail.
        if not _ITEM.match(self._buffer):
            parts = _SENTENCE_END.split(self._buffer)
            if len(parts) > 1:
                self._buffer = parts[-1]
                for part in parts[:-1]:
                    out.extend(self._sentences(part))
        return out

    def finish(self) -> list[str]:
        line, self._buffer = self._buffer, ""
        out = self._line(line)
        if self._skipped and not self._said_rest:
            self._said_rest = True
            out.append("The others are on your screen.")
        return out

    def _line(self, line: str) -> list[str]:
        if not line.strip() or _TABLE_RULE.match(line):
            return []
        if _ITEM.match(line):
            self._items += 1
            if self._items > self.max_items:
                self._skipped += 1
                return []
            return self._sentences(shorten_item(line, self._items - 1))
        elif self._skipped and not self._said_rest:
            self._said_rest = True
            return ["The others are on your screen.", *self._sentences(line)]
        return self._sentences(line)

    def _sentences(self, text: str) -> list[str]:
        out = []
        for sentence in split_sentences(speakable(text)):
            if any(ch.isalnum() for ch in sentence):
                out.append(sentence)
        return out


def for_the_ear(text: str, max_items: int = MAX_SPOKEN_ITEMS) -> list[str]:
    """A whole answer as sentences to speak."""
    answer = SpokenAnswer(max_items)
    return [*answer.feed(text), *answer.finish()]
