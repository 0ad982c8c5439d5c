"""Rate limits and quotas behind one small interface.

A :class:`Limiter` answers one question: may ``key`` spend one more unit of ``rates`` now? Rates are strings in the
`limits` library's notation (``"5/minute"``, ``"30/minute;1000/day"``: every part must allow it). The default
:class:`MemoryLimiter` keeps moving windows in process memory (the well-kept ``limits`` library); several web
processes need a shared backend (PostgreSQL) behind the same interface.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from aya.core.errors import RateLimited


@lru_cache(maxsize=64)
def parse_rates(rates: str) -> tuple[RateLimitItem, ...]:
    """``"30/minute;1000/day"`` → its limits; ``ValueError`` naming the problem."""
    try:
        items = tuple(parse_many(rates))
    except ValueError as exc:
        raise ValueError(f"{rates!r} is not a rate such as '5/minute' or '30/minute;1000/day'") from exc
    if not items:
        raise ValueError(f"{rates!r} names no rate")
    return items


def describe(item: RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    return f"{item.amount} per {item.multiples} {unit}" if item.multiples != 1 else f"{item.amount} per {unit}"


class Limiter(Protocol):
    async def hit(self, rates: str, *key: str, what: str) -> None:
        """Spend one unit for ``key``; :class:`~aya.core.errors.RateLimited` (429) naming ``what`` when over."""
        ...

    async def remaining(self, rates: str, *key: str) -> int:
        """Units left for ``key`` in the tightest window."""
        ...


class MemoryLimiter:
    """Moving windows in this process's memory (one process; the counts reset on restart)."""

    def __init__(self) -> None:
        self._storage = MemoryStorage()
        self._strategy = MovingWindowRateLimiter(self._storage)

    async def hit(self, rates: str, *key: str, what: str) -> None:
        items = parse_rates(rates)
        for item in items:
            if not self._strategy.test(item, *key):
                raise RateLimited(f"too many {what}: at most {describe(item)}; try again later")
        for item in items:
            self._strategy.hit(item, *key)

    async def remaining(self, rates: str, *key: str) -> int:
        return min(self._strategy.get_window_stats(item, *key).remaining for item in parse_rates(rates))

    def reset(self) -> None:
        self._storage.reset()
