"""MCP benchmark: latency of Aya's MCP tools in-process, over streamable HTTP (uvicorn) and over stdio (``aya mcp``),
the start-up time of ``aya mcp --transport stdio``, and how long the registry takes to connect an external server.

1. Builds the sample catalog (``--size`` products, keyword search: ``AYA_EMBEDDER=none``) in a temporary data dir.
2. Calls ``search_products`` (varied queries and filters) and ``get_product_details`` ``--calls`` times per transport.
3. Spawns ``aya mcp --transport stdio`` and times it until the tool list arrives.
4. Connects the registry to a small stdio MCP server (``tests/mcp/echo_server.py``) ``--connects`` times.

Usage: ``.venv/bin/python benchmarks/mcp_bench.py [--size 2000] [--calls 200] [--connects 5]``
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import machine, summarize_ms, summary_line

REPO = Path(__file__).resolve().parent.parent
AYA = Path(sys.executable).parent / "aya"
ECHO_SERVER = REPO / "tests" / "mcp" / "echo_server.py"

QUERIES: list[dict[str, Any]] = [
    {"query": "salmon", "species": "cat", "k": 5},
    {"query": "grain free puppy food", "species": "dog", "k": 5},
    {"species": "dog", "life_stage": "senior", "sort": "price", "k": 10},
    {"query": "chicken", "species": "cat", "food_type": ["wet"], "price_max": 40, "k": 5},
    {"query": "weight control", "species": "dog", "exclude_ingredients": ["chicken"], "k": 5},
]


async def build_catalog(data_dir: Path, size: int) -> None:
    from aya.catalog.sample import generate_sample_catalog
    from aya.core.settings import Settings
    from aya.search.factory import open_search
    from aya.search.ingest import ingest_products

    search = await open_search(Settings(data_dir=data_dir, embedder="none", _env_file=None))  # type: ignore[call-arg]
    try:
        await ingest_products(search, generate_sample_catalog(n=size, seed=7), embed=False)
    finally:
        await search.aclose()


async def time_calls(client: Any, calls: int) -> tuple[list[float], list[float]]:
    searches: list[float] = []
    details: list[float] = []
    ids: list[str] = []
    for i in range(calls):
        started = time.perf_counter()
        result = await client.call_tool("search_products", QUERIES[i % len(QUERIES)])
        searches.append(time.perf_counter() - started)
        assert not result.is_error, result.content
        ids.extend(p["id"] for p in result.structured_content["products"][:2])
    for i in range(calls):
        started = time.perf_counter()
        result = await client.call_tool("get_product_details", {"product_id": ids[i % len(ids)]})
        details.append(time.perf_counter() - started)
        assert not result.is_error
    return searches, details


async def in_process(data_dir: Path, calls: int) -> tuple[list[float], list[float]]:
    from aya.core.settings import Settings
    from aya.mcp.server import build_mcp_server
    from aya.search.factory import open_search
    from mcp import Client

    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    search = await open_search(settings)
    try:
        async with Client(build_mcp_server(search, settings)) as client:
            return await time_calls(client, calls)
    finally:
        await search.aclose()


async def over_http(data_dir: Path, calls: int) -> tuple[list[float], list[float]]:
    """``aya mcp --transport http`` in its own process (as deployed), called by the SDK's HTTP client."""
    from mcp import Client

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "AYA_DATA_DIR": str(data_dir), "AYA_EMBEDDER": "none", "AYA_LOG_LEVEL": "WARNING"}
    process = await asyncio.create_subprocess_exec(
        str(AYA), "mcp", "--transport", "http", "--port", str(port), env=env, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        for _ in range(600):  # wait for the port (a benchmark may poll; tests never do)
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            return await time_calls(client, calls)
    finally:
        process.terminate()
        await process.wait()


async def over_stdio(data_dir: Path, calls: int) -> tuple[float, list[float], list[float]]:
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=str(AYA),
        args=["mcp", "--transport", "stdio"],
        env={"AYA_DATA_DIR": str(data_dir), "AYA_EMBEDDER": "none"},
    )
    started = time.perf_counter()
    async with Client(params, read_timeout_seconds=120) as client:
        await client.list_tools()
        startup = time.perf_counter() - started
        searches, details = await time_calls(client, calls)
    return startup, searches, details


async def registry_connects(data_dir: Path, connects: int) -> list[float]:
    from aya.core.settings import Settings
    from aya.mcp.registry import McpRegistry

    servers_file = data_dir / "bench_mcp_servers.toml"
    servers_file.write_text(f'[servers.echo]\ncommand = "{sys.executable}"\nargs = ["{ECHO_SERVER}"]\n')
    settings = Settings(data_dir=data_dir, mcp_servers_file=servers_file, _env_file=None)  # type: ignore[call-arg]
    times: list[float] = []
    async with McpRegistry(settings) as registry:
        await registry.wait_settled()
        for _ in range(connects):
            started = time.perf_counter()
            status = await registry.reconnect("echo")
            times.append(time.perf_counter() - started)
            assert status.state == "connected", status.error
    return times


def line(label: str, samples: list[float]) -> str:
    s = summarize_ms(samples)
    return f"  {label:<34} p50 {s['p50']:8.2f} ms   p99 {s['p99']:8.2f} ms   (n={len(samples)})"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000, help="sample catalog size")
    parser.add_argument("--calls", type=int, default=200, help="tool calls per tool and transport")
    parser.add_argument("--connects", type=int, default=5, help="registry reconnects of the stdio echo server")
    args = parser.parse_args()
    logging.basicConfig(level="WARNING")  # before the SDK configures its own (rich) logging

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="aya-mcp-bench-") as tmp:
        data_dir = Path(tmp)
        started = time.perf_counter()
        await build_catalog(data_dir, args.size)
        print(f"catalog: {args.size} sample products (keyword search), built in {time.perf_counter() - started:.1f} s")

        mem_search, mem_details = await in_process(data_dir, args.calls)
        http_search, http_details = await over_http(data_dir, args.calls)
        startup, stdio_search, stdio_details = await over_stdio(data_dir, args.calls)
        connects = await registry_connects(data_dir, args.connects)

    print("tool call latency (client side, end to end):")
    print(line("in-process search_products", mem_search))
    print(line("in-process get_product_details", mem_details))
    print(line("HTTP search_products", http_search))
    print(line("HTTP get_product_details", http_details))
    print(line("stdio search_products", stdio_search))
    print(line("stdio get_product_details", stdio_details))
    print(f"  aya mcp --transport stdio start-up (spawn to tool list): {startup * 1000:.0f} ms")
    print(line("registry reconnect (stdio echo)", connects))
    print(
        summary_line(
            "mcp",
            {
                "catalog": args.size,
                "inproc_search_p50_ms": summarize_ms(mem_search)["p50"],
                "http_search_p50_ms": summarize_ms(http_search)["p50"],
                "http_search_p99_ms": summarize_ms(http_search)["p99"],
                "stdio_search_p50_ms": summarize_ms(stdio_search)["p50"],
                "stdio_search_p99_ms": summarize_ms(stdio_search)["p99"],
                "http_details_p50_ms": summarize_ms(http_details)["p50"],
                "stdio_startup_ms": round(startup * 1000),
                "registry_connect_p50_ms": summarize_ms(connects)["p50"],
            },
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
