"""Shared resources built by the lifespan and reached by routes through dependencies (see deps.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aya.chat.coordination import Coordination
from aya.core.ratelimits import Limiter, MemoryLimiter
from aya.core.settings import Settings
from aya.search.models import ProductSearch
from aya.web.tickets import TicketBook, Tickets


@dataclass
class Resources:
    settings: Settings
    search: ProductSearch | None = None
    coordination: Coordination | None = None  # turn locks, rate-limit counters, change notices (web.ops)
    # Rate limits and quotas of every component (one process's memory by default).
    limiter: Limiter = field(default_factory=MemoryLimiter)
    # Single-use tickets authenticating WebSockets (no tokens in URLs).
    tickets: Tickets = field(default_factory=TicketBook)
    # Set by the components that own them (chat, voice, mcp); typed loosely here so web/ stays the only importer.
    extras: dict[str, Any] = field(default_factory=dict)
