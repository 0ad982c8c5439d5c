"""``aya mcp --transport stdio`` spawned as a real process (what Claude Desktop runs), over a tmp catalog."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aya.mcp.server import SERVED_TOOLS
from mcp import Client, StdioServerParameters

AYA = Path(sys.executable).parent / "aya"


async def test_aya_mcp_over_stdio(catalog_dir: Path, catalog_size: int) -> None:
    params = StdioServerParameters(
        command=str(AYA),
        args=["mcp", "--transport", "stdio"],
        env={"AYA_DATA_DIR": str(catalog_dir), "AYA_EMBEDDER": "none"},
    )
    async with Client(params, read_timeout_seconds=60) as client:
        assert [t.name for t in (await client.list_tools()).tools] == list(SERVED_TOOLS)
        found = await client.call_tool("search_products", {"query": "salmon", "species": "cat", "k": 2})
        assert not found.is_error and found.structured_content is not None
        assert [p["species"] for p in found.structured_content["products"]] == ["cat", "cat"]
        bad = await client.call_tool("compare_products", {"product_ids": "not-a-list"})
        assert bad.is_error and "product_ids" in bad.content[0].text  # type: ignore[union-attr]
        stats = json.loads((await client.read_resource("catalog://stats")).contents[0].text)  # type: ignore[union-attr]
        assert stats["total"] == catalog_size


def test_aya_mcp_refuses_a_missing_catalog(tmp_path: Path) -> None:
    import subprocess

    done = subprocess.run(
        [str(AYA), "mcp", "--transport", "stdio"],
        env={"AYA_DATA_DIR": str(tmp_path / "empty"), "PATH": "/usr/bin:/bin", "AYA_EMBEDDER": "none"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "no catalog" in done.stderr and done.stdout == ""


def test_aya_mcp_rejects_an_unknown_transport(tmp_path: Path) -> None:
    import subprocess

    done = subprocess.run(
        [str(AYA), "mcp", "--transport", "carrier-pigeon"],
        env={"AYA_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "--transport" in done.stderr


def test_aya_mcp_servers_reports_each_server(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from aya.cli.main import app

    servers = tmp_path / "servers.toml"
    servers.write_text(
        '[servers.gone]\ncommand = "/nonexistent/aya-mcp"\n\n'
        '[servers.off]\nurl = "http://127.0.0.1:9/mcp"\nenabled = false\n'
    )
    result = CliRunner().invoke(
        app, ["mcp-servers"], env={"AYA_DATA_DIR": str(tmp_path), "AYA_MCP_SERVERS_FILE": str(servers)}
    )
    assert result.exit_code == 0, result.output
    assert "gone (stdio): failed, [Errno 2] No such file or directory" in result.output
    assert "off (http): disabled\n" in result.output


async def test_aya_mcp_over_http(catalog_dir: Path) -> None:
    """``aya mcp --transport http`` as its own process; ready when uvicorn says so on stderr (no polling)."""
    import asyncio
    import os
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "AYA_DATA_DIR": str(catalog_dir), "AYA_EMBEDDER": "none", "AYA_LOG_LEVEL": "INFO"}
    process = await asyncio.create_subprocess_exec(
        str(AYA), "mcp", "--transport", "http", "--port", str(port), env=env, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    try:
        seen: list[str] = []
        async with asyncio.timeout(60):
            while not any("Application startup complete" in line for line in seen):
                line = (await process.stderr.readline()).decode()
                assert line, f"aya mcp exited early: {seen}"
                seen.append(line)
        assert any(f"Aya MCP server at http://127.0.0.1:{port}/mcp" in line for line in seen)
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            result = await client.call_tool("get_product_details", {"product_id": "no-such-product"})
            assert result.is_error and "product_id" in result.content[0].text  # type: ignore[union-attr]
            assert [p.name for p in (await client.list_prompts()).prompts] == ["recommend_food"]
    finally:
        process.terminate()
        await process.wait()
