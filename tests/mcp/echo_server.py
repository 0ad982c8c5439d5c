"""A tiny MCP server the registry tests connect to (stdio: ``python echo_server.py``; HTTP: see ``http_app``)."""

from __future__ import annotations

import os
import sys

from mcp.server.mcpserver import MCPServer

SECRET_WORD = "kibble-42"


def build() -> MCPServer:
    server: MCPServer = MCPServer("echo", instructions="Test server for Aya's MCP registry.")

    @server.tool()
    def echo(text: str) -> str:
        """Repeat the text."""
        return text

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    def secret_word() -> str:
        """The store's secret word of the day."""
        return SECRET_WORD

    @server.tool()
    def crash() -> str:
        """Stop the server process at once (tests use it to see a server die)."""
        os._exit(1)

    return server


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--crash":
        sys.exit(3)  # a broken server: exits before speaking MCP
    build().run("stdio")
