"""``OpsAssistant``: Aya Ops behind the assistant seam (:mod:`aya.assistants`), registered as ``"ops"``.

Turns run the ops agent through the shared run loop; task cards' buttons (approve, deny, cancel, retry) are widget
actions handled here without the model: the card that was clicked is replaced by its new state and, when work
starts, a live card follows it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from agents import Agent, Model, RunConfig, Tool
from agents.mcp import MCPServer
from chatkit.actions import Action
from chatkit.types import ThreadItemReplacedEvent, ThreadStreamEvent, WidgetItem

from aya.assistants import Turn, run_agent
from aya.automation.agent import build_ops_agent
from aya.automation.services import OpsServices
from aya.automation.tasks import Task
from aya.automation.tools import OpsRunContext, card_events, new_card, settled
from aya.automation.widgets import (
    ACTION_APPROVE,
    ACTION_CANCEL,
    ACTION_DENY,
    ACTION_RETRY,
    describe_task,
    task_widget,
)
from aya.core.errors import AyaError, BadRequest

logger = logging.getLogger("aya.automation")

NAME = "ops"
MAX_TURNS = 6


class OpsAssistant:
    # Cancel runs even while the thread follows the task (the following card then shows it cancelled).
    concurrent_actions = frozenset({ACTION_CANCEL})

    def __init__(
        self,
        services: OpsServices,
        model: Model,
        *,
        responses_api: bool = False,
        run_config: RunConfig | None = None,
        mcp_servers: Callable[[], list[MCPServer]] | None = None,
        extra_tools: Sequence[Tool] = (),
    ) -> None:
        self.services = services
        self.model = model
        self.responses_api = responses_api
        self.run_config = run_config or RunConfig(tracing_disabled=True, workflow_name="Aya Ops")
        self._mcp_servers = mcp_servers
        self.agent: Agent[OpsRunContext] = build_ops_agent(services, model, extra_tools)
        if mcp_servers is not None:
            self.agent = self.agent.clone(mcp_config={"include_server_in_tool_names": True})

    def _turn_agent(self) -> Agent[OpsRunContext]:
        servers = self._mcp_servers() if self._mcp_servers is not None else []
        return self.agent.clone(mcp_servers=servers) if servers else self.agent

    async def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        chat = turn.agent_context()
        ctx = OpsRunContext(services=self.services, chat=chat, user=turn.context)
        async for event in run_agent(
            self._turn_agent(),
            turn,
            context=ctx,
            chat=chat,
            responses_api=self.responses_api,
            run_config=self.run_config,
            max_turns=MAX_TURNS,
        ):
            yield event

    async def action(
        self, turn: Turn, action: Action[str, Any], sender: WidgetItem | None
    ) -> AsyncIterator[ThreadStreamEvent]:
        task_id = (action.payload or {}).get("task_id")
        if not isinstance(task_id, int):
            raise BadRequest("a task action needs an integer task_id", field="params.action.payload.task_id")
        user = turn.context
        tasks = self.services.tasks
        started = time.perf_counter()
        verbs = {ACTION_APPROVE: "approve", ACTION_DENY: "deny", ACTION_CANCEL: "cancel", ACTION_RETRY: "retry"}
        verb = verbs.get(action.type)
        if verb is None:
            raise BadRequest(f"unknown action {action.type!r}", field="params.action.type")
        try:
            task: Task = await getattr(tasks, verb)(task_id, user_id=user.user_id, everyone=user.is_admin)
            outcome, result = "ok", describe_task(task)
        except AyaError as exc:
            await self._audit(turn, verb, task_id, "refused", exc.message, started)
            raise
        await self._audit(turn, verb, task_id, outcome, result, started)
        if sender is not None and verb != "retry":  # (a card still followed ends in the same, cancelled, state)
            yield ThreadItemReplacedEvent(item=sender.model_copy(update={"widget": task_widget(task)}))
            if verb == "cancel" and not task.done:  # handed over to the worker running it: show when it stopped
                task = await settled(self.services, task, user_id=user.user_id, everyone=user.is_admin)
                yield ThreadItemReplacedEvent(item=sender.model_copy(update={"widget": task_widget(task)}))
        if verb in ("approve", "retry"):
            card = new_card(turn.store, turn.thread, turn.context, task)
            async for event in card_events(self.services, task, card):
                yield event

    async def _audit(self, turn: Turn, verb: str, task_id: int, outcome: str, result: str, started: float) -> None:
        await self.services.audit.record(
            user_id=turn.context.user_id,
            role=turn.context.role,
            tool=f"{verb}_task (card)",
            arguments={"task_id": task_id},
            outcome=outcome,
            result=result,
            duration_ms=(time.perf_counter() - started) * 1000,
            task_id=task_id,
        )
