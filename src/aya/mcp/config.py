"""The external MCP servers file (TOML): parsed once into typed models, and the ``enabled`` flag written back.

```toml
[servers.files]                        # the table name is the server's name
command = "npx"                        # stdio: a command with args, env and cwd
args = ["-y", "@modelcontextprotocol/server-filesystem", "/srv/share"]
env = { LOG_LEVEL = "warn" }
allowed_tools = ["read_file"]          # optional allow-list, and/or blocked_tools

[servers.weather]
url = "https://weather.example/mcp"    # streamable HTTP: a URL with headers
headers = { Authorization = "Bearer …" }
enabled = false
```

Reading uses ``tomllib``; writing the ``enabled`` flag back uses ``tomlkit`` so the owner's comments and layout survive.
Both run on a worker thread when called from async code (see :func:`load_config_async`, :func:`set_enabled`).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import tomlkit
import tomlkit.exceptions
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    field_validator,
)

from aya.core.errors import AyaError, NotFound, ValidationFailed
from aya.core.settings import Settings

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"


class McpConfigError(ValidationFailed):
    """The servers file is not valid TOML or does not match the schema; the message names the field."""


class _ServerBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Connect at start-up and offer the server's tools to the assistants.")
    description: str = Field("", max_length=500, description="Shown on the dashboard.")
    allowed_tools: list[str] | None = Field(None, description="Only these tools reach the assistants.")
    blocked_tools: list[str] | None = Field(None, description="These tools never reach the assistants.")
    timeout_seconds: float = Field(10.0, gt=0, le=300, description="Connect and request timeout.")

    def tool_filter(self) -> dict[str, list[str]] | None:
        """The Agents SDK static tool filter (``allowed_tool_names`` / ``blocked_tool_names``), or None."""
        from agents.mcp import create_static_tool_filter

        return create_static_tool_filter(self.allowed_tools, self.blocked_tools)  # type: ignore[return-value]


class StdioServerConfig(_ServerBase):
    transport: Literal["stdio"] = "stdio"
    command: str = Field(min_length=1, description="Executable to spawn, e.g. npx, uvx, python.")
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict, description="Extra environment (added to a safe default).")
    cwd: Path | None = None


class HttpServerConfig(_ServerBase):
    transport: Literal["http"] = "http"
    url: str = Field(description="Streamable HTTP endpoint, e.g. http://localhost:3001/mcp")
    headers: dict[str, str] = Field(default_factory=dict, description="Sent with every request (e.g. auth).")

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v


def _kind(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return getattr(value, "transport", None)
    if not isinstance(value, dict):
        return None
    if "transport" in value:
        return str(value["transport"])
    has_command, has_url = "command" in value, "url" in value
    if has_command == has_url:
        return None  # neither, or both
    return "stdio" if has_command else "http"


ServerConfig = Annotated[
    Annotated[StdioServerConfig, Tag("stdio")] | Annotated[HttpServerConfig, Tag("http")],
    Discriminator(
        _kind,
        custom_error_type="server_kind",
        custom_error_message="a server needs exactly one of `command` (stdio) or `url` (streamable HTTP)",
    ),
]


ServerName = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]


class McpServersFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    servers: dict[ServerName, ServerConfig] = Field(default_factory=dict)


def servers_file_path(settings: Settings) -> Path:
    return settings.mcp_servers_file or settings.data_dir / "mcp_servers.toml"


def _describe(exc: ValidationError, path: Path) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("stdio", "http"))
        parts.append(f"{loc or 'file'}: {err.get('msg')}")
    return f"{path.name}: " + "; ".join(parts)


def load_config(path: Path) -> McpServersFile:
    """Parse the servers file; a missing file means no servers. Raises :class:`McpConfigError` naming the field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return McpServersFile()
    except tomllib.TOMLDecodeError as exc:
        raise McpConfigError(f"{path.name}: not valid TOML: {exc}") from None
    try:
        return McpServersFile.model_validate(data)
    except ValidationError as exc:
        raise McpConfigError(_describe(exc, path), field=_first_loc(exc)) from None


def _first_loc(exc: ValidationError) -> str | None:
    errors = exc.errors()
    if not errors:
        return None
    return ".".join(str(p) for p in errors[0].get("loc", ()) if p not in ("stdio", "http")) or None


async def load_config_async(path: Path) -> McpServersFile:
    return await asyncio.to_thread(load_config, path)


def _write_enabled(path: Path, name: str, enabled: bool) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"{path.name} no longer exists: reload or restart", field="name") from None
    doc = tomlkit.parse(text)
    servers = doc.get("servers")
    if servers is None or name not in servers:
        raise NotFound(f"no MCP server named {name!r} in {path.name}", field="name")
    servers[name]["enabled"] = enabled
    # Write next to the file, then rename: a crash mid-write never leaves a half-written config.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(tomlkit.dumps(doc))
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


async def set_enabled(path: Path, name: str, enabled: bool) -> None:
    """Persist a server's ``enabled`` flag, keeping every comment and the layout of the file."""
    try:
        await asyncio.to_thread(_write_enabled, path, name, enabled)
    except tomlkit.exceptions.ParseError as exc:
        raise McpConfigError(f"{path.name}: not valid TOML: {exc}") from None
    except PermissionError as exc:
        raise AyaError(f"could not write {path.name}: {exc.strerror}") from None
