"""The external servers file: validation errors name the field; the enabled flag is written back with comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from aya.mcp.config import HttpServerConfig, McpConfigError, StdioServerConfig, _write_enabled, load_config


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "mcp_servers.toml"
    path.write_text(text)
    return load_config(path)


def test_missing_file_means_no_servers(tmp_path: Path) -> None:
    assert load_config(tmp_path / "absent.toml").servers == {}


def test_stdio_and_http_servers(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        """
[servers.files]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem", "/srv"]
env = { LOG_LEVEL = "warn" }
allowed_tools = ["read_file"]

[servers.weather]
url = "https://weather.example/mcp"
headers = { Authorization = "Bearer x" }
enabled = false
timeout_seconds = 3
""",
    )
    files, weather = config.servers["files"], config.servers["weather"]
    assert isinstance(files, StdioServerConfig) and files.args[-1] == "/srv" and files.enabled
    assert files.tool_filter() == {"allowed_tool_names": ["read_file"]}
    assert isinstance(weather, HttpServerConfig) and not weather.enabled and weather.timeout_seconds == 3
    assert weather.tool_filter() is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[servers.a]\nargs = ["x"]\n', "servers.a"),  # neither command nor url
        ('[servers.a]\ncommand = "x"\nurl = "http://h/mcp"\n', "servers.a"),  # both
        ('[servers.a]\nurl = "ftp://h/mcp"\n', "servers.a.url"),
        ('[servers.a]\ncommand = "x"\nargs = "y"\n', "servers.a.args"),
        ('[servers.a]\ncommand = "x"\ntimeout_seconds = 0\n', "servers.a.timeout_seconds"),
        ('[servers.a]\ncommand = "x"\nenabeld = true\n', "servers.a.enabeld"),
        ('[servers."has space"]\ncommand = "x"\n', "servers.has space"),
        ("servers = 3\n", "servers"),
    ],
)
def test_errors_name_the_field(tmp_path: Path, text: str, field: str) -> None:
    with pytest.raises(McpConfigError) as raised:
        _load(tmp_path, text)
    assert raised.value.field is not None and raised.value.field.startswith(field), raised.value.message
    assert raised.value.message.startswith("mcp_servers.toml: ")
    assert field in raised.value.message


def test_invalid_toml_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(McpConfigError, match="not valid TOML"):
        _load(tmp_path, "[servers.a\n")


def test_enabled_flag_is_written_back_keeping_comments(tmp_path: Path) -> None:
    path = tmp_path / "mcp_servers.toml"
    original = '# my servers\n[servers.a]  # the a one\ncommand = "x"  # spawn x\n\n[servers.b]\nurl = "http://h/mcp"\n'
    path.write_text(original)
    _write_enabled(path, "a", False)
    _write_enabled(path, "b", False)
    text = path.read_text()
    assert text.startswith('# my servers\n[servers.a]  # the a one\ncommand = "x"  # spawn x\n')
    config = load_config(path)
    assert not config.servers["a"].enabled and not config.servers["b"].enabled
    _write_enabled(path, "a", True)
    assert load_config(path).servers["a"].enabled
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
