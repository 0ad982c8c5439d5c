"""``aya mcp``: serve the catalog over MCP for desktop clients (stdio) or as a standalone HTTP server,
and ``aya mcp-servers``: the status of the external MCP servers in the servers file."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

import typer

from aya.cli.common import settings_or_exit
from aya.core.logging import configure_logging
from aya.core.settings import Settings


async def _serve(settings: Settings, transport: Literal["stdio", "http"], host: str, port: int) -> None:
    from aya.mcp.http import MCP_PATH, streamable_http_app
    from aya.mcp.server import build_mcp_server
    from aya.search.factory import open_search

    search = await open_search(settings)
    try:
        server = build_mcp_server(search, settings)
        if transport == "stdio":
            await server.run_stdio_async()
            return
        import uvicorn

        _, app = streamable_http_app(server, settings, path=MCP_PATH)
        config = uvicorn.Config(app, host=host, port=port, log_level=settings.log_level.lower())
        await uvicorn.Server(config).serve()
    finally:
        await search.aclose()


async def _statuses(settings: Settings, wait: bool) -> str:
    from aya.mcp.registry import McpRegistry, describe_statuses

    async with McpRegistry(settings) as registry:
        if wait:
            await registry.wait_settled()
            await registry.check()
        report = registry.statuses()
    lines = [f"servers file: {report.config_path}"]
    if report.config_error:
        lines.append(f"error: {report.config_error}")
    lines.append(describe_statuses(report.servers))
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command()
    def mcp(
        transport: Annotated[
            str, typer.Option(help="stdio (for desktop clients such as Claude Desktop) or http (streamable HTTP).")
        ] = "stdio",
        host: Annotated[str | None, typer.Option(help="Address to bind with --transport http.")] = None,
        port: Annotated[int, typer.Option(help="Port with --transport http.", min=1, max=65535)] = 8765,
    ) -> None:
        """Serve Aya's catalog tools over the Model Context Protocol (the catalog must be ingested first)."""
        if transport not in ("stdio", "http"):
            typer.secho(f"--transport: expected stdio or http, got {transport!r}", fg="red", err=True)
            raise typer.Exit(2)
        settings = settings_or_exit()
        # stdout carries the protocol with stdio: logs go to stderr (configure_logging writes there).
        configure_logging("WARNING" if transport == "stdio" else settings.log_level)
        if not settings.catalog_db_path.exists():
            typer.secho(
                f"no catalog at {settings.catalog_db_path}: run `aya ingest` (or `aya serve` once) first, "
                "or set AYA_DATA_DIR",
                fg="red",
                err=True,
            )
            raise typer.Exit(2)
        bind = host or settings.host
        if transport == "http":
            typer.echo(f"Aya MCP server at http://{bind}:{port}/mcp", err=True)
        asyncio.run(_serve(settings, transport, bind, port))  # type: ignore[arg-type]

    @app.command("mcp-servers")
    def mcp_servers(
        wait: Annotated[bool, typer.Option(help="Connect to each enabled server and report the outcome.")] = True,
    ) -> None:
        """Show the external MCP servers of the servers file and whether they connect."""
        settings = settings_or_exit()
        configure_logging("ERROR")
        typer.echo(asyncio.run(_statuses(settings, wait)))
