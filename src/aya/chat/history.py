"""What the model sees of a thread: stored items converted to Agents SDK input, bounded (newest kept).

With the OpenAI Responses API the thread keeps the last response id in its server-only metadata
(``metadata["previous_response_id"]``) and a new user message is sent alone with ``previous_response_id``; every other
case (Chat Completions, the offline model, retries, client tool output, actions, after a cancelled stream) rebuilds the
input from the last ``settings.history_max_items`` stored items.
"""

from __future__ import annotations

import base64
import json
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

PREVIOUS_RESPONSE_ID = "previous_response_id"
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
        """A widget's ``copy_text`` (its plain-text form: a short product list) instead of the widget's full JSON."""
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
    return thread.metadata.pop(PREVIOUS_RESPONSE_ID, None) is not None
