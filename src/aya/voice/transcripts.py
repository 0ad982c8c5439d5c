"""Realtime turns into the shopper's ChatKit thread (the offline pipeline gets this from the ChatKit server itself).

With OpenAI Realtime the conversation runs between the browser and OpenAI, so the Voice tab posts each finished
transcript (the shopper's words, Aya's spoken answer) to ``POST /voice/realtime/items``; they are added to the
shopper's thread through the chat store (a ChatKit ``Store``), so the Text tab shows the conversation too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from chatkit.store import NotFoundError
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    InferenceOptions,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)
from pydantic import BaseModel, ConfigDict, Field

from aya.assistants import ASSISTANT_KEY, DEFAULT_ASSISTANT
from aya.core.context import RequestContext
from aya.core.errors import NotFound

TITLE_MAX = 60


class TranscriptItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    thread_id: str | None = Field(default=None, max_length=128, description="The thread to add to; none: a new one.")
    role: Literal["user", "assistant"]
    text: str = Field(min_length=1, max_length=4000)
    assistant: Literal["aya", "ops"] = Field(default="aya", description="Whose thread: Aya's or Aya Ops' (staff).")


async def save_transcript(store: Any, context: RequestContext, item: TranscriptItem) -> str:
    """Add one transcript to the shopper's thread (creating the thread when needed); returns the thread id."""
    text = " ".join(item.text.split())
    if item.thread_id:
        try:
            thread = await store.load_thread(item.thread_id, context=context)
        except NotFoundError as exc:  # another user's thread looks the same
            raise NotFound(f"thread {item.thread_id} not found", field="thread_id") from exc
        if thread.metadata.get(ASSISTANT_KEY, DEFAULT_ASSISTANT) != item.assistant:  # the other assistant's thread
            raise NotFound(f"thread {item.thread_id} not found", field="thread_id")
    else:
        title = text[:TITLE_MAX] if item.role == "user" else "Voice conversation"
        metadata = {ASSISTANT_KEY: item.assistant} if item.assistant != DEFAULT_ASSISTANT else {}
        thread = ThreadMetadata(
            id=store.generate_thread_id(context), created_at=datetime.now(), title=title, metadata=metadata
        )
        await store.save_thread(thread, context=context)
    now = datetime.now()
    message: UserMessageItem | AssistantMessageItem
    if item.role == "user":
        message = UserMessageItem(
            id=store.generate_item_id("message", thread, context),
            thread_id=thread.id,
            created_at=now,
            content=[UserMessageTextContent(text=text)],
            inference_options=InferenceOptions(),
        )
    else:
        message = AssistantMessageItem(
            id=store.generate_item_id("message", thread, context),
            thread_id=thread.id,
            created_at=now,
            content=[AssistantMessageContent(text=text)],
        )
    await store.add_thread_item(thread.id, message, context=context)
    return str(thread.id)
