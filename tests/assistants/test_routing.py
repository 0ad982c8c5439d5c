"""Threads belong to the assistant of the endpoint that created them, and the chat server routes to it.

The real chat server over a real SQLite store; both assistants are the production ``AgentAssistant`` with a scripted
fake model (the only fake, at the model boundary)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from agents.testing import ModelCall, ModelStep, ScriptedModel, assistant_message
from chatkit.server import NonStreamingResult, StreamingResult
from tests.chat.chat_fakes import fake_assistant, last_user_text, parse_sse

from aya.assistants import ASSISTANT_KEY, AssistantRegistry, UnknownAssistant
from aya.chat.attachments import FileAttachmentStore
from aya.chat.server import AyaChatServer
from aya.chat.sqlite_db import open_sqlite_store
from aya.core.context import RequestContext
from aya.core.errors import NotFound
from aya.core.settings import Settings


def _model(prefix: str) -> ScriptedModel:
    def answer(call: ModelCall) -> Any:
        return [assistant_message(f"{prefix}: {last_user_text(call)}")]

    return ScriptedModel([ModelStep.respond(answer) for _ in range(50)])


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[AyaChatServer]:
    store = await open_sqlite_store(tmp_path / "threads.sqlite3")
    settings = Settings(data_dir=tmp_path, embedder="none", _env_file=None)  # type: ignore[call-arg]
    assistants = AssistantRegistry({"aya": fake_assistant(_model("Aya")), "ops": fake_assistant(_model("Ops"))})
    yield AyaChatServer(
        store=store,
        attachments=FileAttachmentStore(tmp_path / "att", store, max_bytes=1024, secret=b"s" * 32),
        settings=settings,
        assistants=assistants,
    )
    await store.close()


ALICE = RequestContext(user_id="alice")


def _create(text: str) -> bytes:
    content = {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}
    return json.dumps({"type": "threads.create", "params": {"input": content}}).encode()


async def _stream(server: AyaChatServer, body: bytes, assistant: str | None = None) -> list[Any]:
    result = await server.handle(body, ALICE, assistant=assistant)
    assert isinstance(result, StreamingResult)
    return parse_sse(b"".join([chunk async for chunk in result]).decode())


def _replies(events: list[Any]) -> list[str]:
    return [
        part.text
        for e in events
        if e.type == "thread.item.done" and e.item.type == "assistant_message"
        for part in e.item.content
    ]


async def _json(server: AyaChatServer, type_: str, assistant: str | None = None, **params: Any) -> Any:
    body = json.dumps({"type": type_, "params": params}).encode()
    result = await server.handle(body, ALICE, assistant=assistant)
    assert isinstance(result, NonStreamingResult)
    return json.loads(result.json)


async def test_each_thread_is_answered_by_the_assistant_of_its_endpoint(server: AyaChatServer) -> None:
    shop_events = await _stream(server, _create("grain free kibble"))
    ops_events = await _stream(server, _create("run the tests"), assistant="ops")
    assert _replies(shop_events) == ["Aya: grain free kibble"]
    assert _replies(ops_events) == ["Ops: run the tests"]
    shop_thread = shop_events[0].thread.id
    ops_thread = ops_events[0].thread.id
    assert (await server.store.load_thread(ops_thread, ALICE)).metadata[ASSISTANT_KEY] == "ops"
    assert (await server.store.load_thread(shop_thread, ALICE)).metadata[ASSISTANT_KEY] == "aya"

    # A follow-up goes to the owner.
    follow_up = {
        "type": "threads.add_user_message",
        "params": {
            "thread_id": ops_thread,
            "input": {"content": [{"type": "input_text", "text": "again"}], "attachments": [], "inference_options": {}},
        },
    }
    assert _replies(await _stream(server, json.dumps(follow_up).encode(), assistant="ops")) == ["Ops: again"]

    # Another assistant's thread does not exist on this endpoint, in either direction.
    with pytest.raises(NotFound):
        await server.handle(json.dumps(follow_up).encode(), ALICE)
    with pytest.raises(NotFound):
        await _json(server, "threads.get_by_id", "ops", thread_id=shop_thread)

    # Each endpoint lists only its own threads.
    assert [t["id"] for t in (await _json(server, "threads.list"))["data"]] == [shop_thread]
    assert [t["id"] for t in (await _json(server, "threads.list", "ops"))["data"]] == [ops_thread]


async def test_threads_list_pages_through_other_assistants_threads(server: AyaChatServer) -> None:
    ops = [(await _stream(server, _create(f"ops {i}"), assistant="ops"))[0].thread.id for i in range(3)]
    shop = [(await _stream(server, _create(f"shop {i}")))[0].thread.id for i in range(2)]
    first = await _json(server, "threads.list", "ops", limit=2, order="asc")
    assert [t["id"] for t in first["data"]] == ops[:2] and first["has_more"] is True
    second = await _json(server, "threads.list", "ops", limit=2, order="asc", after=first["after"])
    assert [t["id"] for t in second["data"]] == ops[2:] and second["has_more"] is False
    assert [t["id"] for t in (await _json(server, "threads.list", order="asc"))["data"]] == shop


async def test_an_unknown_endpoint_assistant_is_refused(server: AyaChatServer) -> None:
    from aya.core.errors import NotConfigured

    with pytest.raises(NotConfigured):
        await server.handle(_create("hello"), ALICE, assistant="nobody")
    with pytest.raises(UnknownAssistant):
        AssistantRegistry({"aya": server.assistant})["nobody"]
    with pytest.raises(ValueError, match="default"):
        AssistantRegistry({"ops": server.assistant})
