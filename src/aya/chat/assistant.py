"""The seam between the chat server and the assistant (the interface and the run loop live in :mod:`aya.assistants`,
below ``shop``; this module builds the concrete :class:`Turn`).

``AyaChatServer`` owns the protocol, the store, titles, ids, cancellation and continuity; an :class:`Assistant` owns
what is said. It receives a :class:`Turn` and yields ChatKit events::

    class Assistant(Protocol):
        def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]: ...
        def action(self, turn: Turn, action: Action[str, Any], sender: WidgetItem | None)
            -> AsyncIterator[ThreadStreamEvent]: ...

and optionally ``async def sync_action(turn, action, sender) -> SyncCustomActionResponse``.

Most assistants are an Agents SDK agent: :class:`AgentAssistant` runs one with ``Runner.run_streamed`` and
``chatkit.agents.stream_agent_response``, builds the input with :meth:`Turn.agent_input` (history bounded by
``history_max_items``, or ``previous_response_id`` with the Responses API) and records the run's last response id.
The shop package plugs in by giving an agent factory (``Turn -> Agent``) and, for card actions, an action handler;
see ``aya.web.routes.chatkit.build_assistant``. The agent's run context is ``chatkit.agents.AgentContext`` whose
``request_context`` is the caller's :class:`RequestContext` (user id, username for personalization).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from agents import TResponseInputItem
from chatkit.agents import AgentContext, ThreadItemConverter
from chatkit.types import (
    ThreadMetadata,
    UserMessageItem,
)

from aya.assistants import (  # re-exported: the chat package's callers import them from here
    ActionHandler,
    AgentAssistant,
    AgentFactory,
    Assistant,
    action_as_hidden_context,
)
from aya.chat.history import continuation, recent_items, remember_response
from aya.chat.store import AyaStore
from aya.core.context import RequestContext

logger = logging.getLogger("aya.chat")


@dataclass
class Turn:
    """One assistant turn: the thread (mutable: changes are saved), the new user message if any, and the caller."""

    thread: ThreadMetadata
    input: UserMessageItem | None
    context: RequestContext
    store: AyaStore
    converter: ThreadItemConverter
    history_max_items: int = 40

    def agent_context(self) -> AgentContext[RequestContext]:
        return AgentContext(thread=self.thread, store=self.store, request_context=self.context)

    async def history(self) -> list[TResponseInputItem]:
        """The newest stored items (at most ``history_max_items``) as model input; includes the new message."""
        items = await recent_items(self.store, self.thread.id, self.history_max_items, self.context)
        return await self.converter.to_agent_input(items)

    async def agent_input(self, *, responses_api: bool) -> tuple[list[TResponseInputItem], str | None]:
        """``(input, previous_response_id)``: only the new message when the Responses API can continue (the model
        has seen everything before it, see :func:`aya.chat.history.continuation`), else the stored history."""
        if responses_api and self.input is not None:
            previous = await continuation(self.store, self.thread, self.input.id, self.context)
            if previous is not None:
                return await self.converter.to_agent_input(self.input), previous
        return await self.history(), None

    def remember_response(self, response_id: str | None) -> None:
        remember_response(self.thread, response_id)

    def without_input(self) -> Turn:
        return replace(self, input=None)


Transcriber = Callable[[bytes, str], Awaitable[str]]
"""Speech to text for ``input.transcribe``: ``(audio bytes, mime type) -> text``; set by the voice component."""


__all__ = [
    "ActionHandler",
    "AgentAssistant",
    "AgentFactory",
    "Assistant",
    "Transcriber",
    "Turn",
    "action_as_hidden_context",
]
