"""Typo tolerance: correct unknown query words against the index vocabulary, expand a partial last word.

For each query word not in the vocabulary (the unstemmed words of every indexed product):
1. the last word, when it is the prefix of known words ("salm", "kitt"), becomes the most frequent completions;
2. otherwise the closest known word of similar length by rapidfuzz ratio (at least ``CUTOFF``), ties broken by
   document frequency ("salmn" -> salmon, "senoir" -> senior, "grian" -> grain);
3. otherwise the word is kept (a brand or name we do not know costs nothing).
Words in the vocabulary are never changed. Stop words are dropped from the keyword query but kept in the text.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from aya.search.analysis import STOP_WORDS, words

CUTOFF = 75.0
MAX_COMPLETIONS = 3


@dataclass
class CorrectedQuery:
    terms: list[str | tuple[str, ...]]  # keyword terms; a tuple holds alternatives (completions of the last word)
    text: str  # the query as understood, for display ("salmn puppie" -> "salmon puppies")
    corrections: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.corrections)


class QueryCorrector:
    def __init__(self, vocabulary: dict[str, int]) -> None:
        self.vocab = vocabulary
        self.sorted_words = sorted(w for w in vocabulary if w.isalpha())
        self.by_len: dict[int, list[str]] = {}
        for w in self.sorted_words:
            if len(w) >= 3:
                self.by_len.setdefault(len(w), []).append(w)

    def completions(self, prefix: str) -> list[str]:
        i = bisect.bisect_left(self.sorted_words, prefix)
        found: list[str] = []
        while i < len(self.sorted_words) and self.sorted_words[i].startswith(prefix):
            found.append(self.sorted_words[i])
            i += 1
        found.sort(key=lambda w: (-self.vocab.get(w, 0), len(w)))
        return found[:MAX_COMPLETIONS]

    def closest(self, word: str) -> str | None:
        n = len(word)
        choices: list[str] = []
        for length in range(max(3, n - 2), n + 3):
            choices.extend(self.by_len.get(length, ()))
        if not choices:
            return None
        matches = process.extract(word, choices, scorer=fuzz.ratio, limit=8, score_cutoff=CUTOFF)
        if not matches:
            return None
        # best ratio first; among near-equal ratios the more frequent word (and the same first letter) wins
        best = max(
            matches,
            key=lambda m: (
                round(m[1] / 5),
                m[0][:1] == word[:1],
                math.log1p(self.vocab.get(m[0], 0)),
            ),
        )
        return best[0]

    def correct(self, text: str) -> CorrectedQuery:
        toks = words(text)
        terms: list[str | tuple[str, ...]] = []
        shown: list[str] = []
        corrections: dict[str, str] = {}
        for pos, word in enumerate(toks):
            last = pos == len(toks) - 1
            if word in STOP_WORDS:
                shown.append(word)
                continue
            if word in self.vocab or word.isdigit() or len(word) < 3:
                terms.append(word)
                shown.append(word)
                continue
            if last and len(word) >= 3:
                comp = self.completions(word)
                if comp:
                    terms.append(tuple(comp))
                    shown.append(comp[0])
                    corrections[word] = comp[0]
                    continue
            fixed = self.closest(word) if len(word) >= 4 else None
            if fixed is not None:
                terms.append(fixed)
                shown.append(fixed)
                corrections[word] = fixed
            else:
                terms.append(word)
                shown.append(word)
        return CorrectedQuery(terms=terms, text=" ".join(shown), corrections=corrections)
