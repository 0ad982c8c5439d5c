"""The interface between the chat server and an assistant, and :class:`AgentAssistant` (any Agents SDK agent).

``AyaChatServer`` owns the protocol, the store, titles, ids, cancellation and continuity; an :class:`Assistant` owns
what is said. It receives a :class:`~aya.assistants.turn.Turn` and yields ChatKit events::

    class Assistant(Protocol):
        def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]: ...
        def action(self, turn: Turn, action: Action[str, Any], sender: WidgetItem | None)
            -> AsyncIterator[ThreadStreamEvent]: ...

and optionally ``async def sync_action(turn, action, sender) -> SyncCustomActionResponse``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from agents import Agent, RunConfig
from chatkit.actions import Action
from chatkit.agents import AgentContext
from chatkit.types import HiddenContextItem, ThreadItemDoneEvent, ThreadStreamEvent, WidgetItem

from aya.assistants.run import run_agent
from aya.assistants.turn import Turn
from aya.core.context import RequestContext


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
    """An :class:`Assistant` that runs an Agents SDK agent per turn (through :func:`~aya.assistants.run.run_agent`).

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
        chat = turn.agent_context()
        async for event in run_agent(
            self.agent_factory(turn),
            turn,
            context=chat,
            chat=chat,
            responses_api=self.responses_api,
            run_config=self.run_config,
            max_turns=self.max_turns,
        ):
            yield event

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
