"""External MCP servers reach Aya's assistant: "show my MCP servers" in a real chat (offline model, real HTTP), and
the shop agent calling an external tool (Agents SDK scripted model: a fake only at the model boundary)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
from agents import Runner
from agents.items import ToolCallOutputItem
from agents.testing import ScriptedModel, assistant_message, function_call

from aya.core.settings import Settings
from aya.mcp.assistant import active_servers, list_mcp_servers_tool
from aya.mcp.registry import McpRegistry
from aya.search.models import ProductSearch
from aya.shop.agent import AyaRunContext
from aya.shop.assistant import ShopAssistant
from aya.shop.state import ThreadState
from aya.web.app import create_app

ServeHttp = Callable[..., AbstractAsyncContextManager[str]]
EchoTable = Callable[..., str]


def _message(text: str) -> dict[str, object]:
    return {
        "type": "threads.create",
        "params": {
            "input": {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}
        },
    }


async def test_show_my_mcp_servers_in_chat_offline_model(
    app_settings: Settings, servers_file: Path, http_table: EchoTable, echo_url: str, serve_http: ServeHttp
) -> None:
    await asyncio.to_thread(
        servers_file.write_text,
        http_table("echo", echo_url) + '[servers.gone]\ncommand = "/nonexistent/aya-mcp-server"\n',
    )
    app = create_app(app_settings)
    async with serve_http(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        await app.state.resources.extras["mcp_registry"].wait_settled()
        response = await http.post("/chatkit", json=_message("Show my MCP servers"), headers={"user-id": "owner-1"})
        assert response.status_code == 200
        events = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]
    widgets = [
        e["item"]["widget"] for e in events if e.get("type") == "thread.item.done" and e["item"]["type"] == "widget"
    ]
    assert len(widgets) == 1
    shown = json.dumps(widgets[0])
    assert widgets[0]["status"]["text"] == "MCP servers · 1 of 2 connected"
    assert "secret_word" in shown and "No such file" in shown
    replies = [
        c["text"]
        for e in events
        if e.get("type") == "thread.item.done" and e["item"]["type"] == "assistant_message"
        for c in e["item"]["content"]
    ]
    assert any(
        "Here are the MCP servers I'm connected to" in r and "echo (http): connected, 4 tools" in r for r in replies
    )


async def test_shop_agent_calls_an_external_tool_scripted_model(
    mcp_settings: Settings, servers_file: Path, http_table: EchoTable, echo_url: str, search: ProductSearch
) -> None:
    await asyncio.to_thread(servers_file.write_text, http_table("echo", echo_url))
    model = ScriptedModel(
        [
            [function_call("mcp_echo__secret_word", {}, call_id="call_1")],
            [assistant_message("The secret word is kibble-42.")],
        ]
    )
    async with McpRegistry(mcp_settings) as registry:
        await registry.wait_settled()
        assistant = ShopAssistant(mcp_settings, search, model=model)
        assert assistant.turn_agent().mcp_servers == []  # not plugged in yet
        assistant.use_mcp(active_servers(lambda: registry), [list_mcp_servers_tool(lambda: registry)])
        agent = assistant.turn_agent()
        context = AyaRunContext(search=search, state=ThreadState())
        result = await Runner.run(agent, "What's the secret word?", context=context)
    offered = {t.name for t in model.first_call.tools} if model.first_call else set()
    assert {"search_products", "list_mcp_servers", "mcp_echo__secret_word", "mcp_echo__add"} <= offered
    outputs = [str(item.output) for item in result.new_items if isinstance(item, ToolCallOutputItem)]
    assert any("kibble-42" in o for o in outputs)
    assert result.final_output == "The secret word is kibble-42."
