"""Breeds: which breed a message names, with its species, size class and adult weight (``data/breeds.toml``).

Exact names and aliases first (longest wins, so "toy poodle" beats "poodle" and "miniature schnauzer" beats
"schnauzer"), then a size word in front of a breed ("mini goldendoodle", "tiny poodle"), then misspellings: a word or
two that no table knows, close to a breed name and starting with its letter ("germn shepard", "chiuaua"; "hows"
is not "chows"). A chat word that is also an abbreviation ("bc") is the breed only after "my", "a", "the". A weight
sets the size when no breed does (:func:`size_for_weight`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rapidfuzz import fuzz, process

from aya.shop.understanding.text import PhraseTable, Span, normalize_text
from aya.shop.understanding.vocabulary import data as vocabulary

# Adult weight (kg) at or under which a dog is in each size class; above the last one it is giant.
SIZE_LIMITS_KG: tuple[tuple[str, float], ...] = (("toy", 4.5), ("small", 11.0), ("medium", 25.0), ("large", 45.0))
_SIZE_WORDS = {
    "toy": "toy", "teacup": "toy", "tiny": "toy", "mini": "small", "miniature": "small", "minature": "small",
    "small": "small", "little": "small", "medium": "medium", "standard": "large", "large": "large", "big": "large",
    "giant": "giant", "huge": "giant",
}  # fmt: skip
FUZZY_CUTOFF = 86.0
_GENERIC = frozenset(
    {
        "toy dog",
        "small dog",
        "medium dog",
        "large dog",
        "giant dog",
        "teacup dog",
        "mutt",
        "retriever",
        "hound",
        "terrier",
    }
)


@dataclass(frozen=True)
class Breed:
    name: str
    species: str  # dog | cat
    size: str | None  # toy | small | medium | large | giant (dogs only)
    min_kg: float
    max_kg: float

    @property
    def generic(self) -> bool:
        """A size or kind, not a breed ("small dog", "mutt", "large breed")."""
        return self.name in _GENERIC


@dataclass(frozen=True)
class BreedMatch:
    breed: Breed
    span: Span
    phrase: str


@dataclass(frozen=True)
class _Index:
    by_phrase: dict[str, Breed]
    table: PhraseTable
    names: tuple[str, ...]  # every phrase, for misspellings
    capitals: dict[str, str]  # "GD" -> "great dane": abbreviations that name the breed only in capitals


@cache
def _index() -> _Index:
    text = resources.files("aya.shop.understanding").joinpath("data/breeds.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    by_phrase: dict[str, Breed] = {}
    capitals: dict[str, str] = {}
    for species, groups in data.items():
        for size, breeds in groups.items():
            for name, (lo, hi, aliases, *abbreviations) in breeds.items():
                for abbreviation in ",".join(abbreviations).split(","):
                    if abbreviation.strip():
                        capitals[abbreviation.strip()] = name
                breed = Breed(name, species, size if species == "dog" else None, float(lo), float(hi))
                phrases = [name, *[a.strip() for a in str(aliases).split(",") if a.strip()]]
                for phrase in phrases:
                    for key in {normalize_text(phrase), normalize_text(phrase).replace(".", "")}:
                        by_phrase.setdefault(key, breed)
                        if not key.endswith("s"):
                            by_phrase.setdefault(key + "s", breed)
    return _Index(by_phrase, PhraseTable({k: k for k in by_phrase}), tuple(by_phrase), capitals)


def expand_abbreviations(raw: str) -> str:
    """ "GD puppy" -> "great dane puppy": breed abbreviations in capitals (in lowercase they are other words)."""
    capitals = _index().capitals
    if not capitals or not re.search(r"\b[A-Z]{2,}\b", raw):
        return raw
    letters = [c for c in raw if c.isalpha()]
    if sum(c.isupper() for c in letters) * 2 > len(letters):
        return raw  # a shouted message ("MY CAT WONT EAT BC SHE IS SICK"): capitals say nothing about a word
    return re.sub(r"\b[A-Z]{2,}s?\b", lambda m: capitals.get(m.group(0).rstrip("s"), m.group(0)), raw)


@cache
def breed_words() -> frozenset[str]:
    """Every word of every breed name and alias (never "corrected" into a shopper word)."""
    return frozenset(w for phrase in _index().by_phrase for w in phrase.split())


def all_breeds() -> list[Breed]:
    return list({b.name: b for b in _index().by_phrase.values()}.values())


def find_breed(norm: str, *, known_words: frozenset[str] = frozenset()) -> BreedMatch | None:
    """The first breed ``norm`` (normalized text) names; a size word just before it sets the size class.

    ``known_words`` are words that must never be read as a misspelled breed (the caller's vocabulary)."""
    index = _index()
    found = [
        f
        for f in index.table.find(norm)
        if not (f[0] in _PRODUCT_WORDS and _PRODUCT_BEFORE.search(norm[: f[2][0]]))  # Purina's Puppy Chow
        and not (f[1] in _chat_words() and not _OWNED.search(norm[: f[2][0]]))  # "bc" is "because" unless "my bc"
    ]
    if found:
        # a breed named anywhere outranks a size phrase ("just a big boy, great dane")
        phrase, key, span = next((f for f in found if not index.by_phrase[f[1]].generic), found[0])
        breed = index.by_phrase[key]
        return BreedMatch(_sized(breed, norm, span), span, phrase)
    return _misspelled(norm, known_words)


# Breed words that are also the last word of a food's name ("Puppy Chow", "Dog Chow", "Cat Chow", "Kitten Chow")
_PRODUCT_WORDS = frozenset({"chow", "chows"})
_PRODUCT_BEFORE = re.compile(r"\b(?:puppy|dog|cat|kitten|purina)\s+$")
_OWNED = re.compile(r"\b(?:my|our|a|an|the|his|her|their|your|ur)\s+$")


@cache
def _chat_words() -> frozenset[str]:
    """Chat words that are also a breed's abbreviation ("bc"): a breed only right after "my", "a", "the"."""
    return frozenset(normalize_text(w) for w in vocabulary()["chat"]["words"])


def _sized(breed: Breed, norm: str, span: Span) -> Breed:
    """ "tiny poodle", "mini goldendoodle", "big mutt": a size word just before the breed wins over its table size."""
    m = re.search(r"(\w+)\s+$", norm[: span[0]])
    if breed.species != "dog" or not m or m.group(1) not in _SIZE_WORDS:
        return breed
    size = _SIZE_WORDS[m.group(1)]
    if size == breed.size:
        return breed
    return Breed(f"{m.group(1)} {breed.name}", "dog", size, breed.min_kg, breed.max_kg)


_WORD = re.compile(r"[a-z]{4,}")


def _misspelled(norm: str, known_words: frozenset[str]) -> BreedMatch | None:
    """One or two adjacent words, at least one unknown to every table, close to a breed name ("germn shepard")."""
    words = list(_WORD.finditer(norm))
    index = _index()
    for n in (2, 1):
        for i in range(len(words) - n + 1):
            group = words[i : i + n]
            if n == 2 and group[1].start() - group[0].end() != 1:
                continue
            if all(w.group(0) in known_words for w in group):
                continue
            phrase = " ".join(w.group(0) for w in group)
            hit = process.extractOne(phrase, index.names, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            if hit is None or (n == 1 and " " in hit[0]) or hit[0][0] != phrase[0]:
                continue  # a misspelling keeps its first letter: "hows" is not "chows"
            breed = index.by_phrase[hit[0]]
            span = (group[0].start(), group[-1].end())
            return BreedMatch(_sized(breed, norm, span), span, phrase)
    return None


def size_for_weight(kg: float) -> str:
    """The size class of an adult dog weighing ``kg``."""
    for size, limit in SIZE_LIMITS_KG:
        if kg <= limit:
            return size
    return "giant"
