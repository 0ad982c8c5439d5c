"""How a voice turn reaches Aya: the :class:`VoiceAssistant` interface and its ChatKit implementation.

:class:`ChatKitAssistant` runs the turn through the ChatKit server itself (``threads.create`` or
``threads.add_user_message`` through ``AyaChatServer.events``), so a voice turn is exactly a text turn: same agent,
same model, same tools, and the user's words and Aya's answer are saved in the user's thread (the Text tab shows
them). It reads the server's typed events (never its SSE bytes) and yields what the voice pipeline needs: the thread
id, text deltas, product cards and the answer. Cancelling the iteration (barge-in) cancels the ChatKit stream, which
saves what was already said.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from chatkit.types import (
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ErrorEvent,
    ThreadCreatedEvent,
    ThreadItemDoneEvent,
    ThreadItemReplacedEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
    WidgetItem,
    WidgetRootUpdated,
)

from aya.assistants import DEFAULT_ASSISTANT
from aya.core.context import RequestContext
from aya.core.errors import NotFound

logger = logging.getLogger("aya.voice")


@dataclass(slots=True)
class ThreadStarted:
    thread_id: str


@dataclass(slots=True)
class TextDelta:
    text: str


@dataclass(slots=True)
class ProductCards:
    products: list[dict[str, Any]]
    widget: dict[str, Any] | None = None


@dataclass(slots=True)
class WidgetCard:
    """A card that is not about products (Aya Ops' task cards): show it, replacing an earlier one with the same
    ``item_id`` (a task card is replaced in place as its task moves on)."""

    item_id: str
    widget: dict[str, Any]


@dataclass(slots=True)
class AnswerDone:
    text: str


@dataclass(slots=True)
class AssistantFailed:
    message: str


AssistantEvent = ThreadStarted | TextDelta | ProductCards | WidgetCard | AnswerDone | AssistantFailed


class VoiceAssistant(Protocol):
    def respond(self, text: str, thread_id: str | None) -> AsyncIterator[AssistantEvent]:
        """Answer one user turn in ``thread_id`` (a new thread when ``None``)."""
        ...


class ChatKitServerLike(Protocol):
    async def events(
        self, body: bytes, context: Any, *, assistant: str | None = None
    ) -> AsyncIterator[ThreadStreamEvent]:
        """Aya's ChatKit entry point for in-process callers: the typed events of a streaming request."""
        ...


ProductLookup = Callable[[list[str]], Awaitable[list[dict[str, Any]]]]


@dataclass
class ChatKitAssistant:
    """``lookup`` turns the product ids found in widgets into card data (the shop's product summaries);
    ``assistant`` names the assistant the turns go to (``None``: Aya; ``"ops"``: Aya Ops, for staff). For another
    assistant than Aya, widgets without products (task cards) come as :class:`WidgetCard`, and again each time the
    card is replaced."""

    server: ChatKitServerLike
    context: RequestContext
    lookup: ProductLookup | None = None
    assistant: str | None = None
    _seen_widgets: set[str] = field(default_factory=set)

    def respond(self, text: str, thread_id: str | None) -> AsyncIterator[AssistantEvent]:
        return self._respond(text, thread_id)

    async def _respond(self, text: str, thread_id: str | None) -> AsyncIterator[AssistantEvent]:
        user_input = {
            "content": [{"type": "input_text", "text": text}],
            "attachments": [],
            "inference_options": {},
        }
        stream: AsyncIterator[ThreadStreamEvent] | None = None
        if thread_id:
            request = {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": user_input}}
            try:
                stream = await self.server.events(json.dumps(request).encode(), self.context, assistant=self.assistant)
            except NotFound:
                logger.info("voice thread not found; starting a new one")
        if stream is None:
            request = {"type": "threads.create", "params": {"input": user_input}}
            stream = await self.server.events(json.dumps(request).encode(), self.context, assistant=self.assistant)
        async for server_event in stream:
            for event in self._events(server_event):
                if isinstance(event, ProductCards) and self.lookup is not None:
                    event.products = await self._lookup(event.products)
                yield event

    def _events(self, event: ThreadStreamEvent) -> list[AssistantEvent]:
        match event:
            case ThreadCreatedEvent(thread=thread):
                return [ThreadStarted(thread.id)]
            case ThreadItemUpdatedEvent(update=AssistantMessageContentPartTextDelta(delta=delta)):
                return [TextDelta(delta)]
            case ThreadItemUpdatedEvent(item_id=item_id, update=WidgetRootUpdated(widget=widget)):
                return self._cards(item_id, widget.model_dump(mode="json"))
            case ThreadItemDoneEvent(item=AssistantMessageItem(content=content)):
                return [AnswerDone("".join(part.text for part in content))]
            case ThreadItemDoneEvent(item=WidgetItem(id=item_id, widget=widget)):
                return self._cards(item_id, widget.model_dump(mode="json"))
            case ThreadItemReplacedEvent(item=WidgetItem(id=item_id, widget=widget)) if self._other_cards:
                return [WidgetCard(item_id, widget.model_dump(mode="json"))]
            case ErrorEvent(message=message):
                return [AssistantFailed(message or "Aya could not answer")]
            case _:
                return []

    async def _lookup(self, products: list[dict[str, Any]]) -> list[dict[str, Any]]:
        assert self.lookup is not None
        try:
            found = {p["id"]: p for p in await self.lookup([p["id"] for p in products])}
        except Exception:
            logger.warning("could not look up product cards", exc_info=True)
            return products
        return [found.get(p["id"], p) for p in products]

    @property
    def _other_cards(self) -> bool:
        return self.assistant is not None and self.assistant != DEFAULT_ASSISTANT

    def _cards(self, item_id: str, widget: dict[str, Any]) -> list[AssistantEvent]:
        if item_id in self._seen_widgets:
            return []
        products = products_in_widget(widget)
        if not products:
            if self._other_cards:
                return [WidgetCard(item_id, widget)]
            return []
        self._seen_widgets.add(item_id)
        return [ProductCards(products, widget)]


def products_in_widget(widget: Any) -> list[dict[str, Any]]:
    """Product references inside a ChatKit widget tree: every action payload or node carrying a ``product_id``.

    Returns ``[{"id": ..., ...payload}]`` in order of appearance, once per product.
    """
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            pid = node.get("product_id") or (node.get("id") if str(node.get("id", "")).startswith("prd_") else None)
            if isinstance(pid, str) and pid not in found:
                found[pid] = {"id": pid}
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(widget)
    return list(found.values())
