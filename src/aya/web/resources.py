"""Shared resources built by the lifespan and reached by routes through dependencies (see deps.py).

Each component's ``setup`` fills its own typed fields, in the lifespan order of ``aya.web.app``; later components
receive earlier ones through these fields and pass them to constructors (the chat server gets its assistants, the
MCP servers and the speech-to-text at construction, never by mutation afterwards).

``extras`` is a compatibility view for callers written before the fields were typed: ``resources.extras["chat_server"]``
reads and writes ``resources.chat_server``; an unknown key is an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from aya.chat.coordination import Coordination
from aya.core.ratelimits import Limiter, MemoryLimiter
from aya.core.settings import Settings
from aya.search.embedder import Embedder
from aya.search.models import ProductSearch
from aya.web.tickets import TicketBook, Tickets

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from aya.assistants import Assistant
    from aya.automation.services import OpsServices
    from aya.chat.assistant import Transcriber
    from aya.chat.server import AyaChatServer
    from aya.chat.store import AyaStore
    from aya.mcp.registry import McpRegistry
    from aya.voice.realtime import RealtimeMinter
    from aya.voice.session import VoiceModels


@dataclass(eq=False)
class Resources:
    settings: Settings
    # search
    search: ProductSearch | None = None
    embedder: Embedder | None = None  # the search's embedder (MiniLM), shared with the shop's intent classifier
    search_warm_up: asyncio.Task[None] | None = None
    coordination: Coordination | None = None  # turn locks, rate-limit counters, change notices (web.ops)
    # security: rate limits and quotas of every component (one process's memory by default), and single-use
    # tickets authenticating WebSockets (no tokens in URLs)
    limiter: Limiter = field(default_factory=MemoryLimiter)
    tickets: Tickets = field(default_factory=TicketBook)
    # mcp
    mcp_registry: McpRegistry | None = None
    mcp_asgi: ASGIApp | None = None
    # voice
    voice_models: VoiceModels | None = None
    realtime_minter: RealtimeMinter | None = None
    transcriber: Transcriber | None = None
    # chat: ``assistant`` (set before start-up, e.g. by tests) replaces Aya as the default assistant; ``assistants``
    # are the other assistants by name (Aya Ops registers as "ops"), all handed to the chat server it builds.
    assistant: Assistant | None = None
    assistants: dict[str, Assistant] = field(default_factory=dict)
    chat_store: AyaStore | None = None
    chat_server: AyaChatServer | None = None
    # Aya Ops (staff): tasks, audit, commands
    ops: OpsServices | None = None

    @property
    def extras(self) -> MutableMapping[str, Any]:
        return _FieldView(self)


_NOT_EXTRAS = {"settings", "search", "assistants", "limiter", "tickets"}


class _FieldView(MutableMapping[str, Any]):
    """``resources.extras[key]`` as the typed field ``key`` (a field holding ``None`` reads as absent)."""

    def __init__(self, resources: Resources) -> None:
        self._resources = resources
        self._names = [f.name for f in fields(resources) if f.name not in _NOT_EXTRAS]

    def _check(self, key: str) -> None:
        if key not in self._names:
            raise KeyError(f"{key!r} is not a resource; use the typed fields of aya.web.resources.Resources")

    def __getitem__(self, key: str) -> Any:
        self._check(key)
        value = getattr(self._resources, key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self._check(key)
        setattr(self._resources, key, value)

    def __delitem__(self, key: str) -> None:
        self._check(key)
        setattr(self._resources, key, None)

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._names if getattr(self._resources, name) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)
