"""The chat widget of the MCP servers ("show my MCP servers")."""

from __future__ import annotations

from aya.mcp.registry import ServerStatus
from aya.mcp.widgets import mcp_servers_widget


def _status(name: str, state: str, **extra: object) -> ServerStatus:
    return ServerStatus.model_validate(
        {"name": name, "transport": "stdio", "target": "python x.py", "enabled": state != "disabled", "state": state}
        | extra
    )


def test_widget_lists_each_server_with_its_state() -> None:
    widget = mcp_servers_widget(
        [
            _status("echo", "connected", tools_count=3, tool_names=["echo", "add", "secret_word"]),
            _status("broken", "failed", error="Connection closed"),
            _status("spare", "disabled"),
        ]
    )
    data = widget.model_dump(mode="json")
    assert data["type"] == "ListView"
    assert data["status"]["text"] == "MCP servers · 1 of 3 connected"
    rows = data["children"]
    assert [r["key"] for r in rows] == ["echo", "broken", "spare"]
    text = str(rows)
    assert "3 tools: echo, add, secret_word" in text
    assert "Connection closed" in text
    badges = [c for r in rows for c in r["children"] if c["type"] == "Badge"]
    assert [(b["label"], b["color"]) for b in badges] == [
        ("connected", "success"),
        ("failed", "danger"),
        ("disabled", "secondary"),
    ]


def test_widget_without_servers_and_with_a_config_error() -> None:
    empty = mcp_servers_widget([]).model_dump(mode="json")
    assert "No external MCP servers are configured." in str(empty)
    broken = mcp_servers_widget([], config_error="mcp_servers.toml: servers.a.args: Input should be a valid list")
    assert "servers.a.args" in str(broken.model_dump(mode="json"))
