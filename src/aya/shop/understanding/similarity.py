"""Intents by similarity to example utterances, for messages the rules do not decide.

The examples live in ``data/intents.toml`` (15–30 per intent). With an embedder (the search's MiniLM, already loaded
for hybrid search) the examples are embedded once per process (:meth:`IntentClassifier.warm`, off the event loop:
the embedder runs in a worker thread) and a message gets the intent of its nearest example when the cosine similarity
reaches the threshold (``AYA_INTENT_SIMILARITY_THRESHOLD``). Without an embedder, or when it fails, the intents'
keywords decide (offline keyword mode). Rules always come first: the caller asks only about a message no rule read
(:func:`undecided`), and safety never depends on a guess (emergencies are caught by the safety rules before any
model; the ``emergency`` intent can only add a route to the vet).
"""

from __future__ import annotations

import asyncio
import logging
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal, Protocol

import numpy as np

from aya.shop.understanding.parse import Parsed
from aya.shop.understanding.text import normalize_text

logger = logging.getLogger("aya.shop")

Route = Literal[
    "greeting",
    "thanks",
    "goodbye",
    "details",
    "unit_price",
    "feeding",
    "compare",
    "cheaper",
    "bigger",
    "other_flavour",
    "other_animal",
    "order",
    "off_topic",
    "emergency",
    "search",
]
ROUTES: frozenset[str] = frozenset(Route.__args__)  # type: ignore[attr-defined]
DEFAULT_THRESHOLD = 0.45
# A message the rules did read (a pet, "help") may still describe an emergency the safety rules have no words for
# ("my cat hasnt peed all day and keeps trying"): the emergency intent then adds the route to the vet, at this
# stricter similarity. It never removes one, and nothing else is taken from similarity for such a message.
EMERGENCY_SCORE = 0.7
MIN_WORDS = 2  # one word ("ok", "hmm", "maybe") is too little to compare: rules or nothing


class TextEmbedder(Protocol):
    """What the classifier needs of :class:`aya.search.embedder.Embedder`: L2-normalized vectors, asynchronously."""

    async def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class IntentSpec:
    name: str
    route: Route
    examples: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class IntentGuess:
    """The intent of a message: its name, the route the policy takes, the score and how it was found."""

    intent: str
    route: Route
    score: float
    method: Literal["similarity", "keywords"]
    example: str = ""  # the nearest example (similarity) or the keyword that matched


def load_intents(text: str | None = None) -> tuple[IntentSpec, ...]:
    """The intents of ``data/intents.toml`` (or of ``text`` in the same format); a bad file is a ``ValueError``."""
    raw: Mapping[str, Any] = tomllib.loads(text if text is not None else _bundled())
    specs: list[IntentSpec] = []
    for name, body in raw.items():
        route = body.get("route") if isinstance(body, Mapping) else None
        if route not in ROUTES:
            raise ValueError(f"intent {name!r}: unknown route {route!r}")
        examples = tuple(str(e).strip() for e in body.get("examples", []) if str(e).strip())
        keywords = tuple(normalize_text(str(k)) for k in body.get("keywords", []) if str(k).strip())
        if not examples:
            raise ValueError(f"intent {name!r} has no examples")
        specs.append(IntentSpec(name, route, examples, keywords))
    return tuple(specs)


@cache
def _bundled() -> str:
    return resources.files("aya.shop.understanding").joinpath("data/intents.toml").read_text(encoding="utf-8")


@cache
def bundled_intents() -> tuple[IntentSpec, ...]:
    return load_intents()


def undecided(p: Parsed) -> bool:
    """Whether no rule read anything in the message: no slot, act, reference, out-of-scope or shopping word. Only
    such messages are classified by similarity (rules always win). "these" or "them" alone decides nothing ("how do
    these stack up?"): the intent's route reads the products shown; neither does the "unsure" act in a longer
    message ("any" in "any bigger packs available?")."""
    acts = p.acts - {"unsure"} if p.words >= 4 else p.acts
    return not (
        p.has_pet_facts
        or acts
        or p.refs
        or p.ref_attribute is not None
        or p.superlative is not None
        or p.package is not None
        or p.out_of_scope is not None
        or p.medical
        or p.pet_other
        or p.pet_words
        or p.shopping
        or p.count is not None
        or p.difference is not None
        or p.budget_min is not None
    )


_FOOD = re.compile(r"\b(?:food|foods|kibble|eat|eats|eating|feed|feeding|diet|meal|meals|recipe|treats?|brand)\b")


