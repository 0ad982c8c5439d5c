"""Ingredient families: which label words a shopper's "allergic to chicken" or "no grains" rules out.

The families, their members as they appear on real labels, the exceptions and the matching rules are documented in
``data/ingredients.toml``. Everything Aya says or filters about a product's ingredients goes through this module:

- :func:`family_of` — the family a shopper's word names ("chicken meal" -> ``chicken``, "gluten" -> ``gluten``);
- :func:`members` — the label words of a family;
- :func:`expand` — the label words an exclusion list rules out (families expanded, unknown words kept as they are);
- :func:`violations` — which ingredients (and title words) of a product break an exclusion list, as :class:`Match`;
- :func:`explain` — short honest explanations of terms ("novel protein", "hydrolyzed").

Matching is on whole words after normalization (case, hyphens, "by-product"), so "chicken" never matches "chickpeas".
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

__all__ = [
    "Family",
    "Match",
    "describe",
    "expand",
    "explain",
    "families",
    "families_in",
    "family_label",
    "family_of",
    "matches_term",
    "members",
    "named_ingredients",
    "normalize",
    "violations",
]


@dataclass(frozen=True)
class Family:
    name: str
    label: str
    aliases: tuple[str, ...]
    members: tuple[str, ...]
    exceptions: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Match:
    """One reason a product breaks an exclusion: ``excluded`` (what the shopper avoids, a family name or a word),
    ``term`` (the member found), ``ingredient`` (the label text it was found in), ``where`` (ingredients or title)."""

    excluded: str
    term: str
    ingredient: str
    where: str = "ingredients"


_SPACES = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[-_/]+")
_BY_PRODUCT = re.compile(r"\bby\s*products?\b")
_DEBONED = re.compile(r"\bde\s+boned\b")


@lru_cache(maxsize=16384)
def normalize(text: str) -> str:
    """Lower case, hyphens/slashes as spaces, "byproduct"/"by-product" as "by product", spaces collapsed."""
    t = _SEPARATORS.sub(" ", text.lower().replace("’", "'"))
    t = _BY_PRODUCT.sub(lambda m: "by products" if m.group(0).endswith("s") else "by product", t)
    t = _DEBONED.sub("deboned", t)
    return _SPACES.sub(" ", t).strip()


@cache
def _data() -> dict[str, object]:
    raw = resources.files("aya.catalog").joinpath("data/ingredients.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


@cache
def _families() -> dict[str, Family]:
    out: dict[str, Family] = {}
    fams = _data()["families"]
    assert isinstance(fams, dict)
    for name, spec in fams.items():
        out[name] = Family(
            name=name,
            label=str(spec.get("label", name)),
            aliases=tuple(normalize(a) for a in spec.get("aliases", [])),
            members=tuple(dict.fromkeys(normalize(m) for m in spec.get("members", []))),
            exceptions=tuple(normalize(e) for e in spec.get("except", [])),
            note=str(spec.get("note", "")),
        )
    unnamed = _data().get("unnamed", {})
    assert isinstance(unnamed, dict)
    extra = tuple(normalize(m) for m in unnamed.get("members", []))
    for name in unnamed.get("families", []):
        fam = out[name]
        out[name] = Family(
            fam.name,
            fam.label,
            fam.aliases,
            tuple(dict.fromkeys([*fam.members, *extra])),
            fam.exceptions,
            fam.note,
        )
    return out


@cache
def _index() -> dict[str, str]:
    """Every family name, alias and member (normalized, singular and plural) -> the first family listing it."""
    idx: dict[str, str] = {}
    fams = _families()
    for name, fam in fams.items():  # names and aliases first: "fish" is the fish family, not a member
        for key in (normalize(name), normalize(name.replace("_", " ")), *fam.aliases):
            idx.setdefault(key, name)
    for name, fam in fams.items():
        for member in fam.members:
            idx.setdefault(member, name)
    return idx


def families() -> list[str]:
    """Every family name, in the data file's order."""
    return list(_families())


def family_of(term: str) -> str | None:
    """The family a word names: a family name, an alias or a member ("Chicken Meal" -> ``chicken``), else ``None``.

    Plurals and "-free" are folded: "eggs" -> ``egg``, "grain-free" -> ``grains``, "dairy free" -> ``dairy``.
    """
    t = normalize(term)
    t = re.sub(r"\s*\bfree$", "", t).strip()
    if not t:
        return None
    idx = _index()
    for candidate in (t, _singular(t), f"{t}s"):
        if candidate in idx:
            return idx[candidate]
    return None


def named_ingredients(text: str) -> list[tuple[str, str]]:
    """The ingredient phrases a text names, longest first at each word, with their family, in order and without
    repeats ("chicken meal and beef" -> ("chicken meal", "chicken"), ("beef", "beef"))."""
    words = re.findall(r"[a-z][a-z'-]*", text.lower())
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        for n in (3, 2, 1):
            phrase = " ".join(words[i : i + n])
            fam = family_of(phrase) if len(phrase) > 2 and phrase != "free" else None
            if fam:
                out.append((phrase, fam))
                i += n
                break
        else:
            i += 1
    return list(dict.fromkeys(out))


def families_in(text: str) -> list[str]:
    """The families named in a phrase, in order ("chicken, beef and dairy" -> chicken, beef, dairy)."""
    return list(dict.fromkeys(fam for _, fam in named_ingredients(text)))


