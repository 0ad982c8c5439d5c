"""The continuity rule at the chat server's level: a response id covers exactly the items its turn stored.

An item that reaches the thread from elsewhere while a turn runs (a Realtime voice transcript saved by the Voice tab
at the same moment) sits between the turn's items; the model never saw it, so the next message must rebuild the
history instead of continuing from the stored response.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from agents.testing import ModelStep, ScriptedModel, assistant_message
from chatkit.types import AssistantMessageContent, AssistantMessageItem, ThreadStreamEvent

from aya.chat.assistant import AgentAssistant, Turn
from aya.core.settings import Settings

from .chat_fakes import asgi_client, fake_assistant, message


class _TranscriptArrivesMidTurn:
    """Aya's Responses-API assistant; while its answer streams, a voice transcript is saved into the same thread."""

    def __init__(self, inner: AgentAssistant) -> None:
        self.inner = inner
        self.interrupt_next = False

    async def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        async for event in self.inner.respond(turn):
            yield event
            if self.interrupt_next and event.type == "thread.item.added":
                self.interrupt_next = False
                transcript = AssistantMessageItem(
                    id=turn.store.generate_item_id("message", turn.thread, turn.context),
                    thread_id=turn.thread.id,
                    created_at=datetime.now(),
                    content=[AssistantMessageContent(text="(said by voice meanwhile)")],
                )
                await turn.store.add_thread_item(turn.thread.id, transcript, turn.context)

    def action(self, turn: Turn, action: Any, sender: Any) -> AsyncIterator[ThreadStreamEvent]:
        return self.inner.action(turn, action, sender)


async def test_an_item_saved_during_a_turn_is_not_covered_by_its_response(data_dir: Any) -> None:
    model = ScriptedModel(
        [
            ModelStep(output=[assistant_message("one")], response_id="resp_1"),
            ModelStep(output=[assistant_message("two")], response_id="resp_2"),
            ModelStep(output=[assistant_message("three")], response_id="resp_3"),
            ModelStep(output=[assistant_message("four")], response_id="resp_4"),
        ]
    )
    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    assistant = _TranscriptArrivesMidTurn(AgentAssistant(fake_assistant(model).agent_factory, responses_api=True))
    async with asgi_client(settings, assistant) as client:
        events = await client.stream("threads.create", input=message("first"))
        thread_id = events[0].thread.id
        await client.stream("threads.add_user_message", thread_id=thread_id, input=message("second"))
        assert model.last_call is not None and model.last_call.previous_response_id == "resp_1"

        assistant.interrupt_next = True  # the voice transcript lands while "three" streams
        await client.stream("threads.add_user_message", thread_id=thread_id, input=message("third"))
        assert model.last_call.previous_response_id == "resp_2"

        await client.stream("threads.add_user_message", thread_id=thread_id, input=message("fourth"))
        assert model.last_call.previous_response_id is None  # resp_3 does not cover the transcript
        texts = [
            part["text"]
            for item in model.last_call.input
            if isinstance(item, dict) and isinstance(item.get("content"), list)
            for part in item["content"]
            if isinstance(part, dict) and "text" in part
        ]
        assert "(said by voice meanwhile)" in texts and texts[-1] == "fourth"
