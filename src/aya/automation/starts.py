"""What may start a task — from a tool call or from ``POST /api/tasks`` — parsed once and checked before anything
runs (a refused argument never becomes a task)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, assert_never

from pydantic import BaseModel, ConfigDict, Field

from aya.automation.browser import check_url
from aya.automation.runners import check_test_paths
from aya.automation.services import OpsServices
from aya.core.errors import BadRequest, Forbidden


class CommandStart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["command"]
    command: str = Field(max_length=64)
    arguments: list[str] = Field(default_factory=list, max_length=8)


class TestsStart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["tests"]
    paths: list[str] = Field(default_factory=list, max_length=20)


class BrowseStart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["browse"]
    url: str = Field(max_length=2000)


class McpStart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["mcp"]
    action: Literal["enable", "disable", "reconnect"]
    server: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")


AnyStart = CommandStart | TestsStart | BrowseStart | McpStart
TaskStart = Annotated[AnyStart, Field(discriminator="kind")]


@dataclass(frozen=True)
class Plan:
    kind: str
    title: str
    args: dict[str, Any]
    approval: bool


def plan(services: OpsServices, start: AnyStart, *, base_url: str, is_admin: bool = False) -> Plan:
    """The task ``start`` asks for, with every argument checked (400/404 naming the problem otherwise)."""
    settings = services.settings
    match start:
        case CommandStart(command=command, arguments=arguments):
            if not settings.ops_allow_cli:
                raise Forbidden("running commands is off on this server (AYA_OPS_ALLOW_CLI=true turns it on)")
            commands = services.commands
            names = commands.spec(command).placeholders
            if len(arguments) != len(names):
                raise BadRequest(
                    f"{command} takes {len(names)} argument(s): {', '.join(names) or 'none'}", field="arguments"
                )
            args = dict(zip(names, arguments, strict=True))
            commands.argv(command, args)
            return Plan(
                "command",
                commands.describe(command, args),
                {"command": command, "args": args},
                commands.spec(command).approve,
            )
        case TestsStart(paths=paths):
            chosen = check_test_paths(settings, paths or None)
            return Plan("tests", "Run the tests: " + " ".join(chosen), {"paths": chosen}, False)
        case BrowseStart(url=url):
            target = base_url.rstrip("/") + url if url.startswith("/") else url  # "/": our own site
            check_url(target, settings)
            return Plan("browse", f"Open {target}", {"url": target}, False)
        case McpStart(action=action, server=server):
            if not is_admin:
                raise Forbidden("managing MCP servers needs the admin role")
            registry = services.mcp_registry() if services.mcp_registry is not None else None
            if registry is None:
                raise Forbidden("MCP servers are not managed on this server (the registry is not running)")
            registry.status(server)  # 404 for an unknown server
            # Enabling or disabling changes the servers file and what the assistants can call: approve first.
            return Plan(
                "mcp",
                f"{action.capitalize()} MCP server {server}",
                {"action": action, "server": server},
                action != "reconnect",
            )
        case _:
            assert_never(start)
