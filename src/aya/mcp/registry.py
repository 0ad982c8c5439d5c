"""The registry of external MCP servers: connects the ones the servers file enables, reports their status and
tools, enables, disables and reconnects them at run time, and hands the connected ones to the assistants.

Each connected server lives in one supervisor task owned by the registry: it connects (Agents SDK
``MCPServerStdio`` / ``MCPServerStreamableHttp`` with a cached, filtered tool list), waits for its stop signal and
cleans up in the same task, as the MCP client's cancel scopes require. :meth:`McpRegistry.aclose` stops and awaits
every supervisor; nothing is left running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT
from pydantic import BaseModel, Field

from aya.core.errors import Conflict, NotFound
from aya.core.settings import Settings
from aya.mcp.config import (
    HttpServerConfig,
    McpConfigError,
    StdioServerConfig,
    load_config_async,
    servers_file_path,
    set_enabled,
)

if TYPE_CHECKING:
    from agents.mcp import MCPServer as AgentsMCPServer
    from mcp_types import Tool as McpTool

logger = logging.getLogger("aya.mcp")

ServerState = Literal["disabled", "connecting", "connected", "failed"]
_REASON_MAX = 300
_STOP_TIMEOUT = 10.0
_PING_TIMEOUT = 3.0


class ToolInfo(BaseModel):
    name: str
    title: str | None = None
    description: str = ""
    parameters: list[str] = Field(default_factory=list, description="Argument names (required ones first).")


class ServerStatus(BaseModel):
    """One server as the dashboard shows it. Env values and header values are never included."""

    name: str
    transport: Literal["stdio", "http"]
    target: str = Field(description="The command line, or the URL without credentials and query.")
    description: str = ""
    enabled: bool
    state: ServerState
    error: str | None = None
    tools_count: int = 0
    tool_names: list[str] = Field(default_factory=list)
    allowed_tools: list[str] | None = None
    blocked_tools: list[str] | None = None
    env_keys: list[str] = Field(default_factory=list)
    header_keys: list[str] = Field(default_factory=list)
    connected_at: datetime | None = None


class RegistryStatus(BaseModel):
    config_path: str
    config_error: str | None = None
    servers: list[ServerStatus]


ServerConfig = StdioServerConfig | HttpServerConfig


@dataclass
class _Entry:
    name: str
    config: ServerConfig
    enabled: bool
    state: ServerState = "disabled"
    error: str | None = None
    tools: list[McpTool] = field(default_factory=list)
    server: AgentsMCPServer | None = None
    connected_at: datetime | None = None
    task: asyncio.Task[None] | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    generation: int = 0


def _safe_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _reason(exc: BaseException, timeout: float) -> str:
    """A short, credential-free reason for a failed connection."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    text = str(exc).strip() or exc.__class__.__name__
    if not isinstance(exc, OSError | ValueError) and exc.__class__.__name__ not in text:
        text = f"{exc.__class__.__name__}: {text}"
    return text if len(text) <= _REASON_MAX else text[: _REASON_MAX - 1] + "…"


def _tool_info(tool: McpTool) -> ToolInfo:
    schema = tool.input_schema or {}
    props = list((schema.get("properties") or {}).keys())
    required = [p for p in schema.get("required") or [] if p in props]
    description = " ".join((tool.description or "").split())
    return ToolInfo(
        name=tool.name,
        title=tool.title,
        description=description if len(description) <= 400 else description[:399] + "…",
        parameters=required + [p for p in props if p not in required],
    )


