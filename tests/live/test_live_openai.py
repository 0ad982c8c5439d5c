"""Live smoke tests against OpenAI (``-m live``, with ``OPENAI_API_KEY``): what the recorded exchanges assume, checked
once against the real services with the store's key and default models.

1. A text turn through the real app whose model calls a shop tool (product cards come back).
2. Continuity: the next message goes alone with ``previous_response_id``; a stored id OpenAI does not know is
   answered with its 400 ``previous_response_not_found`` and the turn reruns from history with no error shown.
3. Realtime: the server mints an ephemeral secret; the Voice tab connects over WebRTC and the data channel carries
   ``session.created``/``session.updated`` back, with the minted transcription language and tracing off.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from agents.models.openai_responses import OpenAIResponsesModel
from fastapi import FastAPI
from pydantic import SecretStr
from tests.live.conftest import LIVE_KEY
from tests.shop.chatclient import ShopChat
from tests.shop.conftest import serving

from aya.core.context import RequestContext
from aya.core.openai_api import openai_client
from aya.core.settings import Settings
from aya.shop.assistant import ShopAssistant
from aya.web.app import create_app

pytestmark = [pytest.mark.live]


def _settings(data: Path) -> Settings:
    key = SecretStr(LIVE_KEY)
    return Settings(data_dir=data, _env_file=None, openai_api_key=key, model_provider="openai", voice_mode="realtime")  # type: ignore[call-arg]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def live_app(catalog_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FastAPI]:
    data = tmp_path_factory.mktemp("live") / "data"
    shutil.copytree(catalog_data_dir, data)
    async with serving(create_app(_settings(data))) as app:
        yield app


@pytest.fixture
def sent(live_app: FastAPI) -> Iterator[list[dict[str, Any]]]:
    """The app's assistant on a client that keeps every request body it sends to OpenAI."""
    bodies: list[dict[str, Any]] = []

    async def keep(request: httpx.Request) -> None:
        if request.url.path.endswith("/responses"):
            bodies.append(json.loads(request.content))

    resources = live_app.state.resources
    server = resources.extras["chat_server"]
    original = server.assistant
    client = openai_client(resources.settings, http_client=httpx.AsyncClient(event_hooks={"request": [keep]}))
    model = OpenAIResponsesModel(model=resources.settings.model, openai_client=client)
    server.assistant = ShopAssistant(resources.settings, resources.search, model=model, responses_api=True)
    yield bodies
    server.assistant = original


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def http(live_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=live_app), base_url="http://live") as client:
        yield client


@pytest.mark.asyncio(loop_scope="module")
async def test_live_text_turn_with_a_tool_call_and_continuity(
    live_app: FastAPI, http: httpx.AsyncClient, sent: list[dict[str, Any]]
) -> None:
    chat = ShopChat(http, user="live-1", username="Sam")
    first = await chat.say("I need grain free dry food for my 12 year old cat. Please show me some options.")
    assert not first.errors, first.errors
    assert first.widget_kind == "products" and first.product_ids, "the model should have called a shop tool"
    assert first.text
    assert sent[0]["truncation"] == "auto" and "previous_response_id" not in sent[0]

    server = live_app.state.resources.extras["chat_server"]
    thread = await server.store.load_thread(chat.thread_id, RequestContext(user_id=chat.user))
    stored = thread.metadata["previous_response_id"]
    count = len(sent)
    second = await chat.say("Which one of those is the cheapest?")
    assert not second.errors and second.text, second.errors
    assert sent[count]["previous_response_id"] == stored
    assert [i.get("role") for i in sent[count]["input"]] == ["user"]  # the new message alone


@pytest.mark.asyncio(loop_scope="module")
async def test_live_unknown_previous_response_is_rerun_from_history(
    live_app: FastAPI, http: httpx.AsyncClient, sent: list[dict[str, Any]]
) -> None:
    from aya.chat.history import SEEN_THROUGH, recent_items

    chat = ShopChat(http, user="live-2")
    assert not (await chat.say("Hello! I have a dog.")).errors
    server = live_app.state.resources.extras["chat_server"]
    context = RequestContext(user_id=chat.user)
    thread = await server.store.load_thread(chat.thread_id, context)
    newest = await recent_items(server.store, thread.id, 1, context)
    thread.metadata.update({"previous_response_id": "resp_" + "0" * 48, SEEN_THROUGH: newest[-1].id})
    await server.store.save_thread(thread, context)
    count = len(sent)
    reply = await chat.say("She is a two year old labrador.")
    assert not reply.errors, reply.errors
    assert sent[count]["previous_response_id"] == "resp_" + "0" * 48  # OpenAI refused it ...
    assert "previous_response_id" not in sent[count + 1]  # ... and the turn was rerun from history


def test_live_realtime_mint_and_data_channel_round_trip(catalog_data_dir: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright
    from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, serve

    record = """(() => {
      window.__received = [];
      const create = RTCPeerConnection.prototype.createDataChannel;
      RTCPeerConnection.prototype.createDataChannel = function (label, options) {
        const channel = create.call(this, label, options);
        channel.addEventListener("message", (m) => window.__received.push(JSON.parse(m.data)));
        return channel;
      };
    })();"""
    with serve(catalog_data_dir, tmp_path, OPENAI_API_KEY=LIVE_KEY) as server:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM),
                args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"],
            )
            try:
                context = browser.new_context()
                context.add_init_script(record)
                page = context.new_page()
                page.goto(server.url)
                page.get_by_role("tab", name="Voice").click()
                page.get_by_role("button", name="Start").click()
                expect(page.locator(".voice-status")).to_have_attribute("data-state", "listening", timeout=30_000)
                page.wait_for_function("window.__received.some(e => e.type === 'session.updated')", timeout=30_000)
                received = page.evaluate("window.__received")
                types = [e["type"] for e in received]
                assert "session.created" in types and "error" not in types, received
                session = [e for e in received if e["type"] == "session.updated"][-1]["session"]
                assert session["audio"]["input"]["transcription"]["language"] == "en"
                assert session.get("tracing") in (None, "disabled")
                page.get_by_role("button", name="Stop").click()
                expect(page.locator(".voice-status")).to_have_attribute("data-state", "idle")
                assert LIVE_KEY not in page.content()
            finally:
                browser.close()
        assert LIVE_KEY not in server.log.read_text(errors="replace")
