"""What Aya cannot do (checkout, cart, price matching, delivery, accounts, a diagnosis): honest answers from a
store-policy text, never a pretence. The text is ``data/store_policy.toml`` or the store's own file named by the
setting ``AYA_STORE_POLICY_FILE`` (same format, documented in the data file)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = ["PolicyAnswer", "StorePolicy", "load_policy"]


@dataclass(frozen=True)
class PolicyAnswer:
    topic: str
    text: str


@dataclass(frozen=True)
class StorePolicy:
    topics: tuple[tuple[str, tuple[re.Pattern[str], ...], str], ...]

    def answer(self, message: str) -> PolicyAnswer | None:
        """The policy answer for a message asking Aya to do what she cannot, or ``None``."""
        text = message.lower()
        for topic, patterns, answer in self.topics:
            if any(p.search(text) for p in patterns):
                return PolicyAnswer(topic, answer)
        return None

    def describe(self) -> str:
        """The policy in a few lines, for a hosted model's instructions."""
        return "\n".join(f"- {topic}: {answer}" for topic, _, answer in self.topics)


def _parse(raw: str) -> StorePolicy:
    data = tomllib.loads(raw)
    contact = str(data.get("contact", "customer support"))
    topics = []
    for name, spec in data.get("topics", {}).items():
        patterns = tuple(re.compile(p) for p in spec.get("patterns", []))
        answer = str(spec["answer"]).replace("{contact}", contact)
        answer = re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), answer)
        topics.append((name, patterns, answer))
    return StorePolicy(tuple(topics))


@lru_cache(maxsize=8)
def load_policy(path: Path | None = None) -> StorePolicy:
    """The store policy from ``path`` (``AYA_STORE_POLICY_FILE``) or the bundled default."""
    if path is not None:
        return _parse(Path(path).read_text(encoding="utf-8"))
    return _parse(resources.files("aya.shop.safety").joinpath("data/store_policy.toml").read_text(encoding="utf-8"))
