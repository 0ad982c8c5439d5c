"""The chat dashboard of external MCP servers: one ChatKit list widget ("show my MCP servers").

Only admins see commands, URLs, tool names and failure reasons; everyone else gets the redacted list (name, state,
tool count) from ``redacted=True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chatkit.widgets import DynamicWidgetRoot

from aya.mcp.registry import ServerStatus

_BADGE = {"connected": "success", "connecting": "info", "failed": "danger", "disabled": "secondary"}


def _count(n: int) -> str:
    return f"{n} tool" + ("" if n == 1 else "s")


def describe_summaries(statuses: Sequence[ServerStatus]) -> str:
    """One line per server without any detail an admin alone may see (for shoppers and the model answering them)."""
    if not statuses:
        return "No external MCP servers are configured."
    return "\n".join(f"{s.name}: {s.state}, {_count(s.tools_count)}" for s in statuses)


def _redacted_item(status: ServerStatus) -> dict[str, Any]:
    return {
        "type": "ListViewItem",
        "key": status.name,
        "gap": 3,
        "children": [
            {
                "type": "Col",
                "flex": 1,
                "gap": 1,
                "children": [
                    {"type": "Text", "value": status.name, "weight": "semibold", "size": "sm"},
                    {"type": "Caption", "value": _count(status.tools_count), "color": "secondary"},
                ],
            },
            {"type": "Badge", "label": status.state, "color": _BADGE.get(status.state, "secondary"), "pill": True},
        ],
    }


def _item(status: ServerStatus) -> dict[str, Any]:
    if status.state == "connected":
        detail = f"{status.tools_count} tool" + ("" if status.tools_count == 1 else "s")
        if status.tool_names:
            shown = ", ".join(status.tool_names[:4]) + (", …" if len(status.tool_names) > 4 else "")
            detail += f": {shown}"
    elif status.state == "failed":
        detail = status.error or "failed to connect"
    elif status.state == "disabled":
        detail = "disabled"
    else:
        detail = "connecting…"
    return {
        "type": "ListViewItem",
        "key": status.name,
        "gap": 3,
        "children": [
            {
                "type": "Col",
                "flex": 1,
                "gap": 1,
                "children": [
                    {"type": "Text", "value": status.name, "weight": "semibold", "size": "sm"},
                    {"type": "Caption", "value": f"{status.transport} · {status.target}", "maxLines": 1},
                    {
                        "type": "Caption",
                        "value": detail,
                        "maxLines": 2,
                        "color": "danger" if status.state == "failed" else "secondary",
                    },
                ],
            },
            {"type": "Badge", "label": status.state, "color": _BADGE.get(status.state, "secondary"), "pill": True},
        ],
    }


def mcp_servers_widget(
    statuses: Sequence[ServerStatus], *, config_error: str | None = None, redacted: bool = False
) -> DynamicWidgetRoot:
    """A list of the configured servers with their state, tools or failure reason (``redacted``: name, state and tool
    count only, no config error)."""
    connected = sum(1 for s in statuses if s.state == "connected")
    children: list[dict[str, Any]] = [_redacted_item(s) if redacted else _item(s) for s in statuses]
    if config_error and not redacted:
        children.insert(
            0,
            {
                "type": "ListViewItem",
                "key": "config-error",
                "children": [{"type": "Text", "value": f"Servers file problem: {config_error}", "color": "danger"}],
            },
        )
    if not children:
        children.append(
            {
                "type": "ListViewItem",
                "key": "empty",
                "children": [{"type": "Text", "value": "No external MCP servers are configured.", "size": "sm"}],
            }
        )
    return DynamicWidgetRoot.model_validate(
        {
            "type": "ListView",
            "key": "mcp-servers",
            "status": {"text": f"MCP servers · {connected} of {len(statuses)} connected", "icon": "cube"},
            "children": children,
        }
    )