def may_be_emergency(p: Parsed) -> bool:
    """A message about a pet that asks for no food and names no need (so it may be about the pet's health right
    now), and that the rules did not already answer as an emergency, an order or another animal."""
    wishes = (
        p.conditions or p.not_conditions or p.features or p.food_types or p.not_food_types or p.avoid or p.flavors
        or p.brands or p.avoid_brands or p.lines or p.budget_max is not None or p.refs or p.ref_attribute
    )  # fmt: skip
    # a topic the rules refused ("hiding under the bed" reads as bedding) may still be an emergency
    return p.out_of_scope in (None, "non_food", "off_topic", "medical") and not wishes and _FOOD.search(p.text) is None


async def intent_of(classifier: IntentClassifier, p: Parsed) -> IntentGuess | None:
    """The intent the policy may use for message ``p``: any intent when no rule read the message; for a message the
    rules read, only an emergency (at :data:`EMERGENCY_SCORE`), never anything that would override the rules."""
    if undecided(p):
        return await classifier.classify(p.text)
    if may_be_emergency(p):
        guess = await classifier.classify(p.text)
        if guess is not None and guess.route == "emergency" and guess.score >= EMERGENCY_SCORE:
            return guess
    return None


class IntentClassifier:
    """Nearest example intent. ``embedder`` None: keywords only. One instance per process (the examples' vectors)."""

    def __init__(
        self,
        embedder: TextEmbedder | None,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        intents: Sequence[IntentSpec] | None = None,
    ) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.intents = tuple(intents if intents is not None else bundled_intents())
        self._labels: list[int] = [i for i, spec in enumerate(self.intents) for _ in spec.examples]
        self._texts: list[str] = [e for spec in self.intents for e in spec.examples]
        self._vectors: np.ndarray | None = None
        self._lock = asyncio.Lock()
        self._keywords = [
            (re.compile(r"\b" + re.escape(k) + r"\b"), k, i)
            for i, spec in enumerate(self.intents)
            for k in sorted(spec.keywords, key=len, reverse=True)
        ]

    @property
    def mode(self) -> Literal["similarity", "keywords"]:
        return "similarity" if self.embedder is not None else "keywords"

    async def warm(self) -> None:
        """Embed the examples (once; concurrent callers wait for the first). A failing embedder leaves keyword mode."""
        if self._vectors is not None or self.embedder is None:
            return
        async with self._lock:
            if self._vectors is not None or self.embedder is None:
                return
            try:
                vectors = await self.embedder.embed(self._texts)
            except Exception:
                logger.warning("intent examples could not be embedded: keyword mode", exc_info=True)
                self.embedder = None
                return
            self._vectors = np.asarray(vectors, np.float32)

    async def classify(self, text: str) -> IntentGuess | None:
        """The message's intent, or None when nothing is similar enough (and no keyword matches)."""
        norm = normalize_text(text)
        if len(norm.split()) < MIN_WORDS:
            return None
        if self.embedder is not None:
            await self.warm()
        if self.embedder is not None and self._vectors is not None:
            try:
                query = await self.embedder.embed([norm])
            except Exception:
                logger.warning("a message could not be embedded: keyword mode for it", exc_info=True)
            else:
                return self._nearest(np.asarray(query, np.float32)[0])
        return self.by_keywords(norm)

    def _nearest(self, vector: np.ndarray) -> IntentGuess | None:
        assert self._vectors is not None
        scores = self._vectors @ vector
        best = int(np.argmax(scores))
        score = float(scores[best])
        if score < self.threshold:
            return None
        spec = self.intents[self._labels[best]]
        return IntentGuess(spec.name, spec.route, round(score, 4), "similarity", self._texts[best])

    def by_keywords(self, text: str) -> IntentGuess | None:
        """Offline keyword mode: the intent with the most (then the longest) keyword matches."""
        norm = normalize_text(text)
        hits: dict[int, list[str]] = {}
        for pattern, keyword, index in self._keywords:
            if pattern.search(norm):
                hits.setdefault(index, []).append(keyword)
        if not hits:
            return None
        index = max(hits, key=lambda i: (len(hits[i]), max(len(k) for k in hits[i]), -i))
        spec = self.intents[index]
        return IntentGuess(spec.name, spec.route, float(len(hits[index])), "keywords", hits[index][0])


__all__ = [
    "DEFAULT_THRESHOLD",
    "EMERGENCY_SCORE",
    "IntentClassifier",
    "IntentGuess",
    "IntentSpec",
    "Route",
    "bundled_intents",
    "intent_of",
    "load_intents",
    "may_be_emergency",
    "undecided",
]
