"""What the MCP component gives the assistants: the connected external servers (asked at every turn, since servers
come and go) and the ``list_mcp_servers`` tool that answers "show my MCP servers" with the dashboard widget."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from agents import FunctionTool
from agents.mcp import MCPServer as AgentsMCPServer
from agents.tool_context import ToolContext
from chatkit.agents import AgentContext

from aya.core.context import RequestContext
from aya.mcp.registry import McpRegistry, describe_statuses
from aya.mcp.widgets import describe_summaries, mcp_servers_widget

RegistryGetter = Callable[[], McpRegistry | None]

LIST_TOOL_NAME = "list_mcp_servers"


def active_servers(registry: RegistryGetter) -> Callable[[], list[AgentsMCPServer]]:
    """A callable giving the currently connected servers (an empty list while the registry is not running)."""

    def servers() -> list[AgentsMCPServer]:
        current = registry()
        return current.active_servers() if current is not None else []

    return servers


def _chat_context(context: Any) -> AgentContext[Any] | None:
    """The ChatKit context of a run: the run context itself, or its ``chat`` attribute (the shop's run context)."""
    if isinstance(context, AgentContext):
        return context
    chat = getattr(context, "chat", None)
    return chat if isinstance(chat, AgentContext) else None


def _is_admin(chat: AgentContext[Any] | None) -> bool:
    """Only an admin sees commands, URLs and failure reasons; anyone else (or an unknown caller) gets the summary."""
    request_context = getattr(chat, "request_context", None)
    return isinstance(request_context, RequestContext) and request_context.is_admin


def list_mcp_servers_tool(registry: RegistryGetter) -> FunctionTool:
    """The ``list_mcp_servers`` tool: a summary for the model, and the servers widget in the chat."""

    async def invoke(tool_context: ToolContext[Any], raw_arguments: str) -> str:
        current = registry()
        if current is None:
            return json.dumps({"error": "MCP servers are not available on this server"})
        chat = _chat_context(tool_context.context)
        admin = _is_admin(chat)
        if admin:
            await current.check()
        report = current.statuses()
        if not admin:
            summary = describe_summaries(report.servers)
            if chat is not None:
                await chat.stream_widget(mcp_servers_widget(report.servers, redacted=True), copy_text=summary)
            return json.dumps(
                {
                    "summary": summary,
                    "servers": [
                        {"name": s.name, "state": s.state, "tools_count": s.tools_count} for s in report.servers
                    ],
                }
            )
        summary = describe_statuses(report.servers)
        if chat is not None:
            widget = mcp_servers_widget(report.servers, config_error=report.config_error)
            await chat.stream_widget(widget, copy_text=summary)
        return json.dumps(
            {
                "summary": summary,
                "config_error": report.config_error,
                "servers": [
                    {"name": s.name, "state": s.state, "tools": s.tool_names, "error": s.error} for s in report.servers
                ],
            }
        )

    return FunctionTool(
        name=LIST_TOOL_NAME,
        description=(
            "Show the external MCP servers connected to this assistant (their state, their tools, or why they "
            "failed) as a list in the chat. Use it when the user asks about MCP servers, integrations or connected "
            "tools."
        ),
        params_json_schema={"type": "object", "properties": {}, "required": [], "additionalProperties": False},
        on_invoke_tool=invoke,
        strict_json_schema=True,
    )
