"""MCP over real HTTP: the ``/mcp`` route of the main app and the standalone app of ``aya mcp --transport http``,
both served by uvicorn on a free port; host/origin checks, the bearer token, and the dashboard API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from agents.mcp import MCPServerStreamableHttp

from aya.core.settings import Settings
from aya.mcp.http import streamable_http_app
from aya.mcp.server import SERVED_TOOLS, build_mcp_server
from aya.search.models import ProductSearch
from aya.web.app import create_app
from mcp import Client

ServeHttp = Callable[..., AbstractAsyncContextManager[str]]
EchoTable = Callable[..., str]

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}},
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
USER = {"user-id": "owner-1"}
TOKEN = "mcp-test-token-0123456789"


def _with(settings: Settings, **overrides: Any) -> Settings:
    return Settings(**{**settings.model_dump(), **overrides}, _env_file=None)  # type: ignore[arg-type]


async def test_main_app_serves_mcp_at_slash_mcp(
    app_settings: Settings, serve_http: ServeHttp, catalog_size: int
) -> None:
    app = create_app(app_settings)
    async with serve_http(app) as base_url:
        async with Client(f"{base_url}/mcp") as client:
            tools = [t.name for t in (await client.list_tools()).tools]
            assert tools == list(SERVED_TOOLS)
            result = await client.call_tool("search_products", {"query": "chicken", "species": "dog", "k": 2})
            assert not result.is_error and result.structured_content is not None
            assert len(result.structured_content["products"]) == 2
            stats = json.loads((await client.read_resource("catalog://stats")).contents[0].text)  # type: ignore[union-attr]
            assert stats["total"] == catalog_size

        # the Agents SDK's client (what other assistants use) against the same endpoint
        async with MCPServerStreamableHttp({"url": f"{base_url}/mcp"}, name="aya") as server:
            listed = await server.list_tools()
            assert {t.name for t in listed} == set(SERVED_TOOLS)
            details = await server.call_tool("get_product_details", {"product_id": "no-such-id"})
            assert details.is_error and "product_id" in details.content[0].text  # type: ignore[union-attr]


async def test_host_and_origin_are_checked(app_settings: Settings, serve_http: ServeHttp) -> None:
    settings = _with(app_settings, mcp_allowed_hosts=["127.0.0.1:*", "aya.example"])
    async with serve_http(create_app(settings)) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        ok = await http.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
        assert ok.status_code == 200
        assert ok.json()["result"]["serverInfo"]["name"] == "aya"

        rebinding = await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Host": "evil.example"})
        assert rebinding.status_code == 421

        configured = await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Host": "aya.example"})
        assert configured.status_code == 200

        foreign = await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Origin": "http://evil.example"})
        assert foreign.status_code == 403
        same_site = await http.post(
            "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Origin": "http://localhost:5173"}
        )  # a configured CORS origin (the Vite dev server)
        assert same_site.status_code == 200


async def test_bearer_token_is_required_when_set(app_settings: Settings, serve_http: ServeHttp) -> None:
    settings = _with(app_settings, mcp_token=TOKEN)
    async with serve_http(create_app(settings)) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as http:
            missing = await http.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
            assert missing.status_code == 401
            assert missing.headers["www-authenticate"].startswith("Bearer")
            wrong = await http.post(
                "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Authorization": "Bearer not-the-token"}
            )
            assert wrong.status_code == 401
            right = await http.post(
                "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Authorization": f"Bearer {TOKEN}"}
            )
            assert right.status_code == 200

        params = {"url": f"{base_url}/mcp", "headers": {"Authorization": f"Bearer {TOKEN}"}}
        async with MCPServerStreamableHttp(params, name="aya") as server:  # type: ignore[arg-type]
            result = await server.call_tool("search_products", {"species": "cat", "k": 1})
            assert not result.is_error


async def test_standalone_http_app_runs_its_own_session_manager(
    search: ProductSearch, mcp_settings: Settings, serve_http: ServeHttp
) -> None:
    """What ``aya mcp --transport http`` serves: the SDK's app, whose own lifespan runs the session manager."""
    _, app = streamable_http_app(build_mcp_server(search, mcp_settings), mcp_settings)
    async with serve_http(app) as base_url, Client(f"{base_url}/mcp") as client:
        prompt = await client.get_prompt("recommend_food", {"species": "cat", "age": "12-year-old"})
        assert "12-year-old cat" in prompt.messages[0].content.text  # type: ignore[union-attr]


