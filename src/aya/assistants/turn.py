"""One assistant turn (:class:`Turn`) and the thread-history helpers it uses.

With the OpenAI Responses API the thread keeps the last response id in its server-only metadata
(``metadata["previous_response_id"]``) and a new user message is sent alone with ``previous_response_id``; every other
case rebuilds the input from the newest ``history_max_items`` stored items.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from agents import TResponseInputItem
from chatkit.agents import AgentContext, ThreadItemConverter
from chatkit.store import Store
from chatkit.types import ThreadItem, ThreadMetadata, UserMessageItem

from aya.core.context import RequestContext

PREVIOUS_RESPONSE_ID = "previous_response_id"


async def recent_items(
    store: Store[RequestContext], thread_id: str, limit: int, context: RequestContext
) -> list[ThreadItem]:
    """The newest ``limit`` items of a thread, oldest first."""
    page = await store.load_thread_items(thread_id, None, limit, "desc", context)
    return list(reversed(page.data))


def previous_response_id(thread: ThreadMetadata) -> str | None:
    value: Any = thread.metadata.get(PREVIOUS_RESPONSE_ID)
    return value if isinstance(value, str) and value else None


def forget_previous_response(thread: ThreadMetadata) -> bool:
    """Drop the stored response id (the next turn rebuilds history); whether there was one."""
    return thread.metadata.pop(PREVIOUS_RESPONSE_ID, None) is not None


@dataclass
class Turn:
    """One assistant turn: the thread (mutable: changes are saved), the new user message if any, and the caller."""

    thread: ThreadMetadata
    input: UserMessageItem | None
    context: RequestContext
    store: Store[RequestContext]
    converter: ThreadItemConverter
    history_max_items: int = 40

    def agent_context(self) -> AgentContext[RequestContext]:
        return AgentContext(thread=self.thread, store=self.store, request_context=self.context)

    async def history(self) -> list[TResponseInputItem]:
        """The newest stored items (at most ``history_max_items``) as model input; includes the new message."""
        items = await recent_items(self.store, self.thread.id, self.history_max_items, self.context)
        return await self.converter.to_agent_input(items)

    async def agent_input(self, *, responses_api: bool) -> tuple[list[TResponseInputItem], str | None]:
        """``(input, previous_response_id)``: only the new message when the Responses API can continue, else history."""
        previous = previous_response_id(self.thread) if responses_api else None
        if previous is not None and self.input is not None:
            return await self.converter.to_agent_input(self.input), previous
        return await self.history(), None

    def remember_response(self, response_id: str | None) -> None:
        if response_id:
            self.thread.metadata[PREVIOUS_RESPONSE_ID] = response_id

    def without_input(self) -> Turn:
        return replace(self, input=None)
