"""The ``openai_compatible`` provider (Ollama, vLLM, llama.cpp) against a stand-in Chat Completions server.

``StandInChatCompletions`` is a small local HTTP server (FastAPI under uvicorn, on a free port) that speaks the
streamed Chat Completions protocol with tool calls, in the shapes such servers send: first a tool call
(``get_recommendations``), then, once the tool's result is in the conversation, a text answer built from it.
Everything else is real: settings, ``build_model``, the agent, the tools, the ChatKit server.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from aya.shop.assistant import ShopAssistant
from aya.shop.models import build_model

from .chatclient import ShopChat
from .conftest import offline_settings

PROFILE = {
    "name": None, "species": "dog", "age_years": 0.25, "life_stage": None, "breed": "golden retriever",
    "breed_size": "large", "conditions": ["sensitive_stomach"], "food_types": [], "features": [], "budget_max": None,
    "avoid_ingredients": [], "brands": [],
}  # fmt: skip


def _chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    body = {
        "id": "chatcmpl-standin",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "standin-llm",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n"


def stand_in_app(requests: list[dict[str, Any]]) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> StreamingResponse:
        body = await request.json()
        requests.append(body)
        tool_messages = [m for m in body["messages"] if m.get("role") == "tool"]

        def stream() -> Iterator[str]:
            if not tool_messages:
                call = {"index": 0, "id": "call_standin_1", "type": "function",
                        "function": {"name": "get_recommendations", "arguments": ""}}  # fmt: skip
                yield _chunk({"role": "assistant", "content": None, "tool_calls": [call]})
                arguments = json.dumps(
                    {"profile": PROFILE, "query": "", "sort": "relevance", "k": 3, "exclude_ids": []}
                )
                for i in range(0, len(arguments), 40):  # arguments arrive in pieces, as real servers send them
                    yield _chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[i : i + 40]}}]})
                yield _chunk({}, "tool_calls")
            else:
                picks = json.loads(tool_messages[-1]["content"])["picks"]
                text = f"My first pick is {picks[0]['product']['title']}, because it is {picks[0]['reason']}."
                yield _chunk({"role": "assistant", "content": ""})
                for word in text.split(" "):
                    yield _chunk({"content": word + " "})
                yield _chunk({}, "stop")
            usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
            last = {"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": 0, "model": "standin-llm"}
            yield f"data: {json.dumps({**last, 'choices': [], 'usage': usage})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest_asyncio.fixture(loop_scope="module")
async def stand_in() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    requests: list[dict[str, Any]] = []
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(stand_in_app(requests), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes only a flag
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/v1", requests
    finally:
        server.should_exit = True
        await task


@pytest.mark.asyncio(loop_scope="module")
async def test_openai_compatible_server_with_tool_calls(
    shop_app: FastAPI, shop_http: httpx.AsyncClient, stand_in: tuple[str, list[dict[str, Any]]], tmp_path: Any
) -> None:
    base_url, requests = stand_in
    settings = offline_settings(tmp_path).model_copy(
        update={"model_provider": "openai_compatible", "model_base_url": base_url, "model": "standin-llm"}
    )
    assert settings.effective_model_provider == "openai_compatible"
    resources = shop_app.state.resources
    server = resources.extras["chat_server"]
    original = server.assistant
    server.assistant = ShopAssistant(settings, resources.search, model=build_model(settings))
    try:
        reply = await ShopChat(shop_http, user="compat-1").say(
            "food for my 3 month old golden retriever, sensitive tummy"
        )
    finally:
        server.assistant = original

    assert not reply.errors
    assert reply.progress and reply.progress[0].startswith("Searching")
    assert reply.widget_kind == "products" and reply.product_ids
    products = await resources.search.get(reply.product_ids)
    assert all(p.species == "dog" for p in products)
    assert reply.text.startswith("My first pick is ") and "because it is" in reply.text
    first_title = products[0].title
    assert first_title in reply.text

    assert len(requests) == 2
    first = requests[0]
    assert first["model"] == "standin-llm" and first["stream"] is True
    tools = {t["function"]["name"]: t["function"] for t in first["tools"]}
    assert set(tools) == {"search_products", "get_product_details", "get_recommendations", "compare_products",
                          "find_similar", "feeding_guide", "unit_prices", "other_sizes", "switch_schedule",
                          "pet_food_question", "check_ingredients", "safety_check"}  # fmt: skip
    assert tools["get_recommendations"]["strict"] is True
    assert first["messages"][0]["role"] == "system" and "I'm Aya" in first["messages"][0]["content"]
    tool_message = next(m for m in requests[1]["messages"] if m.get("role") == "tool")
    assert tool_message["tool_call_id"] == "call_standin_1"
