"""MCP in the web app: Aya's MCP server at ``/mcp`` (streamable HTTP) and the dashboard API of external servers.

``setup`` builds the MCP server over the app's product search, runs its session manager and the registry of external
servers in the lifespan (the exit stack closes both), and keeps them in ``resources.mcp_registry``
(:class:`~aya.mcp.registry.McpRegistry`, whose ``active_servers()`` feed the assistants) and ``resources.mcp_asgi``
(the ASGI app the ``/mcp`` route forwards to). It runs before the chat component, which gives the shop assistant
the connected servers at every turn and the ``list_mcp_servers`` tool ("show my MCP servers") through
:func:`assistant_mcp` when it builds it.

Dashboard API. Everything but the two summaries needs the admin role (``aya.web.auth``) and, when ``AYA_MCP_TOKEN`` is
set, also ``X-Aya-MCP-Token``. Others get the summaries only: names, states and tool counts, never a command, URL,
environment, error text or path::

    GET  /api/mcp                              Aya's own MCP endpoint: URL, whether a token is needed, tools
                                               (admins also get the stdio launch line with this machine's paths)
    GET  /api/mcp/servers                      every external server with its status (others: name, state, tool count)
    GET  /api/mcp/servers/{name}               one server
    GET  /api/mcp/servers/{name}/tools         its tools (as the assistants get them)
    POST /api/mcp/servers/{name}/enable        enable (persisted in the servers file) and connect
    POST /api/mcp/servers/{name}/disable       disable (persisted) and disconnect
    POST /api/mcp/servers/{name}/reconnect     disconnect and connect again
    POST /api/mcp/servers/reload               read the servers file again
"""

from __future__ import annotations

import hmac
import json
import logging
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Annotated, Any

from agents import Tool
from agents.mcp import MCPServer as AgentsMCPServer
from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel
from starlette.types import Receive, Scope, Send

from aya.core.context import RequestContext
from aya.core.errors import Forbidden, NotConfigured
from aya.mcp.assistant import active_servers, list_mcp_servers_tool
from aya.mcp.http import MCP_PATH, streamable_http_app
from aya.mcp.registry import McpRegistry, RegistryStatus, ServerStatus, ToolInfo
from aya.mcp.server import SERVED_TOOLS, build_mcp_server
from aya.web.auth import CurrentUserDep, require_role
from aya.web.deps import SettingsDep
from aya.web.ops import MCP_REGISTRY_CHANNEL, announces, follow_changes
from aya.web.resources import Resources

logger = logging.getLogger("aya.mcp")

REGISTRY_KEY = "mcp_registry"  # the Resources fields (kept for callers of the former extras keys)
ASGI_KEY = "mcp_asgi"
MANAGER_TOKEN_HEADER = "x-aya-mcp-token"


class _McpEndpoint:
    """The ``/mcp`` route: forwards to the MCP app that the lifespan started (503 until it runs)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        resources: Resources = scope["app"].state.resources
        app = resources.mcp_asgi
        if app is None:
            body = json.dumps({"error": "not_configured", "message": "the MCP server is not running"}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)


router = APIRouter()
# An ASGI endpoint (not a request handler), so every method reaches the MCP app: POST, GET, DELETE.
router.add_route(MCP_PATH, _McpEndpoint(), include_in_schema=False)  # type: ignore[arg-type]


async def setup(app: FastAPI, resources: Resources, stack: AsyncExitStack) -> None:
    settings = resources.settings
    if resources.search is not None:
        server = build_mcp_server(resources.search, settings)
        _, asgi = streamable_http_app(server, settings, path=MCP_PATH)
        await stack.enter_async_context(server.session_manager.run())
        resources.mcp_asgi = asgi
    else:
        logger.warning("MCP endpoint disabled: product search is not available")
    registry = McpRegistry(settings)
    await stack.enter_async_context(registry)
    resources.mcp_registry = registry
    await follow_changes(resources, MCP_REGISTRY_CHANNEL, registry.reload)  # enable/disable on any worker


def assistant_mcp(resources: Resources) -> tuple[Callable[[], list[AgentsMCPServer]], list[Tool]]:
    """What an assistant gets from MCP: the connected servers (asked at every turn) and ``list_mcp_servers``."""

    def current() -> McpRegistry | None:
        return resources.mcp_registry

    return active_servers(current), [list_mcp_servers_tool(current)]


# --- dashboard API -------------------------------------------------------------------------------------------------


def _registry(request: Request) -> McpRegistry:
    registry = request.app.state.resources.mcp_registry
    if registry is None:
        raise NotConfigured("the MCP registry is not running")
    return registry  # type: ignore[no-any-return]


def _has_manager_token(request: Request, settings: SettingsDep) -> bool:
    token = settings.mcp_token
    if token is None:
        return True
    presented = request.headers.get(MANAGER_TOKEN_HEADER, "")
    return hmac.compare_digest(presented.encode(), token.get_secret_value().encode())


def is_manager(request: Request, user: RequestContext, settings: SettingsDep) -> bool:
    """An admin, with the MCP token when one is set."""
    return user.is_admin and _has_manager_token(request, settings)


def _require_manager(request: Request, user: CurrentUserDep, settings: SettingsDep) -> None:
    """Managing MCP servers (and seeing their details) needs the admin role, and the MCP token when one is set."""
    require_role(user, "admin", "managing MCP servers")
    if not _has_manager_token(request, settings):
        raise Forbidden("managing MCP servers needs the X-Aya-MCP-Token header (the value of AYA_MCP_TOKEN)")


RegistryDep = Annotated[McpRegistry, Depends(_registry)]
Manager = [Depends(_require_manager)]
Change = [*Manager, Depends(announces(MCP_REGISTRY_CHANNEL))]  # every worker re-reads the servers file


class StdioLaunch(BaseModel):
    """How a desktop client (Claude Desktop) starts Aya's MCP server on this machine."""

    command: str
    args: list[str]
    env: dict[str, str]


