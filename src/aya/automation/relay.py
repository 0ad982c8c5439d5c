"""Aya Ops' tools called from outside a chat turn: the Realtime voice relay (``POST /api/ops/tools/{name}``).

With OpenAI Realtime the conversation runs between the browser and OpenAI; the session declares Aya Ops' tools
(:func:`realtime_ops_tools`, the agent's own strict schemas) and the browser relays each call here. The call runs the
very tool the chat agent runs (:func:`~aya.automation.tools.ops_tools`: the same planning, argument checks, task
manager, approvals and audit), in the staff member's Aya Ops thread: a :class:`ThreadRecorder` stands in for the chat
stream, saving each card the tool streams into the thread at once (so its Approve / Deny / Cancel buttons work as
ChatKit actions, and the Staff tab shows it) and keeping the newest version of each card for the answer.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

from agents import FunctionTool
from agents.tool_context import ToolContext
from chatkit.agents import AgentContext
from chatkit.server import stream_widget
from chatkit.types import ThreadItemDoneEvent, ThreadItemReplacedEvent, ThreadStreamEvent, WidgetItem
from chatkit.widgets import WidgetRoot
from jsonschema import Draft202012Validator
from pydantic import PrivateAttr

from aya.automation.services import OpsServices
from aya.automation.tools import OpsRunContext, ops_tools
from aya.core.context import RequestContext
from aya.core.errors import NotFound, ValidationFailed

# A Realtime model waits in silence for a tool's output: follow a task this long, then say it keeps running (the
# Staff tab shows the rest).
FOLLOW_S = 10.0

VOICE_INSTRUCTIONS = (
    "You are Aya Ops, the automation assistant of a pet food store's staff, talking with a staff member by voice. "
    "Speak briefly: one or two short sentences, no lists, no markdown. "
    "Do the work only through your tools: run the tests, allow-listed commands, browse allow-listed pages, research "
    "the store's documents, store insights, and list, cancel or retry tasks. "
    "Long work runs as a task whose card is on the staff member's screen: say the task number and its state, never "
    "claim it finished unless the tool says so. When a tool answers that a task awaits approval, say that it has side "
    "effects and must be approved or denied on its card; never try to approve it yourself. "
    "When a tool refuses, say why in one sentence and do not try to get around it. "
    "Store insights are aggregates: never quote one shopper."
)


def relay_tools(services: OpsServices) -> dict[str, FunctionTool]:
    """The tools the relay offers: Aya Ops' own function tools on this server (commands and browsing only when
    turned on). External MCP servers' tools are not relayed."""
    return {t.name: t for t in ops_tools(services) if isinstance(t, FunctionTool)}


def realtime_ops_tools(services: OpsServices) -> list[dict[str, Any]]:
    """Aya Ops' tools as Realtime function tools (``{type, name, description, parameters}``, strict schemas)."""
    return [
        {"type": "function", "name": t.name, "description": t.description, "parameters": t.params_json_schema}
        for t in relay_tools(services).values()
    ]


class ThreadRecorder(AgentContext[Any]):
    """An ``AgentContext`` outside a ChatKit stream: finished and replaced items are saved into the thread at once
    (nobody reads the event queue), and the newest version of every widget is kept in :attr:`cards`."""

    _cards: dict[str, WidgetItem] = PrivateAttr(default_factory=dict)

    @property
    def cards(self) -> list[WidgetItem]:
        return list(self._cards.values())

    async def stream(self, event: ThreadStreamEvent) -> None:
        match event:
            case ThreadItemDoneEvent(item=item):
                await self.store.add_thread_item(self.thread.id, item, context=self.request_context)
                if isinstance(item, WidgetItem):
                    self._cards[item.id] = item
            case ThreadItemReplacedEvent(item=item):
                await self.store.save_item(self.thread.id, item, context=self.request_context)
                if isinstance(item, WidgetItem):
                    self._cards[item.id] = item
            case _:
                pass  # added / updated events: the done event that follows carries the whole item

    async def stream_widget(
        self, widget: WidgetRoot | AsyncGenerator[WidgetRoot, None], copy_text: str | None = None
    ) -> None:
        def item_id(item_type: Any) -> str:
            return self.store.generate_item_id(item_type, self.thread, self.request_context)

        async for event in stream_widget(self.thread, widget, copy_text, item_id):
            await self.stream(event)


@dataclass
class RelayResult:
    output: str  # the tool's output as the model reads it (JSON with a ``reply`` sentence)
    cards: list[WidgetItem]


def check_arguments(tool: FunctionTool, arguments: Any) -> None:
    """The arguments must match the tool's strict schema (the one the Realtime session declared): 422 naming the
    first field that does not."""
    error = next(iter(sorted(Draft202012Validator(tool.params_json_schema).iter_errors(arguments), key=str)), None)
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "body"
        raise ValidationFailed(f"{where}: {error.message}", field=where)


async def call_tool(
    services: OpsServices, recorder: ThreadRecorder, user: RequestContext, name: str, arguments: Any
) -> RelayResult:
    """Run one of Aya Ops' tools for ``user`` in the recorder's thread, exactly as the chat agent would."""
    tools = relay_tools(services)
    tool = tools.get(name)
    if tool is None:
        raise NotFound(f"no Aya Ops tool named {name!r}; tools: {', '.join(tools)}", field="name")
    check_arguments(tool, arguments)
    raw = json.dumps(arguments)
    context = ToolContext(
        context=OpsRunContext(services=services, chat=recorder, user=user, follow_s=FOLLOW_S),
        tool_name=name,
        tool_call_id=f"relay_{uuid.uuid4().hex[:16]}",
        tool_arguments=raw,
    )
    output = await tool.on_invoke_tool(context, raw)
    return RelayResult(output=str(output), cards=recorder.cards)
