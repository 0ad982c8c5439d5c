"""What an assistant receives for one turn: the :class:`Turn` protocol.

The chat server builds the concrete turn (``aya.chat.assistant.Turn``: the thread, the new message, the caller, the
store, and how the thread's history becomes model input, including continuation with the Responses API); assistants
below ``chat`` depend only on this protocol.
"""

from __future__ import annotations

from typing import Any, Protocol, Self, runtime_checkable

from agents import TResponseInputItem
from chatkit.agents import AgentContext
from chatkit.types import ThreadMetadata, UserMessageItem

from aya.core.context import RequestContext


@runtime_checkable
class Turn(Protocol):
    """One assistant turn: the thread (mutable: changes are saved), the new user message if any, and the caller."""

    @property
    def thread(self) -> ThreadMetadata: ...

    @property
    def input(self) -> UserMessageItem | None: ...

    @property
    def context(self) -> RequestContext: ...

    @property
    def store(self) -> Any:
        """The chat store (``chatkit.store.Store``): ids for new items, the thread's items."""
        ...

    def agent_context(self) -> AgentContext[RequestContext]: ...

    async def agent_input(self, *, responses_api: bool) -> tuple[list[TResponseInputItem], str | None]:
        """``(input, previous_response_id)``: the model input for this turn and the response it continues, if any."""
        ...

    def remember_response(self, response_id: str | None) -> None: ...

    def without_input(self) -> Self: ...