class McpInfo(BaseModel):
    endpoint: str
    token_required: bool
    running: bool
    tools: list[str]
    stdio: StdioLaunch | None = None
    manager: bool = False


class ServerSummary(BaseModel):
    """What anyone may see of an external server: no command, URL, environment, error text or path."""

    name: str
    state: str
    tools_count: int


class ToolList(BaseModel):
    server: str
    tools: list[ToolInfo]


def _public_status(status: RegistryStatus) -> dict[str, Any]:
    data = status.model_dump(mode="json")
    data["config_file"] = status.config_path.rsplit("/", 1)[-1]
    del data["config_path"]  # a server-side path is not the browser's business
    return data


def summaries(statuses: list[ServerStatus]) -> list[ServerSummary]:
    return [ServerSummary(name=s.name, state=s.state, tools_count=s.tools_count) for s in statuses]


@router.get("/api/mcp")
async def mcp_info(request: Request, user: CurrentUserDep, settings: SettingsDep) -> McpInfo:
    manager = is_manager(request, user, settings)
    stdio = None
    if manager:  # this machine's paths are for its administrators only
        stdio = StdioLaunch(
            command=str(Path(sys.executable).with_name("aya")),
            args=["mcp", "--transport", "stdio"],
            env={"AYA_DATA_DIR": str(settings.data_dir.resolve())},
        )
    return McpInfo(
        endpoint=str(request.base_url).rstrip("/") + MCP_PATH,
        token_required=settings.mcp_token is not None,
        running=request.app.state.resources.mcp_asgi is not None,
        tools=list(SERVED_TOOLS),
        stdio=stdio,
        manager=manager,
    )


@router.get("/api/mcp/servers")
async def list_servers(
    request: Request, user: CurrentUserDep, settings: SettingsDep, registry: RegistryDep
) -> dict[str, Any]:
    if not is_manager(request, user, settings):
        report = registry.statuses()
        return {"redacted": True, "servers": [s.model_dump() for s in summaries(report.servers)]}
    await registry.check()
    return _public_status(registry.statuses())


@router.get("/api/mcp/servers/{name}", dependencies=Manager)
async def get_server(name: str, registry: RegistryDep) -> ServerStatus:
    await registry.check(name)
    return registry.status(name)


@router.get("/api/mcp/servers/{name}/tools", dependencies=Manager)
async def server_tools(name: str, registry: RegistryDep) -> ToolList:
    return ToolList(server=name, tools=await registry.tools(name))


@router.post("/api/mcp/servers/reload", dependencies=Change)
async def reload_servers(registry: RegistryDep) -> dict[str, Any]:
    """Read the servers file again (added, removed and changed servers); unchanged ones keep their connection."""
    return _public_status(await registry.reload())


@router.post("/api/mcp/servers/{name}/enable", dependencies=Change)
async def enable_server(name: str, registry: RegistryDep) -> ServerStatus:
    return await registry.enable(name)


@router.post("/api/mcp/servers/{name}/disable", dependencies=Change)
async def disable_server(name: str, registry: RegistryDep) -> ServerStatus:
    return await registry.disable(name)


@router.post("/api/mcp/servers/{name}/reconnect", dependencies=Manager)
async def reconnect_server(name: str, registry: RegistryDep) -> ServerStatus:
    return await registry.reconnect(name)


def registry_of(resources: Resources) -> McpRegistry | None:
    """The running registry (for the chat component's agent factory: ``registry.active_servers()``)."""
    return resources.mcp_registry


__all__ = ["ASGI_KEY", "REGISTRY_KEY", "assistant_mcp", "registry_of", "router", "setup"]
