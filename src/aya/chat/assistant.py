"""The seam between the chat server and the assistant.

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

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from agents import Agent, RunConfig, Runner, TResponseInputItem
from chatkit.actions import Action
from chatkit.agents import AgentContext, ThreadItemConverter, stream_agent_response
from chatkit.types import (
    HiddenContextItem,
    ThreadItemDoneEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
    WidgetItem,
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


@runtime_checkable
class Assistant(Protocol):
    def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]: ...

    def action(
        self, turn: Turn, action: Action[str, Any], sender: WidgetItem | None
    ) -> AsyncIterator[ThreadStreamEvent]: ...


AgentFactory = Callable[[Turn], Agent[AgentContext[RequestContext]]]
ActionHandler = Callable[[Turn, Action[str, Any], WidgetItem | None], AsyncIterator[ThreadStreamEvent]]


def action_as_hidden_context(action: Action[str, Any], sender: WidgetItem | None) -> str:
    payload = json.dumps(action.payload, default=str)
    where = f" on widget {sender.id}" if sender is not None else ""
    return f"The user clicked the '{action.type}' action{where} with payload {payload}. Respond to it."


class AgentAssistant:
    """An :class:`Assistant` that runs an Agents SDK agent per turn.

    ``agent_factory(turn)`` builds the agent (instructions may use ``turn.context.username``). ``responses_api`` says
    whether the model is the OpenAI Responses API (then ``previous_response_id`` continues the conversation).
    ``on_action`` handles widget actions; without it an action becomes hidden context and the agent answers it.
    """

    def __init__(
        self,
        agent_factory: AgentFactory,
        *,
        responses_api: bool = False,
        run_config: RunConfig | None = None,
        max_turns: int = 8,
        on_action: ActionHandler | None = None,
    ) -> None:
        self.agent_factory = agent_factory
        self.responses_api = responses_api
        self.run_config = run_config or RunConfig(tracing_disabled=True)
        self.max_turns = max_turns
        self.on_action = on_action

    async def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        agent = self.agent_factory(turn)
        agent_context = turn.agent_context()
        agent_input, previous = await turn.agent_input(responses_api=self.responses_api)
        result = Runner.run_streamed(
            agent,
            agent_input,
            context=agent_context,
            previous_response_id=previous,
            run_config=self.run_config,
            max_turns=self.max_turns,
        )
        try:
            async for event in stream_agent_response(agent_context, result):
                yield event
        finally:
            if not result.is_complete:
                result.cancel()
        if self.responses_api:
            turn.remember_response(result.last_response_id)

    async def action(
        self, turn: Turn, action: Action[str, Any], sender: WidgetItem | None
    ) -> AsyncIterator[ThreadStreamEvent]:
        if self.on_action is not None:
            async for event in self.on_action(turn, action, sender):
                yield event
            return
        yield ThreadItemDoneEvent(
            item=HiddenContextItem(
                id=turn.store.generate_item_id("message", turn.thread, turn.context),
                thread_id=turn.thread.id,
                created_at=datetime.now(),
                content=action_as_hidden_context(action, sender),
            )
        )
        async for event in self.respond(turn.without_input()):
            yield event


Transcriber = Callable[[bytes, str], Awaitable[str]]
"""Speech to text for ``input.transcribe``: ``(audio bytes, mime type) -> text``; set by the voice component."""
