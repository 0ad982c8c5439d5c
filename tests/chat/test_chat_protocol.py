"""End-to-end ChatKit protocol over HTTP against the real app (ASGI transport), with a scripted fake model.

Every streamed event is validated by the SDK's own ``TypeAdapter(ThreadStreamEvent)`` (``chat_fakes.parse_sse``).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from agents.testing import ModelStep, ScriptedModel, assistant_message
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ClientToolCallItem,
    StructuredInputFreeform,
    StructuredInputItem,
    SyncCustomActionResponse,
    ThreadItemDoneEvent,
    UserMessageItem,
    WidgetItem,
)

from aya.chat.assistant import AgentAssistant
from aya.core.settings import Settings

from .chat_fakes import (
    ChatClient,
    asgi_client,
    fake_assistant,
    fake_echo_model,
    get_location,
    message,
    of_type,
    show_card,
    tool_then_text,
)


def _texts(call_input: Any) -> list[str]:
    texts: list[str] = []
    for item in call_input if isinstance(call_input, list) else []:
        if not isinstance(item, dict):
            continue
        content = item.get("content")
        if isinstance(content, str):
            texts.append(content)
        for part in content if isinstance(content, list) else []:
            if isinstance(part, dict) and "text" in part:
                texts.append(part["text"])
    return texts


async def _new_thread(client: ChatClient, text: str = "Hello") -> str:
    events = await client.stream("threads.create", input=message(text))
    return str(events[0].thread.id)


async def test_threads_create_streams_a_titled_thread_and_an_answer(client: ChatClient) -> None:
    events = await client.stream("threads.create", input=message("Food for a senior beagle with a sensitive stomach"))
    kinds = [e.type for e in events]
    assert kinds[0] == "thread.created"
    assert "stream_options" in kinds
    done = [e.item for e in of_type(events, "thread.item.done")]
    assert isinstance(done[0], UserMessageItem)
    answer = done[-1]
    assert isinstance(answer, AssistantMessageItem)
    assert answer.content[0].text == "Echo 1: Food for a senior beagle with a sensitive stomach"
    assert answer.id.startswith("msg_") and answer.id != "scripted-message"
    assert of_type(events, "thread.updated")[-1].thread.title == "Food for a senior beagle with a sensitive stomach"

    thread: Any = await client.call("threads.get_by_id", thread_id=events[0].thread.id)
    assert thread["title"] == "Food for a senior beagle with a sensitive stomach"
    assert [i["type"] for i in thread["items"]["data"]] == ["user_message", "assistant_message"]
    assert thread["metadata"] == {"feedback": {}, "stopped": []}  # what the client shows; the rest stays on the server


async def test_add_user_message_sends_the_history_to_the_model(client: ChatClient, model: ScriptedModel) -> None:
    thread_id = await _new_thread(client, "I have a kitten")
    events = await client.stream("threads.add_user_message", thread_id=thread_id, input=message("She is 3 months old"))
    assert of_type(events, "thread.item.done")[-1].item.content[0].text == "Echo 2: She is 3 months old"
    assert model.last_call is not None
    assert _texts(model.last_call.input) == ["I have a kitten", "Echo 1: I have a kitten", "She is 3 months old"]
    assert model.last_call.previous_response_id is None
    assert "shopper" in (model.last_call.system_instructions or "")


async def test_the_username_reaches_the_assistant(client: ChatClient, model: ScriptedModel) -> None:
    client.username = "Zo%C3%AB"  # the web client percent-encodes names that are not Latin-1
    await _new_thread(client, "hi")
    assert model.last_call is not None
    assert "You help Zoë choose pet food." in (model.last_call.system_instructions or "")


async def test_history_is_bounded_and_keeps_the_newest(data_dir: Any) -> None:
    model = fake_echo_model()
    settings = Settings(data_dir=data_dir, embedder="none", history_max_items=3, _env_file=None)  # type: ignore[call-arg]
    async with asgi_client(settings, fake_assistant(model)) as client:
        thread_id = await _new_thread(client, "one")
        for text in ("two", "three"):
            await client.stream("threads.add_user_message", thread_id=thread_id, input=message(text))
    assert model.last_call is not None
    assert _texts(model.last_call.input) == ["two", "Echo 2: two", "three"]


async def test_model_ids_are_remapped_so_items_never_collide(data_dir: Any) -> None:
    two_messages = ModelStep(
        output=[assistant_message("first", item_id="__fake_id__"), assistant_message("second", item_id="__fake_id__")]
    )
    model = ScriptedModel([two_messages, [assistant_message("third", item_id="__fake_id__")]])
    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    async with asgi_client(settings, fake_assistant(model)) as client:
        thread_id = await _new_thread(client, "hi")
        events = await client.stream("threads.add_user_message", thread_id=thread_id, input=message("more"))
        updates = of_type(events, "thread.item.updated")
        assert updates and all(u.item_id.startswith("msg_") for u in updates)
        items = (await client.call("items.list", thread_id=thread_id, order="asc"))["data"]
    answers = [i for i in items if i["type"] == "assistant_message"]
    assert [a["content"][0]["text"] for a in answers] == ["first", "second", "third"]
    assert len({a["id"] for a in answers}) == 3
    assert all(a["id"].startswith("msg_") for a in answers)


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_threads_and_items_paginate_in_both_orders(client: ChatClient, order: str) -> None:
    created = [await _new_thread(client, f"question {n}") for n in range(5)]
    expected = created if order == "asc" else created[::-1]
    seen: list[str] = []
    after = None
    while True:
        page = await client.call("threads.list", limit=2, order=order, **({"after": after} if after else {}))
        seen += [t["id"] for t in page["data"]]
        if not page["has_more"]:
            break
        after = page["after"]
    assert seen == expected

    thread_id = created[0]
    for text in ("a", "b"):
        await client.stream("threads.add_user_message", thread_id=thread_id, input=message(text))
    everything = (await client.call("items.list", thread_id=thread_id, order=order, limit=50))["data"]
    assert len(everything) == 6
    paged: list[str] = []
    after = None
    while True:
        page = await client.call(
            "items.list", thread_id=thread_id, order=order, limit=4, **({"after": after} if after else {})
        )
        paged += [i["id"] for i in page["data"]]
        if not page["has_more"]:
            break
        after = page["after"]
    assert paged == [i["id"] for i in everything]
    texts = [i["content"][0]["text"] for i in everything if i["type"] == "user_message"]
    assert texts == (["question 0", "a", "b"] if order == "asc" else ["b", "a", "question 0"])


async def test_update_and_delete_a_thread(client: ChatClient) -> None:
    thread_id = await _new_thread(client)
    renamed = await client.call("threads.update", thread_id=thread_id, title="Kitten food")
    assert renamed["title"] == "Kitten food"
    assert (await client.call("threads.get_by_id", thread_id=thread_id))["title"] == "Kitten food"
    assert await client.call("threads.delete", thread_id=thread_id) == {}
    status, body = await client.status("threads.get_by_id", thread_id=thread_id)
    assert status == 404 and body["error"] == "not_found"
    assert (await client.call("threads.list"))["data"] == []


async def test_feedback_is_stored(client: ChatClient) -> None:
    thread_id = await _new_thread(client)
    items = (await client.call("items.list", thread_id=thread_id, order="asc"))["data"]
    answer_id = items[-1]["id"]
    assert await client.call("items.feedback", thread_id=thread_id, item_ids=[answer_id], kind="positive") == {}
    assert await client.server.store.load_feedback(thread_id, client.context) == {answer_id: "positive"}
    status, body = await client.status("items.feedback", thread_id=thread_id, item_ids=["msg_missing"], kind="negative")
    assert status == 404 and "msg_missing" in body["message"]


async def test_feedback_comes_back_with_the_thread_and_a_reason_is_stored(client: ChatClient) -> None:
    thread_id = await _new_thread(client)
    items = (await client.call("items.list", thread_id=thread_id, order="asc"))["data"]
    answer_id = items[-1]["id"]
    assert (await client.call("threads.get_by_id", thread_id=thread_id))["metadata"] == {"feedback": {}, "stopped": []}
    body = {
        "type": "items.feedback",
        "params": {"thread_id": thread_id, "item_ids": [answer_id], "kind": "negative"},
        "metadata": {"reason": "  Too expensive  "},
    }
    assert (await client.raw(body)).status_code == 200
    thread = await client.call("threads.get_by_id", thread_id=thread_id)
    assert thread["metadata"] == {"feedback": {answer_id: "negative"}, "stopped": []}
    assert [i["id"] for i in thread["items"]["data"]] == [i["id"] for i in items]
    exported = await client.server.store.export_user_data(client.context)
    assert [(f["kind"], f["reason"]) for f in exported["feedback"]] == [("negative", "Too expensive")]
    # The dialogue state and other server-only metadata never reach the client.
    assert "aya" not in thread["metadata"]
    # Another user sees neither the thread nor its feedback.
    status, _ = await client.as_user("mallory").status("threads.get_by_id", thread_id=thread_id)
    assert status == 404
    # A reason that is not text, or too long, is refused with the field named; nothing stored changes.
    for reason in [42, "x" * 1001]:
        response = await client.raw({**body, "metadata": {"reason": reason}})
        assert response.status_code == 400 and response.json()["field"] == "metadata.reason"
    assert await client.server.store.load_feedback(thread_id, client.context) == {answer_id: "negative"}


async def test_retry_replaces_the_answer(client: ChatClient) -> None:
    thread_id = await _new_thread(client, "Dry food for a husky?")
    items = (await client.call("items.list", thread_id=thread_id, order="asc"))["data"]
    user_id, old_answer = items[0]["id"], items[1]["id"]
    events = await client.stream("threads.retry_after_item", thread_id=thread_id, item_id=user_id)
    assert of_type(events, "thread.item.done")[-1].item.content[0].text == "Echo 2: Dry food for a husky?"
    after = (await client.call("items.list", thread_id=thread_id, order="asc"))["data"]
    assert after[0]["id"] == user_id
    assert old_answer not in [i["id"] for i in after]
    assert [i["type"] for i in after] == ["user_message", "assistant_message"]
    status, body = await client.status("threads.retry_after_item", thread_id=thread_id, item_id=after[1]["id"])
    assert status == 400 and "not a user message" in body["message"]


async def test_client_tool_round_trip(data_dir: Any) -> None:
    model = ScriptedModel(tool_then_text("get_location", {}, "Shipping to Austin works."))
    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    assistant = fake_assistant(model, tools=[get_location], stop_on_tool=True)
    async with asgi_client(settings, assistant) as client:
        events = await client.stream("threads.create", input=message("Do you ship to me?"))
        thread_id = events[0].thread.id
        call = of_type(events, "thread.item.done")[-1].item
        assert isinstance(call, ClientToolCallItem) and call.status == "pending" and call.name == "get_location"
        events = await client.stream("threads.add_client_tool_output", thread_id=thread_id, result={"city": "Austin"})
        assert of_type(events, "thread.item.done")[-1].item.content[0].text == "Shipping to Austin works."
        stored = await client.server.store.load_item(thread_id, call.id, client.context)
        assert isinstance(stored, ClientToolCallItem) and stored.status == "completed"
        outputs = [i for i in model.last_call.input if isinstance(i, dict) and i.get("type") == "function_call_output"]  # type: ignore[union-attr]
        assert outputs and "Austin" in outputs[-1]["output"]
        # no pending call any more: a second output is rejected before anything streams, and nothing changes
        before = (await client.call("items.list", thread_id=thread_id))["data"]
        status, body = await client.status("threads.add_client_tool_output", thread_id=thread_id, result={})
        assert status == 400 and "no pending client tool call" in body["message"]
        assert (await client.call("items.list", thread_id=thread_id))["data"] == before


async def test_custom_action_from_a_widget(data_dir: Any) -> None:
    model = ScriptedModel(
        [
            *tool_then_text("show_card", {"title": "Salmon Kibble"}, "Here it is."),
            ModelStep.respond(lambda call: [assistant_message("Added to your cart.")]),
        ]
    )
    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    async with asgi_client(settings, fake_assistant(model, tools=[show_card])) as client:
        events = await client.stream("threads.create", input=message("Show me salmon kibble"))
        thread_id = events[0].thread.id
        widget = next(e.item for e in of_type(events, "thread.item.done") if isinstance(e.item, WidgetItem))
        action = {"type": "add_to_cart", "payload": {"product_id": "p1"}}
        events = await client.stream("threads.custom_action", thread_id=thread_id, item_id=widget.id, action=action)
        assert of_type(events, "thread.item.done")[-1].item.content[0].text == "Added to your cart."
        sent = _texts(model.last_call.input)  # type: ignore[union-attr]
        assert any("add_to_cart" in t and "p1" in t for t in sent)
        shown = f"The following graphical UI widget (id: {widget.id}) was displayed to the user: Salmon Kibble"
        assert shown in sent
        visible = (await client.call("items.list", thread_id=thread_id, limit=50))["data"]
        assert all(i["type"] != "hidden_context_item" for i in visible)
        user_item = next(i for i in visible if i["type"] == "user_message")
        status, body = await client.status(
            "threads.custom_action", thread_id=thread_id, item_id=user_item["id"], action=action
        )
        assert status == 400 and "not a widget" in body["message"]
        status, _ = await client.status("threads.custom_action", thread_id=thread_id, item_id="msg_nope", action=action)
        assert status == 404
        status, body = await client.status(
            "threads.sync_custom_action", thread_id=thread_id, item_id=widget.id, action=action
        )
        assert status == 400 and "add_to_cart" in body["message"]


async def test_sync_custom_action_answers_json(data_dir: Any) -> None:
    class WithSync(AgentAssistant):
        async def sync_action(self, turn: Any, action: Any, sender: Any) -> SyncCustomActionResponse:
            return SyncCustomActionResponse(updated_item=sender)

    model = ScriptedModel(tool_then_text("show_card", {"title": "Tuna Pate"}, "Here."))
    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    base = fake_assistant(model, tools=[show_card])
    async with asgi_client(settings, WithSync(base.agent_factory)) as client:
        events = await client.stream("threads.create", input=message("tuna"))
        widget = next(e.item for e in of_type(events, "thread.item.done") if isinstance(e.item, WidgetItem))
        body = await client.call(
            "threads.sync_custom_action",
            thread_id=events[0].thread.id,
            item_id=widget.id,
            action={"type": "toggle", "payload": {}},
        )
        assert body["updated_item"]["id"] == widget.id


async def test_structured_input_is_recorded_once(client: ChatClient) -> None:
    thread_id = await _new_thread(client)
    item = StructuredInputItem(
        id="msg_000000000000aaaaaaaaaa",
        thread_id=thread_id,
        created_at=datetime.now(),
        inputs=[StructuredInputFreeform(id="breed", question="Which breed?")],
    )
    await client.server.store.add_thread_item(thread_id, item, client.context)
    submission = {"status": "answered", "answers": {"breed": {"values": ["Beagle"]}}}
    events = await client.stream("threads.add_structured_input", thread_id=thread_id, item_id=item.id, input=submission)
    replaced = of_type(events, "thread.item.replaced")
    assert replaced and replaced[0].item.status == "answered"
    stored = await client.server.store.load_item(thread_id, item.id, client.context)
    assert isinstance(stored, StructuredInputItem) and stored.inputs[0].answer.values == ["Beagle"]  # type: ignore[union-attr]
    status, body = await client.status(
        "threads.add_structured_input", thread_id=thread_id, item_id=item.id, input=submission
    )
    assert status == 409 and "already answered" in body["message"]


async def test_input_transcribe(client: ChatClient) -> None:
    client.server.transcriber = None  # as on a server without speech-to-text (the voice component installs one)
    status, body = await client.status("input.transcribe", audio_base64="AAAA", mime_type="audio/webm")
    assert status == 503 and "speech-to-text" in body["message"]

    async def fake_stt(audio: bytes, mime_type: str) -> str:  # a fake speech-to-text at the model boundary
        return f"{len(audio)} bytes of {mime_type}"

    client.server.transcriber = fake_stt
    assert await client.call("input.transcribe", audio_base64="AAAA", mime_type="audio/webm") == {
        "text": "3 bytes of audio/webm"
    }
    status, body = await client.status("input.transcribe", audio_base64="not base64!", mime_type="audio/webm")
    assert status == 400 and body["field"] == "params.audio_base64"


async def test_a_failing_model_becomes_an_error_event_and_the_thread_stays_usable(data_dir: Any) -> None:
    model = ScriptedModel([RuntimeError("upstream exploded"), [assistant_message("Back again.")]])
    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    async with asgi_client(settings, fake_assistant(model)) as client:
        events = await client.stream("threads.create", input=message("hello"))
        errors = of_type(events, "error")
        assert errors and errors[0].allow_retry
        thread_id = events[0].thread.id
        events = await client.stream("threads.add_user_message", thread_id=thread_id, input=message("again"))
        assert of_type(events, "thread.item.done")[-1].item.content[0].text == "Back again."


async def test_responses_api_continues_with_previous_response_id(data_dir: Any) -> None:
    model = ScriptedModel(
        [
            ModelStep(output=[assistant_message("one")], response_id="resp_1"),
            ModelStep(output=[assistant_message("two")], response_id="resp_2"),
            ModelStep(output=[assistant_message("two again")], response_id="resp_3"),
        ]
    )
    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    base = fake_assistant(model)
    async with asgi_client(settings, AgentAssistant(base.agent_factory, responses_api=True)) as client:
        thread_id = await _new_thread(client, "first")
        assert model.last_call is not None and model.last_call.previous_response_id is None
        stored = await client.server.store.load_thread(thread_id, client.context)
        assert stored.metadata["previous_response_id"] == "resp_1"
        assert (
            "resp_1" not in (await client.raw({"type": "threads.get_by_id", "params": {"thread_id": thread_id}})).text
        )
        await client.stream("threads.add_user_message", thread_id=thread_id, input=message("second"))
        assert model.last_call.previous_response_id == "resp_1"
        assert _texts(model.last_call.input) == ["second"]
        items = (await client.call("items.list", thread_id=thread_id, order="asc"))["data"]
        await client.stream("threads.retry_after_item", thread_id=thread_id, item_id=items[2]["id"])
        assert model.last_call.previous_response_id is None  # the retry rebuilt the history
        assert _texts(model.last_call.input) == ["first", "one", "second"]


async def test_a_thread_deleted_between_validation_and_streaming_ends_with_an_error_event(
    client: ChatClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chatkit.store import NotFoundError

    thread_id = await _new_thread(client)
    store = client.server.store
    real_load = store.load_thread
    calls = 0

    async def deleted_after_the_first_look(thread_id: str, context: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > 1:  # the preflight saw it; by the time the SDK looks, another request deleted it
            raise NotFoundError(f"thread {thread_id} not found")
        return await real_load(thread_id, context)

    monkeypatch.setattr(store, "load_thread", deleted_after_the_first_look)
    events = await client.stream("threads.add_user_message", thread_id=thread_id, input=message("still there?"))
    assert events[-1].type == "error" and events[-1].allow_retry


async def test_repeated_model_ids_on_client_tool_calls_do_not_collide(data_dir: Any) -> None:
    from agents.testing import function_call

    def tool_call(call_id: str) -> ModelStep:
        return ModelStep(output=[function_call("get_location", {}, call_id=call_id, item_id="__fake_id__")])

    model = ScriptedModel(
        [tool_call("call_1"), [assistant_message("One.")], tool_call("call_2"), [assistant_message("Two.")]]
    )
    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    async with asgi_client(settings, fake_assistant(model, tools=[get_location], stop_on_tool=True)) as client:
        events = await client.stream("threads.create", input=message("where do you ship?"))
        thread_id = events[0].thread.id
        await client.stream("threads.add_client_tool_output", thread_id=thread_id, result={"city": "Austin"})
        await client.stream("threads.add_user_message", thread_id=thread_id, input=message("and now?"))
        await client.stream("threads.add_client_tool_output", thread_id=thread_id, result={"city": "Boston"})
        items = (await client.call("items.list", thread_id=thread_id, order="asc", limit=50))["data"]
    calls = [i for i in items if i["type"] == "client_tool_call"]
    assert [c["output"]["city"] for c in calls] == ["Austin", "Boston"]
    assert len({c["id"] for c in calls}) == 2 and all(c["id"].startswith("tc_") for c in calls)
    assert [i["type"] for i in items] == [
        "user_message",
        "client_tool_call",
        "assistant_message",
        "user_message",
        "client_tool_call",
        "assistant_message",
    ]


class _CountingAssistant:
    """A fake assistant that records how many of its turns run at once (each takes a few loop iterations)."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0

    async def respond(self, turn: Any) -> Any:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            for _ in range(200):
                await asyncio.sleep(0)  # yield to the other requests (not a timed sleep)
            yield ThreadItemDoneEvent(
                item=AssistantMessageItem(
                    id=turn.store.generate_item_id("message", turn.thread, turn.context),
                    thread_id=turn.thread.id,
                    created_at=datetime.now(),
                    content=[AssistantMessageContent(text="done")],
                )
            )
        finally:
            self.running -= 1

    def action(self, turn: Any, action: Any, sender: Any) -> Any:
        return self.respond(turn)


