"""Shared resources built by the lifespan and reached by routes through dependencies (see deps.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aya.chat.coordination import Coordination
from aya.core.settings import Settings
from aya.search.models import ProductSearch


@dataclass
class Resources:
    settings: Settings
    search: ProductSearch | None = None
    coordination: Coordination | None = None  # turn locks, rate-limit counters, change notices (web.ops)
    # Set by the components that own them (chat, voice, mcp); typed loosely here so web/ stays the only importer.
    extras: dict[str, Any] = field(default_factory=dict)
