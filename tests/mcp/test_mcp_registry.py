"""The registry of external MCP servers against a real second MCP server (``echo_server.py``): spawned over stdio,
and served over streamable HTTP by uvicorn on a free port. The assistant run uses the Agents SDK's scripted model
(a fake only at the model boundary)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from types import ModuleType

import pytest
from agents import Agent, Runner
from agents.items import ToolCallOutputItem
from agents.testing import ScriptedModel, assistant_message, function_call

from aya.core.errors import Conflict, NotFound
from aya.core.settings import Settings
from aya.mcp.registry import McpRegistry

EchoTable = Callable[..., str]
ServeHttp = Callable[..., AbstractAsyncContextManager[str]]


def _own_tasks() -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() if t.get_name().startswith("aya-mcp:")}


async def test_stdio_server_status_tools_and_filter(
    mcp_settings: Settings, servers_file: Path, echo_table: EchoTable
) -> None:
    await asyncio.to_thread(
        servers_file.write_text, echo_table("echo", extra='blocked_tools = ["add", "crash"]\ndescription = "test echo"')
    )
    async with McpRegistry(mcp_settings) as registry:
        await registry.wait_settled()
        status = registry.status("echo")
        assert status.state == "connected", status.error
        assert status.enabled and status.transport == "stdio"
        assert status.tool_names == ["echo", "secret_word"]  # "add" and "crash" are blocked
        assert status.tools_count == 2 and status.description == "test echo"
        tools = {t.name: t for t in await registry.tools("echo")}
        assert tools["echo"].parameters == ["text"] and tools["echo"].description == "Repeat the text."
        (server,) = registry.active_servers()
        result = await server.call_tool("secret_word", {})
        assert result.content[0].text == "kibble-42"  # type: ignore[union-attr]
        assert len(_own_tasks()) == 1
    assert not _own_tasks()  # closing awaited every supervisor


async def test_http_server_and_failures_are_reported(
    mcp_settings: Settings, servers_file: Path, echo_table: EchoTable, echo_module: ModuleType, serve_http: ServeHttp
) -> None:
    async with serve_http(echo_module.build().streamable_http_app()) as base_url:
        await asyncio.to_thread(
            servers_file.write_text,
            f'[servers.web]\nurl = "{base_url}/mcp"\nheaders = {{ Authorization = "Bearer s3cret" }}\n\n'
            + echo_table("crashing", "--crash")
            + '[servers.missing]\ncommand = "/nonexistent/aya-test-command"\n\n'
            + '[servers.unreachable]\nurl = "http://127.0.0.1:9/mcp"\ntimeout_seconds = 5\n',
        )
        async with McpRegistry(mcp_settings) as registry:
            await registry.wait_settled()
            await registry.check()  # a live HTTP server stays connected
            report = {s.name: s for s in registry.statuses().servers}
            assert report["web"].state == "connected", report["web"].error
            assert report["web"].tool_names == ["echo", "add", "secret_word", "crash"]
            assert report["web"].header_keys == ["Authorization"]
            assert "s3cret" not in registry.statuses().model_dump_json()  # header values never leave the server
            for name in ("crashing", "missing", "unreachable"):
                assert report[name].state == "failed" and report[name].error, name
            assert "No such file" in (report["missing"].error or "")
            assert [s.name for s in registry.active_servers()] == ["web"]
            add = await registry.active_servers()[0].call_tool("add", {"a": 2, "b": 40})
            assert add.content[0].text == "42"  # type: ignore[union-attr]


async def test_enable_disable_persist_and_reconnect(
    mcp_settings: Settings, servers_file: Path, http_table: EchoTable, echo_url: str
) -> None:
    await asyncio.to_thread(
        servers_file.write_text,
        "# External MCP servers (the owner's comment must survive)\n"
        + http_table("echo", echo_url, extra="enabled = false  # off for now"),
    )
    async with McpRegistry(mcp_settings) as registry:
        await registry.wait_settled()
        assert registry.status("echo").state == "disabled"
        assert registry.active_servers() == []

        status = await registry.enable("echo")
        assert status.state == "connected" and status.enabled
        text = await asyncio.to_thread(servers_file.read_text)
        assert "enabled = true  # off for now" in text
        assert text.startswith("# External MCP servers (the owner's comment must survive)")
        first = registry.active_servers()[0]

        status = await registry.reconnect("echo")
        assert status.state == "connected"
        (second,) = registry.active_servers()
        assert second is not first  # a fresh connection and a fresh tool cache

        status = await registry.disable("echo")
        assert status.state == "disabled" and status.tools_count == 0 and status.connected_at is None
        assert registry.active_servers() == []
        assert not _own_tasks()
    assert "enabled = false  # off for now" in await asyncio.to_thread(servers_file.read_text)

    async with McpRegistry(mcp_settings) as again:  # the flag was persisted
        await again.wait_settled()
        assert again.status("echo").state == "disabled"


async def test_a_server_that_dies_is_reported_and_can_be_reconnected(
    mcp_settings: Settings, servers_file: Path, echo_table: EchoTable
) -> None:
    await asyncio.to_thread(servers_file.write_text, echo_table("echo"))
    async with McpRegistry(mcp_settings) as registry:
        await registry.wait_settled()
        (server,) = registry.active_servers()
        with pytest.raises(Exception):  # noqa: B017 - the process exits mid-call: the SDK's error type varies
            await server.call_tool("crash", {})
        await registry.check()
        status = registry.status("echo")
        assert status.state == "failed" and (status.error or "").startswith("stopped answering")
        assert registry.active_servers() == [] and not _own_tasks()
        assert (await registry.reconnect("echo")).state == "connected"
        await registry.check()
        assert registry.status("echo").state == "connected"


async def test_unknown_server_and_reconnecting_a_disabled_one(
    mcp_settings: Settings, servers_file: Path, echo_table: EchoTable
) -> None:
    await asyncio.to_thread(servers_file.write_text, echo_table("echo", extra="enabled = false"))
    async with McpRegistry(mcp_settings) as registry:
        with pytest.raises(NotFound) as not_found:
            registry.status("nope")
        assert not_found.value.field == "name" and "nope" in not_found.value.message
        with pytest.raises(Conflict, match="enable it first"):
            await registry.reconnect("echo")


async def test_broken_servers_file_is_reported_not_raised(mcp_settings: Settings, servers_file: Path) -> None:
    await asyncio.to_thread(servers_file.write_text, '[servers.x]\ncommand = "a"\nargs = "not-a-list"\n')
    async with McpRegistry(mcp_settings) as registry:
        report = registry.statuses()
        assert report.servers == []
        assert report.config_error is not None and "servers.x.args" in report.config_error


async def test_assistant_calls_an_external_tool_scripted_model(
    mcp_settings: Settings, servers_file: Path, http_table: EchoTable, echo_url: str
) -> None:
    await asyncio.to_thread(
        servers_file.write_text, http_table("echo", echo_url, extra='allowed_tools = ["secret_word", "echo"]')
    )
    model = ScriptedModel(
        [
            [function_call("secret_word", {}, call_id="call_1")],
            [assistant_message("Today's secret word is kibble-42.")],
        ]
    )
    async with McpRegistry(mcp_settings) as registry:
        await registry.wait_settled()
        agent = Agent(name="Aya", instructions="Help.", model=model, mcp_servers=registry.active_servers())
        result = await Runner.run(agent, "What is the secret word?")
    offered = sorted(t.name for t in model.first_call.tools) if model.first_call else []
    assert offered == ["echo", "secret_word"]  # the allow-list hides "add"
    outputs = [item.output for item in result.new_items if isinstance(item, ToolCallOutputItem)]
    assert any("kibble-42" in str(o) for o in outputs)
    assert result.final_output == "Today's secret word is kibble-42."
    assert model.remaining_steps == 0


async def test_reload_adds_removes_and_restarts_changed_servers(
    mcp_settings: Settings, servers_file: Path, http_table: EchoTable, echo_url: str
) -> None:
    def write(text: str) -> Callable[[], object]:
        return lambda: servers_file.write_text(text)

    await asyncio.to_thread(
        write(
            http_table("kept", echo_url)
            + http_table("changed", echo_url)
            + '[servers.dropped]\ncommand = "/nonexistent/aya-mcp"\n'
        )
    )
    async with McpRegistry(mcp_settings) as registry:
        await registry.wait_settled()
        kept = {s.name: s for s in registry.active_servers()}["kept"]

        await asyncio.to_thread(
            write(
                http_table("kept", echo_url)
                + http_table("changed", echo_url, extra='allowed_tools = ["echo"]')
                + http_table("added", echo_url, extra="enabled = false")
            )
        )
        report = await registry.reload()
        assert report.config_error is None
        states = {s.name: (s.state, s.tool_names) for s in report.servers}
        assert states == {
            "kept": ("connected", ["echo", "add", "secret_word", "crash"]),
            "changed": ("connected", ["echo"]),
            "added": ("disabled", []),
        }
        assert {s.name: s for s in registry.active_servers()}["kept"] is kept  # untouched: same connection

        await asyncio.to_thread(write("[servers.broken\n"))
        broken = await registry.reload()
        assert broken.config_error is not None and "not valid TOML" in broken.config_error
        assert [s.name for s in broken.servers] == ["kept", "changed", "added"]  # nothing changed