class McpRegistry:
    """External MCP servers from ``AYA_MCP_SERVERS_FILE`` (default ``<data_dir>/mcp_servers.toml``)."""

    def __init__(self, settings: Settings, *, path: Path | None = None) -> None:
        self.settings = settings
        self.path = path or servers_file_path(settings)
        self.config_error: str | None = None
        self._entries: dict[str, _Entry] = {}
        self._closed = False
        self._reload_lock = asyncio.Lock()

    # --- lifecycle -----------------------------------------------------------------------------------------------

    async def __aenter__(self) -> McpRegistry:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Read the servers file and start connecting every enabled server (in the background: see
        :meth:`wait_settled`). A broken file is reported by :attr:`config_error`, never raised: Aya runs without
        external servers."""
        try:
            config = await load_config_async(self.path)
        except McpConfigError as exc:
            self.config_error = exc.message
            logger.error("MCP servers file ignored: %s", exc.message)
            return
        self.config_error = None
        for name, server_config in config.servers.items():
            entry = _Entry(name=name, config=server_config, enabled=server_config.enabled)
            self._entries[name] = entry
            if entry.enabled:
                self._launch(entry)
            else:
                entry.settled.set()
        if self._entries:
            logger.info("MCP registry: %d external servers configured", len(self._entries))

    async def reload(self) -> RegistryStatus:
        """Read the servers file again: new servers are added (and connected when enabled), removed ones stopped,
        changed ones restarted; unchanged ones keep their connection. A broken file changes nothing (see
        :attr:`config_error`)."""
        try:
            config = await load_config_async(self.path)
        except McpConfigError as exc:
            self.config_error = exc.message
            logger.error("MCP servers file not reloaded: %s", exc.message)
            return self.statuses()
        self.config_error = None
        async with self._reload_lock:
            for name in [n for n in self._entries if n not in config.servers]:
                removed = self._entries.pop(name)
                async with removed.lock:
                    await self._halt(removed)
            for name, server_config in config.servers.items():
                entry = self._entries.get(name)
                if entry is not None and entry.config == server_config:
                    continue
                if entry is None:
                    entry = self._entries[name] = _Entry(name=name, config=server_config, enabled=server_config.enabled)
                async with entry.lock:
                    await self._halt(entry)
                    entry.config, entry.enabled = server_config, server_config.enabled
                    entry.state, entry.error, entry.tools, entry.connected_at = "disabled", None, [], None
                    if entry.enabled:
                        self._launch(entry)
                    else:
                        entry.settled.set()
            # keep the file's order
            self._entries = {name: self._entries[name] for name in config.servers}
        await self.wait_settled()
        return self.statuses()

    async def aclose(self) -> None:
        """Stop every server and await its supervisor task."""
        self._closed = True
        await asyncio.gather(*(self._halt(entry) for entry in self._entries.values()))

    async def wait_settled(self, name: str | None = None) -> None:
        """Wait until ``name`` (or every server) is connected, failed or disabled."""
        entries = [self._entry(name)] if name is not None else list(self._entries.values())
        for entry in entries:
            await entry.settled.wait()

    # --- queries -------------------------------------------------------------------------------------------------

    def names(self) -> list[str]:
        return list(self._entries)

    def status(self, name: str) -> ServerStatus:
        return self._status(self._entry(name))

    def statuses(self) -> RegistryStatus:
        return RegistryStatus(
            config_path=str(self.path),
            config_error=self.config_error,
            servers=[self._status(e) for e in self._entries.values()],
        )

    async def tools(self, name: str) -> list[ToolInfo]:
        """The tools the assistants get from ``name`` (after the allow/block lists); refreshed when stale."""
        entry = self._entry(name)
        server = entry.server
        if entry.state != "connected" or server is None:
            raise Conflict(f"MCP server {name!r} is {entry.state}", field="name")
        try:
            entry.tools = list(await server.list_tools())
        except Exception as exc:
            raise Conflict(f"MCP server {name!r} did not list its tools: {_reason(exc, 0)}", field="name") from exc
        return [_tool_info(t) for t in entry.tools]

    async def check(self, name: str | None = None) -> None:
        """Ping connected servers (``name``, or all): one that no longer answers (its process died, its host went
        away) is disconnected and reported as failed, so its tools leave the assistants."""
        entries = [self._entry(name)] if name is not None else list(self._entries.values())
        await asyncio.gather(*(self._check(e) for e in entries if e.state == "connected"))

    def active_servers(self) -> list[AgentsMCPServer]:
        """The connected, enabled servers as Agents SDK MCP servers, for ``Agent(mcp_servers=...)``."""
        return [e.server for e in self._entries.values() if e.state == "connected" and e.server is not None]

    # --- commands ------------------------------------------------------------------------------------------------

    async def enable(self, name: str) -> ServerStatus:
        """Enable ``name``: persist ``enabled = true`` and connect (waits until connected or failed)."""
        entry = self._entry(name)
        async with entry.lock:
            if not entry.enabled:
                await set_enabled(self.path, name, True)
                entry.enabled = True
                entry.config = entry.config.model_copy(update={"enabled": True})
            if entry.task is None:
                self._launch(entry)
        await entry.settled.wait()
        return self._status(entry)

    async def disable(self, name: str) -> ServerStatus:
        """Disable ``name``: persist ``enabled = false``, disconnect; its tools leave the assistants."""
        entry = self._entry(name)
        async with entry.lock:
            if entry.enabled:
                await set_enabled(self.path, name, False)
                entry.enabled = False
                entry.config = entry.config.model_copy(update={"enabled": False})
            await self._halt(entry)
            entry.state, entry.error, entry.tools, entry.connected_at = "disabled", None, [], None
        return self._status(entry)

    async def reconnect(self, name: str) -> ServerStatus:
        """Disconnect and connect ``name`` again (a fresh process or session, and a fresh tool list)."""
        entry = self._entry(name)
        async with entry.lock:
            if not entry.enabled:
                raise Conflict(f"MCP server {name!r} is disabled: enable it first", field="name")
            await self._halt(entry)
            self._launch(entry)
        await entry.settled.wait()
        return self._status(entry)

    # --- internals -----------------------------------------------------------------------------------------------

    def _entry(self, name: str) -> _Entry:
        entry = self._entries.get(name)
        if entry is None:
            raise NotFound(f"no MCP server named {name!r}", field="name")
        return entry

    def _status(self, entry: _Entry) -> ServerStatus:
        config = entry.config
        if isinstance(config, StdioServerConfig):
            target = " ".join([config.command, *config.args])
            env_keys, header_keys = sorted(config.env), []
        else:
            target = _safe_url(config.url)
            env_keys, header_keys = [], sorted(config.headers)
        return ServerStatus(
            name=entry.name,
            transport=config.transport,
            target=target,
            description=config.description,
            enabled=entry.enabled,
            state=entry.state,
            error=entry.error,
            tools_count=len(entry.tools),
            tool_names=[t.name for t in entry.tools],
            allowed_tools=config.allowed_tools,
            blocked_tools=config.blocked_tools,
            env_keys=env_keys,
            header_keys=header_keys,
            connected_at=entry.connected_at,
        )

    def _build(self, entry: _Entry) -> AgentsMCPServer:
        from agents.mcp import MCPServerStdio, MCPServerStreamableHttp

        config = entry.config
        common: dict[str, Any] = {
            "name": entry.name,
            "cache_tools_list": True,
            "client_session_timeout_seconds": config.timeout_seconds,
            "tool_filter": config.tool_filter(),
        }
        server: AgentsMCPServer
        if isinstance(config, StdioServerConfig):
            params: dict[str, Any] = {"command": config.command, "args": list(config.args), "env": dict(config.env)}
            if config.cwd is not None:
                params["cwd"] = config.cwd
            server = MCPServerStdio(params=params, **common)  # type: ignore[arg-type]
        else:
            server = MCPServerStreamableHttp(
                params={"url": config.url, "headers": dict(config.headers), "timeout": config.timeout_seconds},
                **common,
            )
        server.message_handler = self._message_handler(entry, server)
        return server

    def _message_handler(self, entry: _Entry, server: AgentsMCPServer) -> Any:
        from mcp_types import ToolListChangedNotification

        async def handle(message: object) -> None:
            if isinstance(message, ToolListChangedNotification):
                # The server changed its tools: the next listing (by an agent run or the dashboard) refetches them.
                server.invalidate_tools_cache()  # type: ignore[attr-defined]
                logger.info("MCP server %s changed its tools", entry.name)

        return handle

    def _launch(self, entry: _Entry) -> None:
        if self._closed:
            raise Conflict("the MCP registry is closed")
        entry.generation += 1
        entry.stop = asyncio.Event()
        entry.settled = asyncio.Event()
        entry.state, entry.error = "connecting", None
        server = self._build(entry)
        entry.task = asyncio.create_task(
            self._supervise(entry, server, entry.generation, entry.stop, entry.settled), name=f"aya-mcp:{entry.name}"
        )

    async def _supervise(
        self, entry: _Entry, server: AgentsMCPServer, generation: int, stop: asyncio.Event, settled: asyncio.Event
    ) -> None:
        timeout = entry.config.timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                await server.connect()  # type: ignore[no-untyped-call]  # agents: untyped
                tools = list(await server.list_tools())
        except Exception as exc:
            reason = _reason(exc, timeout)
            logger.warning("MCP server %s failed to connect: %s", entry.name, reason)
            await self._cleanup(entry.name, server)
            if entry.generation == generation:
                entry.state, entry.error, entry.tools, entry.server = "failed", reason, [], None
            settled.set()
            return
        if entry.generation == generation:
            entry.state, entry.error, entry.tools = "connected", None, tools
            entry.server, entry.connected_at = server, datetime.now(UTC)
            logger.info("MCP server %s connected (%d tools)", entry.name, len(tools))
        settled.set()
        try:
            await stop.wait()
        finally:
            if entry.server is server:
                entry.server = None
            await self._cleanup(entry.name, server)

    async def _check(self, entry: _Entry) -> None:
        server = entry.server
        session = getattr(server, "session", None)
        if server is None or session is None:
            return
        try:
            async with asyncio.timeout(_PING_TIMEOUT):
                await session.send_ping()
        except Exception as exc:
            code = getattr(getattr(exc, "error", None), "code", None)
            if code is not None and code not in (CONNECTION_CLOSED, REQUEST_TIMEOUT):
                return  # it answered (newer protocol versions have no ping): alive
            reason = f"stopped answering: {_reason(exc, _PING_TIMEOUT)}"
            async with entry.lock:
                if entry.server is not server:  # reconnected or disabled meanwhile
                    return
                logger.warning("MCP server %s %s", entry.name, reason)
                await self._halt(entry)
                entry.state, entry.error, entry.tools, entry.connected_at = "failed", reason, [], None

    @staticmethod
    async def _cleanup(name: str, server: AgentsMCPServer) -> None:
        try:
            await server.cleanup()  # type: ignore[no-untyped-call]
        except Exception as exc:  # cleanup problems must not hide the state we report
            logger.warning("MCP server %s did not close cleanly: %s", name, _reason(exc, 0))

    async def _halt(self, entry: _Entry) -> None:
        task = entry.task
        if task is None:
            return
        entry.generation += 1  # an old supervisor no longer writes the state
        entry.stop.set()
        done, _ = await asyncio.wait({task}, timeout=_STOP_TIMEOUT + entry.config.timeout_seconds)
        if not done:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        entry.task = None
        entry.server = None
        entry.settled.set()


def describe_statuses(statuses: Sequence[ServerStatus]) -> str:
    """One line per server, for the assistant and the command line."""
    if not statuses:
        return "No external MCP servers are configured."
    lines = []
    for s in statuses:
        line = f"{s.name} ({s.transport}): {s.state}"
        if s.state == "connected":
            line += f", {s.tools_count} tool" + ("" if s.tools_count == 1 else "s")
        elif s.state == "failed" and s.error:
            line += f", {s.error}"
        lines.append(line)
    return "\n".join(lines)
