"""Brands and product lines, learned from the catalog (``ProductSearch.facets()``) and matched in what owners say.

The catalog's own names are the vocabulary: every brand ("Hill's Science Diet"), every line of a brand ("Blue Buffalo"
/ "Wilderness"), the brand without its family word ("science diet"), the family word for all its brands ("purina"),
"vet" for "veterinary diet", plus a few owner words from ``data/vocabulary.toml`` ("rc", "pro plan vet") and
prescription formulas ("k/d" is Hill's Prescription Diet for kidneys). Misspelled brand words are corrected when
they are not English words ("welness" -> Wellness). Whether a mention is wanted or refused is
:func:`aya.shop.understanding.negation.polarity`'s call.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property

from rapidfuzz import fuzz, process

from aya.shop.understanding.negation import polarity
from aya.shop.understanding.text import PhraseTable, Span, normalize_text
from aya.shop.understanding.vocabulary import data

FUZZY_CUTOFF = 85.0


def fold(text: str) -> str:
    """Normalized, without apostrophes or periods: "Hill's" and "hills" are one word."""
    return re.sub(r"['.]", "", normalize_text(text)).replace("  ", " ").strip()


@dataclass(frozen=True)
class Mention:
    """A brand or line named in a message."""

    brands: tuple[str, ...]  # any of these catalog brands
    line: str | None  # a product line or formula ("Wilderness", "k/d")
    condition: str | None  # a need the formula names ("k/d": kidney_support)
    span: Span
    refused: bool  # "no purina", "not royal canin"
    past: bool = False  # "had blue buffalo his whole life, something different"


@dataclass(frozen=True)
class _Target:
    brands: tuple[str, ...]
    line: str | None = None
    condition: str | None = None


@dataclass
class CatalogTerms:
    """The catalog's brands and product lines, as understanding matches them."""

    brands: tuple[str, ...] = ()
    lines: tuple[tuple[str, str], ...] = ()  # (brand, line)
    _extra: dict[str, _Target] = field(default_factory=dict)

    @classmethod
    def of(cls, brands: Iterable[str], lines: Iterable[tuple[str, str]] = ()) -> CatalogTerms:
        return cls(tuple(dict.fromkeys(b for b in brands if b)), tuple(dict.fromkeys(lines)))

    @cached_property
    def targets(self) -> dict[str, _Target]:
        d = data()["brands"]
        ignore = {fold(w) for w in d["ignore"]}
        by_phrase: dict[str, set[str]] = defaultdict(set)
        line_targets: dict[str, _Target] = {}
        folded = {b: fold(b) for b in self.brands}
        for brand, key in folded.items():
            if key and key not in ignore and len(key) >= 3:
                by_phrase[key].add(brand)
                for variant in _vet_variants(key):
                    by_phrase[variant].add(brand)
        owned = d.get("owned", {})
        for family in d["families"]:
            fam = fold(family)
            also = {fold(name) for name in owned.get(family, [])}  # "purina" also covers Kitten Chow, Fancy Feast
            members = [b for b, key in folded.items() if key == fam or key.startswith(fam + " ") or key in also]
            if members:
                by_phrase[fam].update(members)
        for brand, key in folded.items():  # "science diet" for "Hill's Science Diet", "pro plan ..." for Purina's
            words = key.split()
            if len(words) >= 3 or (len(words) == 2 and fold(words[0]) in {fold(f) for f in d["families"]}):
                rest = " ".join(words[1:])
                generic = set(rest.split()) <= _generic_words()
                if len(rest) >= 5 and rest not in ignore and rest not in by_phrase and not generic:
                    by_phrase[rest].add(brand)
        out: dict[str, _Target] = {k: _Target(tuple(sorted(v))) for k, v in by_phrase.items()}
        for brand, line in self.lines:
            lk = fold(line)
            if len(lk) < 4 or lk in ignore or lk in out:
                continue
            bk = folded.get(brand, fold(brand))
            line_targets.setdefault(f"{bk} {lk}", _Target((brand,), line))
            first = bk.split()[0]
            line_targets.setdefault(f"{first} {lk}", _Target((brand,), line))
            if (len(lk.split()) >= 2 or len(lk) >= 7) and not set(lk.split()) <= _generic_words():
                line_targets.setdefault(lk, _Target((brand,), line))
        for phrase, target in line_targets.items():
            out.setdefault(phrase, target)
        for alias, phrase in d["aliases"].items():
            aliased = out.get(fold(phrase))
            if aliased is not None:
                out.setdefault(fold(alias), aliased)
        for code, (phrase, condition) in data()["formulas"].items():
            named = out.get(fold(phrase))
            if named is not None:
                out[normalize_text(code)] = _Target(named.brands, code, condition or None)
        return out

    @cached_property
    def words(self) -> frozenset[str]:
        """Every word of the catalog's brand and line names (never "corrected" into a shopper word)."""
        return frozenset(w for phrase in self.targets for w in phrase.split())

    @cached_property
    def table(self) -> PhraseTable:
        return PhraseTable({k: k for k in self.targets})

    @cached_property
    def _fuzzy_names(self) -> tuple[str, ...]:
        return tuple(k for k in self.targets if len(k) >= 5)

    def find(self, text: str, *, known_words: frozenset[str] = frozenset()) -> list[Mention]:
        """Every brand or line ``text`` names, in order, with whether it is refused."""
        norm = fold(text)
        out: list[Mention] = []
        taken: list[Span] = []
        for _phrase, key, span in self.table.find(norm):
            target = self.targets[key]
            out.append(_mention(norm, target, span))
            taken.append(span)
        if self._fuzzy_names:
            for m in re.finditer(r"[a-z]{5,}", norm):
                word = m.group(0)
                if word in known_words or any(a <= m.start() < b for a, b in taken):
                    continue
                hit = process.extractOne(word, self._fuzzy_names, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
                if hit is not None and " " not in hit[0]:
                    out.append(_mention(norm, self.targets[hit[0]], m.span()))
        return out


@cache
def _generic_words() -> frozenset[str]:
    """Words of the shopper vocabulary and of generic line names: a line made only of them ("Grain Free",
    "Limited Ingredient Diet") is not named by its words alone."""
    d = data()
    words = {
        w
        for section in ("species", "life_stage", "conditions", "features", "food_types")
        for phrases in d[section].values()
        for phrase in phrases
        for w in fold(phrase).split()
    }
    return frozenset(words | set(d["brands"]["generic_line_words"]))


def _mention(norm: str, target: _Target, span: Span) -> Mention:
    p = polarity(norm, span)
    return Mention(target.brands, target.line, target.condition, span, refused=p != "wanted", past=p == "past")


def _vet_variants(key: str) -> list[str]:
    out: list[str] = []
    for long in ("veterinary diets", "veterinary diet"):
        if long in key:
            out += [key.replace(long, "vet diets"), key.replace(long, "vet diet"), key.replace(long, "vet")]
    return out


def brand_names(mentions: Sequence[Mention], *, refused: bool) -> list[str]:
    return list(dict.fromkeys(b for m in mentions if m.refused == refused for b in m.brands))