@pytest.mark.parametrize("limit", [1, 2])
async def test_running_turns_are_bounded_and_the_rest_wait(data_dir: Any, limit: int) -> None:
    assistant = _CountingAssistant()
    settings = Settings(data_dir=data_dir, embedder="none", max_running_turns=limit, _env_file=None)  # type: ignore[call-arg]
    async with asgi_client(settings, assistant) as client:
        streams = await asyncio.gather(
            *(client.as_user(f"u{n}").stream("threads.create", input=message(f"q{n}")) for n in range(6))
        )
    assert all(of_type(events, "thread.item.done")[-1].item.content[0].text == "done" for events in streams)
    assert assistant.peak == limit


class _PerThreadCountingAssistant(_CountingAssistant):
    """Also records, per thread, how many of its turns ran at once."""

    def __init__(self) -> None:
        super().__init__()
        self.running_in: dict[str, int] = {}
        self.peak_in: dict[str, int] = {}

    async def respond(self, turn: Any) -> Any:
        thread_id = turn.thread.id
        self.running_in[thread_id] = self.running_in.get(thread_id, 0) + 1
        self.peak_in[thread_id] = max(self.peak_in.get(thread_id, 0), self.running_in[thread_id])
        try:
            async for event in super().respond(turn):
                yield event
        finally:
            self.running_in[thread_id] -= 1


async def test_two_messages_to_one_thread_at_once_take_turns(data_dir: Any) -> None:
    """Concurrent messages to the same thread run one after the other: answers never interleave."""
    assistant = _PerThreadCountingAssistant()
    settings = Settings(data_dir=data_dir, embedder="none", max_running_turns=4, _env_file=None)  # type: ignore[call-arg]
    async with asgi_client(settings, assistant) as client:
        created = await client.stream("threads.create", input=message("first"))
        thread_id = created[0].thread.id
        await asyncio.gather(
            client.stream("threads.add_user_message", thread_id=thread_id, input=message("second")),
            client.stream("threads.add_user_message", thread_id=thread_id, input=message("third")),
            client.as_user("bob").stream("threads.create", input=message("another thread runs alongside")),
        )
        items = (await client.call("items.list", thread_id=thread_id, order="asc", limit=50))["data"]
    assert [item["type"] for item in items] == ["user_message", "assistant_message"] * 3
    assert assistant.peak_in[thread_id] == 1
