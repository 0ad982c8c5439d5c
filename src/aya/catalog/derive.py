"""Finding vocabulary values in free text: features and conditions, species, life stage, food type.

Phrase lists come from ``data/vocab.toml`` (canonical values and synonyms) and ``data/derive.toml`` (extra phrases,
ambiguous synonyms excluded, title-only phrases). Matching is on whole words of normalized text, see derive.toml.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from aya.catalog.vocab import vocabulary

_SEPARATORS = re.compile(r"[-_\u2010-\u2015]+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=512)
def normalize_text(text: str) -> str:
    """Lower case, hyphens/underscores as spaces, "&" as "and", spaces collapsed (the form phrases are matched in)."""
    text = _SEPARATORS.sub(" ", text.lower()).replace("&", " and ")
    return _SPACES.sub(" ", text).strip()


@cache
def _derive_data() -> dict[str, Any]:
    text = resources.files("aya.catalog").joinpath("data/derive.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


_EDGE_PUNCT = ".,;:!?()[]{}\"'*"
_CODE = re.compile(r"[a-z0-9]/[a-z0-9]")  # "k/d", "s/o" stay whole; "skin/food" is two words

Hit = tuple[str, str]  # (vocabulary, canonical value)
VOCABS = ("special_features", "target_conditions")


def tokens(normalized: str) -> list[str]:
    """Words of normalized text, edge punctuation stripped: "no corn, wheat or soy." -> no corn wheat or soy."""
    out: list[str] = []
    for raw in normalized.split():
        tok = raw.strip(_EDGE_PUNCT)
        if not tok:
            continue
        if "/" in tok and not _CODE.fullmatch(tok):
            out.extend(t for t in tok.split("/") if t)
        else:
            out.append(tok)
    return out


class PhraseIndex:
    """Whole-word phrase matching by first word: leftmost-longest, non-overlapping, optional plural "s"/"es" on the
    last word. One dict lookup per word of text, so it is fast on long descriptions."""

    def __init__(self, phrases: dict[str, Hit]) -> None:
        self.by_first: dict[str, list[tuple[tuple[str, ...], Hit]]] = {}
        for phrase, hit in phrases.items():
            words = tuple(tokens(phrase))
            if words:
                self.by_first.setdefault(words[0], []).append((words, hit))
        for candidates in self.by_first.values():
            candidates.sort(key=lambda c: -len(c[0]))

    def _candidates(self, word: str) -> list[tuple[tuple[str, ...], Hit]]:
        found = self.by_first.get(word, [])
        if word.endswith("s"):
            found = (
                found
                + self.by_first.get(word[:-1], [])
                + (self.by_first.get(word[:-2], []) if word.endswith("es") else [])
            )
        return found

    def find(self, words: list[str]) -> list[Hit]:
        hits: list[Hit] = []
        i, n = 0, len(words)
        while i < n:
            step = 1
            for phrase, hit in self._candidates(words[i]):
                k = len(phrase)
                if i + k > n:
                    continue
                if all(words[i + j] == phrase[j] for j in range(k - 1)) and _plural_of(words[i + k - 1], phrase[-1]):
                    hits.append(hit)
                    step = k
                    break
            i += step
        return hits


def _plural_of(word: str, base: str) -> bool:
    return word == base or word == base + "s" or word == base + "es"


@cache
def _matchers() -> tuple[PhraseIndex, PhraseIndex]:
    """The phrase index of both vocabularies, and the one of phrases trusted in titles only."""
    phrases: dict[str, Hit] = {}
    title_phrases: dict[str, Hit] = {}
    for vocab in VOCABS:
        data = _derive_data()[vocab]
        exclude = {normalize_text(p) for p in data.get("exclude", [])}
        title_only = {normalize_text(p) for p in data.get("title_only", [])}
        sources: list[tuple[str, list[str]]] = [
            (canonical, [canonical.replace("_", " "), *synonyms]) for canonical, synonyms in vocabulary()[vocab].items()
        ]
        sources += list(data.get("extra", {}).items())
        for canonical, words in sources:
            for phrase in words:
                key = normalize_text(phrase)
                if not key:
                    continue
                if key in title_only:
                    title_phrases.setdefault(key, (vocab, canonical))
                elif key not in exclude:
                    phrases.setdefault(key, (vocab, canonical))
    return PhraseIndex(phrases), PhraseIndex({**title_phrases, **phrases})


def derive_all(text: str, *, title: str = "") -> dict[str, list[str]]:
    """Features and conditions the text or title mentions, by vocabulary name."""
    main, in_titles = _matchers()
    found: dict[str, list[str]] = {vocab: [] for vocab in VOCABS}
    hits = in_titles.find(tokens(normalize_text(title))) if title else []
    if text:
        hits += main.find(tokens(normalize_text(text)))
    for vocab, value in hits:
        if value not in found[vocab]:
            found[vocab].append(value)
    return found


def derive_terms(vocab: str, text: str, *, title: str = "") -> list[str]:
    """Canonical values of ``vocab`` ("special_features" or "target_conditions") mentioned in the text or title."""
    return derive_all(text, title=title)[vocab]


_DOG = re.compile(r"(?<![a-z])(dogs?|pupp(?:y|ies)|canine|doggie|doggy)(?![a-z])")
_CAT = re.compile(r"(?<![a-z])(cats?|kittens?|feline|kitty|kitties)(?![a-z])")


def derive_species(text: str) -> str | None:
    """ "dog" or "cat" when the text mentions exactly one of them; None when it names both or neither."""
    t = text.lower()
    dog, cat = bool(_DOG.search(t)), bool(_CAT.search(t))
    if dog == cat:
        return None
    return "dog" if dog else "cat"


_STAGES: list[tuple[str, re.Pattern[str]]] = [
    ("all", re.compile(r"\ball (?:life )?stages?\b|\ball ages\b|\ball lifestages\b")),
    ("puppy", re.compile(r"\bpupp(?:y|ies)\b|\bjunior\b")),
    ("kitten", re.compile(r"\bkittens?\b")),
    ("senior", re.compile(r"\bseniors?\b|\bmature\b|\baging\b|\b(?:7|11|12)\s?\+|\bolder\b")),
    ("adult", re.compile(r"\badults?\b")),
]


def stages_in(text: str) -> list[str]:
    """Every life stage the text mentions, in vocabulary order."""
    t = normalize_text(text)
    return [stage for stage, pattern in _STAGES if pattern.search(t)]


def combine_stages(stages: list[str]) -> str | None:
    """One life stage for a set: "all" when named or when growth and adult both appear; young before senior/adult."""
    found = set(stages)
    if not found:
        return None
    if "all" in found:
        return "all"
    young = found & {"puppy", "kitten"}
    if young and found & {"adult", "senior"}:
        return "all"
    if young:
        return sorted(young)[0]
    if "senior" in found and "adult" not in found:
        return "senior"
    return "adult"


def derive_life_stage(text: str) -> str | None:
    """The life stage a title names. Unlike a multi-valued field ("adult, senior" = fits both, so adult), a title's
    "Adult 7+ Senior" or "Mature Adult" means senior."""
    stages = stages_in(text)
    if "senior" in stages and not {"all", "puppy", "kitten"} & set(stages):
        return "senior"
    return combine_stages(stages)


_FOOD_TYPES: list[tuple[str, re.Pattern[str]]] = [
    ("topper", re.compile(r"\b(?:food |meal )?toppers?\b|\bmeal mixers?\b|\bmixers?\b|\bfood enhancers?\b")),
    ("treat", re.compile(r"\btreats\b|\bjerky\b|\bdental chews?\b|\bchews\b|\bbiscuit treats?\b")),
    ("freeze_dried", re.compile(r"\bfreeze dried\b|\bfreezedried\b")),
    ("air_dried", re.compile(r"\bair dried\b|\bdehydrated\b")),
    ("raw", re.compile(r"\braw\b")),
    ("frozen", re.compile(r"\bfrozen\b|\bfresh cooked\b|\bgently cooked\b")),
    (
        "wet",
        re.compile(r"\bcanned\b|\bwet\b|\bpate\b|\bpaté\b|\bstew\b|\bin gravy\b|\bpouch(?:es)?\b|\bcans?\b|\btrays?\b"),
    ),
    ("dry", re.compile(r"\bdry\b|\bkibble\b")),
]


def derive_food_type(text: str) -> str | None:
    """The food type a title names, most specific first (a "freeze-dried raw topper" is a topper)."""
    t = normalize_text(text)
    for food_type, pattern in _FOOD_TYPES:
        if pattern.search(t):
            return food_type
    return None


def title_food_type_override(title: str) -> str | None:
    """Toppers and treats sold under a food category (Chewy files toppers as "dry food"): the title decides."""
    t = normalize_text(title)
    for food_type, pattern in _FOOD_TYPES[:2]:
        if pattern.search(t) and not (food_type == "treat" and re.search(r"\bfood\b", t)):
            return food_type
    return None
