"""The default assistant end to end: the shop's offline model over a real (small) sample catalog, through /chatkit."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from chatkit.types import AssistantMessageItem, WidgetItem

from aya.catalog.sample import generate_sample_catalog
from aya.core.settings import Settings
from aya.search.ingest import ingest_products

from .chat_fakes import ChatClient, asgi_client, message, of_type


@pytest.fixture
async def offline(data_dir: Any) -> AsyncIterator[ChatClient]:
    settings = Settings(data_dir=data_dir, embedder="none", model_provider="offline", _env_file=None)  # type: ignore[call-arg]
    async with asgi_client(settings, None) as client:
        assert client.app is not None
        search = client.app.state.resources.search
        await ingest_products(search, generate_sample_catalog(300, 7), embed=False)
        yield client


async def test_offline_assistant_recommends_and_answers_card_actions(offline: ChatClient) -> None:
    events = await offline.stream("threads.create", input=message("Dry food for my adult dog, chicken flavor"))
    done = [e.item for e in of_type(events, "thread.item.done")]
    answers = [i for i in done if isinstance(i, AssistantMessageItem)]
    widgets = [i for i in done if isinstance(i, WidgetItem)]
    assert answers and answers[-1].content[0].text.strip()
    assert widgets, "product cards are streamed as widgets"
    assert len({i.id for i in done}) == len(done)
    thread_id = events[0].thread.id

    product_ids = re.findall(r'"product_id":\s*"([^"]+)"', json.dumps(widgets[0].widget.model_dump(mode="json")))
    assert product_ids
    action = {"type": "aya.details", "payload": {"product_id": product_ids[0]}}
    events = await offline.stream("threads.custom_action", thread_id=thread_id, item_id=widgets[0].id, action=action)
    assert not of_type(events, "error")
    assert [e.item for e in of_type(events, "thread.item.done") if isinstance(e.item, AssistantMessageItem)]

    thread = await offline.call("threads.get_by_id", thread_id=thread_id)
    assert thread["title"] == "Dry food for my adult dog, chicken flavor"
    events = await offline.stream("threads.add_user_message", thread_id=thread_id, input=message("Something cheaper?"))
    assert not of_type(events, "error")
    assert of_type(events, "thread.item.done")


async def test_concurrent_conversations_stay_apart(offline: ChatClient) -> None:
    async def converse(n: int) -> tuple[str, list[Any]]:
        user = offline.as_user(f"shopper-{n}")
        events = await user.stream("threads.create", input=message(f"Wet food for my {n}-year-old cat"))
        thread_id = events[0].thread.id
        events += await user.stream("threads.add_user_message", thread_id=thread_id, input=message("Cheaper?"))
        return thread_id, events

    results = await asyncio.gather(*(converse(n) for n in range(8)))
    assert len({thread_id for thread_id, _ in results}) == 8
    for n, (thread_id, events) in enumerate(results):
        assert not of_type(events, "error")
        items = [e.item for e in events if e.type in ("thread.item.added", "thread.item.done")]
        assert items and all(item.thread_id == thread_id for item in items)
        listed = await offline.as_user(f"shopper-{n}").call("threads.list")
        assert [t["id"] for t in listed["data"]] == [thread_id]