def members(family: str) -> list[str]:
    """The label words of a family (normalized, most common first); ``[]`` for an unknown family."""
    fam = _families().get(family)
    return list(fam.members) if fam else []


def family_label(family: str) -> str:
    """How Aya names a family in a sentence ("chicken or other poultry"); the word itself for a non-family."""
    fam = _families().get(family)
    return fam.label if fam else family


def describe(family: str) -> str:
    """A sentence on what a family covers on a label, for a shopper's question ("what counts as chicken?")."""
    fam = _families().get(family)
    if fam is None:
        return ""
    if fam.note:
        return fam.note
    shown = [m for m in fam.members if m not in _unnamed_members()][:10]
    return f"{fam.label[0].upper()}{fam.label[1:]} on a label: {', '.join(shown)}."


def explain(term: str) -> str | None:
    """A short honest explanation of a pet food term ("novel protein", "hydrolyzed"), or ``None``."""
    terms = _data().get("terms", {})
    assert isinstance(terms, dict)
    t = normalize(term)
    for key, text in terms.items():
        k = normalize(key)
        if k == t or _singular(k) == _singular(t) or re.search(rf"\b{re.escape(k)}", t):
            return str(text)
    return None


def expand(excluded: Iterable[str]) -> list[str]:
    """The normalized label words an exclusion list rules out: each family's members (an exclusion may name the
    family, an alias or a member: "chicken meal" rules out all chicken), unknown words as given."""
    out: dict[str, None] = {}
    for term in excluded:
        fam = family_of(term)
        if fam is not None:
            out.update(dict.fromkeys(_families()[fam].members))
        else:
            t = normalize(term)
            if t:
                out[t] = None
    return list(out)


def exceptions(excluded: Iterable[str]) -> list[str]:
    """The phrases that do not count for these exclusions ("milk thistle" for dairy)."""
    out: dict[str, None] = {}
    for term in excluded:
        fam = family_of(term)
        if fam is not None:
            out.update(dict.fromkeys(_families()[fam].exceptions))
    return list(out)


def matches_term(text: str, term: str, exceptions: Sequence[str] = ()) -> bool:
    """Whether ``term`` occurs in ``text`` as whole words (optional plural), outside the ``exceptions`` phrases."""
    t = normalize(text)
    for phrase in exceptions:
        t = _phrase_pattern(phrase).sub(" ", t)
    return _phrase_pattern(normalize(term)).search(t) is not None


def violations(ingredients: Sequence[str], excluded: Sequence[str], *, title: str = "") -> list[Match]:
    """Every ingredient (and title word) that breaks ``excluded`` (family names, aliases, members or plain words).

    One :class:`Match` per excluded term and offending ingredient (the longest member found), in label order.
    ``[]`` means the product is clear of everything in ``excluded`` as far as its label and title say.
    """
    found: list[Match] = []
    title_text = _strip_negations(normalize(title)) if title else ""
    for term in excluded:
        fam = family_of(term)
        words = _families()[fam].members if fam else (normalize(term),)
        skip = _families()[fam].exceptions if fam else ()
        if not words or not words[0]:
            continue
        label = fam or normalize(term)
        for ingredient in ingredients:
            hit = _first_member(normalize(ingredient), words, skip)
            if hit:
                found.append(Match(excluded=label, term=hit, ingredient=ingredient.strip()))
        if title_text:
            hit = _first_member(title_text, words, skip)
            if hit:
                found.append(Match(excluded=label, term=hit, ingredient=title.strip(), where="title"))
    return found


def _first_member(text: str, words: Sequence[str], skip: Sequence[str]) -> str | None:
    for phrase in skip:
        if phrase in text:
            text = _phrase_pattern(phrase).sub(" ", text)
    best: str | None = None
    for word in words:
        if word.split(" ")[0] not in text:  # cheap pre-check before the regex
            continue
        if _phrase_pattern(word).search(text) and (best is None or len(word) > len(best)):
            best = word
    return best


@lru_cache(maxsize=4096)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in phrase.split(" ")]
    body = r"\s+".join(parts)
    return re.compile(rf"(?<![\w']){body}(?:s|es)?(?![\w])")


_NEGATIONS = (
    # "grain free", "chicken free" (one word: "chicken grain free recipe" still names chicken)
    re.compile(r"\b[\w']+ free\b"),
    # "no corn, wheat or soy", "without poultry by products", "free of artificial colors": up to four words in a list
    re.compile(r"\b(?:no|without|free of|free from|zero)\s+[\w']+(?:(?:\s*,\s*|\s+(?:or|and|&)\s+|\s+)[\w']+){0,3}"),
)


def _strip_negations(text: str) -> str:
    for pattern in _NEGATIONS:
        text = pattern.sub(" ", text)
    return text


def _singular(t: str) -> str:
    if t.endswith("ies"):
        return t[:-3] + "y"
    if t.endswith("es") and t[:-2].endswith(("ch", "sh", "ss", "x", "o")):
        return t[:-2]
    if t.endswith("s") and not t.endswith("ss"):
        return t[:-1]
    return t


@cache
def _unnamed_members() -> frozenset[str]:
    unnamed = _data().get("unnamed", {})
    assert isinstance(unnamed, dict)
    return frozenset(normalize(m) for m in unnamed.get("members", []))