async def test_dashboard_api(
    app_settings: Settings,
    servers_file: Path,
    echo_table: EchoTable,
    http_table: EchoTable,
    echo_url: str,
    serve_http: ServeHttp,
) -> None:
    await asyncio.to_thread(
        servers_file.write_text,
        "# servers\n"
        + echo_table("echo", extra='description = "the echo server"')
        + http_table("spare", echo_url, extra="enabled = false"),
    )
    app = create_app(app_settings)
    async with serve_http(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        assert (await http.get("/api/mcp/servers")).status_code == 401  # an identity is required

        registry = app.state.resources.extras["mcp_registry"]
        await registry.wait_settled()

        listing = (await http.get("/api/mcp/servers", headers=USER)).json()
        assert listing["config_file"] == "mcp_servers.toml" and listing["config_error"] is None
        assert "config_path" not in listing
        states = {s["name"]: s["state"] for s in listing["servers"]}
        assert states == {"echo": "connected", "spare": "disabled"}

        one = (await http.get("/api/mcp/servers/echo", headers=USER)).json()
        assert one["description"] == "the echo server" and one["tools_count"] == 4

        tools = (await http.get("/api/mcp/servers/echo/tools", headers=USER)).json()
        assert [t["name"] for t in tools["tools"]] == ["echo", "add", "secret_word", "crash"]
        assert tools["tools"][1]["parameters"] == ["a", "b"]

        disabled = await http.post("/api/mcp/servers/echo/disable", headers=USER)
        assert disabled.status_code == 200 and disabled.json()["state"] == "disabled"
        assert "enabled = false" in await asyncio.to_thread(servers_file.read_text)
        busy = await http.get("/api/mcp/servers/echo/tools", headers=USER)
        assert busy.status_code == 409 and busy.json()["field"] == "name"

        enabled = await http.post("/api/mcp/servers/spare/enable", headers=USER)
        assert enabled.json()["state"] == "connected"
        reconnected = await http.post("/api/mcp/servers/spare/reconnect", headers=USER)
        assert reconnected.json()["state"] == "connected"

        missing = await http.post("/api/mcp/servers/nope/enable", headers=USER)
        assert missing.status_code == 404
        assert missing.json() == {"error": "not_found", "message": "no MCP server named 'nope'", "field": "name"}

        await asyncio.to_thread(servers_file.write_text, echo_table("echo", extra='description = "the echo server"'))
        reloaded = await http.post("/api/mcp/servers/reload", headers=USER)
        assert [(s["name"], s["state"]) for s in reloaded.json()["servers"]] == [("echo", "connected")]

        info = (await http.get("/api/mcp", headers=USER)).json()
        assert info["endpoint"] == f"{base_url}/mcp"
        assert info["token_required"] is False and info["running"] is True
        assert info["tools"] == list(SERVED_TOOLS)
        assert info["stdio"]["args"] == ["mcp", "--transport", "stdio"]
        assert info["stdio"]["command"].endswith("aya")
        assert info["stdio"]["env"] == {"AYA_DATA_DIR": str(app_settings.data_dir.resolve())}


async def test_dashboard_management_needs_the_mcp_token_when_set(app_settings: Settings, serve_http: ServeHttp) -> None:
    app = create_app(_with(app_settings, mcp_token=TOKEN))
    async with serve_http(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        refused = await http.post("/api/mcp/servers/reload", headers=USER)
        assert refused.status_code == 403 and "X-Aya-MCP-Token" in refused.json()["message"]
        summary = await http.get("/api/mcp/servers", headers=USER)  # without the token: the redacted summary
        assert summary.status_code == 200 and summary.json() == {"redacted": True, "servers": []}
        allowed = await http.get("/api/mcp/servers", headers={**USER, "X-Aya-MCP-Token": TOKEN})
        assert allowed.status_code == 200 and allowed.json()["servers"] == []


@pytest.mark.parametrize("origin", ["http://localhost:8000", "http://127.0.0.1:9999"])
def test_transport_security_allows_local_origins(mcp_settings: Settings, origin: str) -> None:
    from aya.mcp.http import transport_security

    security = transport_security(mcp_settings)
    assert security.enable_dns_rebinding_protection
    assert any(origin == o or (o.endswith(":*") and origin.startswith(o[:-1])) for o in security.allowed_origins)
    assert not transport_security(
        mcp_settings.model_copy(update={"mcp_allowed_hosts": ["*"]})
    ).enable_dns_rebinding_protection
