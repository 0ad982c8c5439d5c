"""What the model sees of a thread: stored items converted to Agents SDK input, bounded (newest kept).

**The continuity rule.** With the OpenAI Responses API the thread keeps, in its server-only metadata, the last
response id (``previous_response_id``) and the id of the newest stored item that response covers
(``previous_response_seen_through``, set once the turn's items are all stored, and only if no item from elsewhere
was stored meanwhile). A new user message is sent alone
with ``previous_response_id`` only when it is the one item stored after that point: the model has seen everything
else. Anything else in between (voice transcripts, card actions, hidden context, a failed or cancelled turn, a retry
that removed items) and the stored id is forgotten and the input rebuilt from the newest
``settings.history_max_items`` stored items, as it always is with Chat Completions and the offline model. When OpenAI
no longer has the stored response (HTTP 400 ``previous_response_not_found``) the chat server forgets it and reruns the
turn from history, once (``aya.chat.server``).
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

from agents import TResponseInputItem
from chatkit.agents import ThreadItemConverter
from chatkit.types import (
    Attachment,
    HiddenContextItem,
    ThreadItem,
    ThreadMetadata,
    UserMessageTagContent,
    WidgetItem,
)
from openai.types.responses import ResponseInputContentParam, ResponseInputImageParam, ResponseInputTextParam
from openai.types.responses.response_input_item_param import Message

from aya.chat.attachments import IMAGE_TYPES, FileAttachmentStore
from aya.chat.store import AyaStore
from aya.core.context import RequestContext
from aya.shop.followups import FOLLOWUPS_KEY

logger = logging.getLogger("aya.chat")

PREVIOUS_RESPONSE_ID = "previous_response_id"
SEEN_THROUGH = "previous_response_seen_through"
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_TEXT_CHARS = 20_000


class AyaItemConverter(ThreadItemConverter):
    """The SDK's converter, plus attachments (images inline, text files as text), tags, structured hidden context and
    widgets as their copy text."""

    def __init__(self, attachments: FileAttachmentStore | None, context: RequestContext) -> None:
        self.attachments = attachments
        self.context = context

    async def attachment_to_message_content(self, attachment: Attachment) -> ResponseInputContentParam:
        data = None
        if self.attachments is not None:
            data = await self.attachments.read_bytes(attachment, self.context, MAX_IMAGE_BYTES)
        if data is not None and attachment.mime_type in IMAGE_TYPES:
            url = f"data:{attachment.mime_type};base64,{base64.b64encode(data).decode()}"
            return ResponseInputImageParam(type="input_image", detail="auto", image_url=url)
        if data is not None and (
            attachment.mime_type.startswith("text/") or attachment.mime_type == "application/json"
        ):
            text = data.decode("utf-8", errors="replace")[:MAX_TEXT_CHARS]
            return ResponseInputTextParam(type="input_text", text=f"Attached file {attachment.name}:\n{text}")
        return ResponseInputTextParam(
            type="input_text", text=f"[The user attached {attachment.name} ({attachment.mime_type}).]"
        )

    async def tag_to_message_content(self, tag: UserMessageTagContent) -> ResponseInputContentParam:
        return ResponseInputTextParam(type="input_text", text=f"@{tag.text}: {json.dumps(tag.data, default=str)}")

    async def widget_to_input(self, item: WidgetItem) -> TResponseInputItem | list[TResponseInputItem] | None:
        """A widget's ``copy_text`` (its plain-text form: a short product list) instead of the widget's full JSON;
        follow-up chips are the shopper's shortcuts, not something Aya said: the model does not see them."""
        if item.widget.key == FOLLOWUPS_KEY:
            return None
        if not item.copy_text:
            return await super().widget_to_input(item)
        text = f"The following graphical UI widget (id: {item.id}) was displayed to the user: {item.copy_text}"
        return Message(type="message", role="user", content=[ResponseInputTextParam(type="input_text", text=text)])

    async def hidden_context_to_input(self, item: HiddenContextItem) -> TResponseInputItem | list[TResponseInputItem]:
        content = item.content if isinstance(item.content, str) else json.dumps(item.content, default=str)
        text = f"Hidden context for the agent (not shown to the user):\n<HiddenContext>\n{content}\n</HiddenContext>"
        return Message(type="message", role="user", content=[ResponseInputTextParam(type="input_text", text=text)])


async def recent_items(store: AyaStore, thread_id: str, limit: int, context: RequestContext) -> list[ThreadItem]:
    """The newest ``limit`` items of a thread, oldest first."""
    page = await store.load_thread_items(thread_id, None, limit, "desc", context)
    return list(reversed(page.data))


def previous_response_id(thread: ThreadMetadata) -> str | None:
    value: Any = thread.metadata.get(PREVIOUS_RESPONSE_ID)
    return value if isinstance(value, str) and value else None


def forget_previous_response(thread: ThreadMetadata) -> bool:
    """Drop the stored response id (the next turn rebuilds history); whether there was one."""
    thread.metadata.pop(SEEN_THROUGH, None)
    return thread.metadata.pop(PREVIOUS_RESPONSE_ID, None) is not None


def remember_response(thread: ThreadMetadata, response_id: str | None) -> None:
    """Keep the response id of a finished turn; it is usable once :func:`seal_response` records what it covers."""
    thread.metadata.pop(SEEN_THROUGH, None)
    if response_id:
        thread.metadata[PREVIOUS_RESPONSE_ID] = response_id
    else:
        thread.metadata.pop(PREVIOUS_RESPONSE_ID, None)


async def newest_item_id(store: AyaStore, thread: ThreadMetadata, context: RequestContext) -> str | None:
    newest = await recent_items(store, thread.id, 1, context)
    return newest[-1].id if newest else None


async def seal_response(
    store: AyaStore, thread: ThreadMetadata, context: RequestContext, *, before: str | None, produced: list[str]
) -> None:
    """After a turn's items are all stored: a response id just remembered covers the thread up to the turn's last
    item, provided the items stored since the turn began (after ``before``) are exactly the ones it ``produced``
    (a voice transcript saved meanwhile is something the model has not seen: then the id is forgotten)."""
    if previous_response_id(thread) is None or SEEN_THROUGH in thread.metadata:
        return
    stored = [item.id for item in await recent_items(store, thread.id, len(produced) + 1, context)]
    expected = ([before] if before is not None else []) + produced
    if produced and stored[-len(expected) :] == expected and (before is not None or len(stored) == len(produced)):
        thread.metadata[SEEN_THROUGH] = produced[-1]
    else:
        forget_previous_response(thread)
        logger.info("thread %s got items from elsewhere during a turn: its next turn rebuilds history", thread.id)


async def continuation(store: AyaStore, thread: ThreadMetadata, message_id: str, context: RequestContext) -> str | None:
    """The response id a new message (already stored, ``message_id``) can continue from, or None (then forgotten):
    only when the message is the one item stored after everything that response covers."""
    previous = previous_response_id(thread)
    if previous is None:
        return None
    seen = thread.metadata.get(SEEN_THROUGH)
    newest = [item.id for item in await recent_items(store, thread.id, 2, context)]
    if isinstance(seen, str) and newest == [seen, message_id]:
        return previous
    forget_previous_response(thread)
    logger.info("thread %s has items the model has not seen: rebuilding its input from stored history", thread.id)
    return None
