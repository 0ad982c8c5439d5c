"""Chat server benchmark: many concurrent ChatKit conversations against a running Aya server.

Starts ``aya serve`` in a subprocess (temporary data dir, offline model, sample catalog) unless ``--url`` points at a
server already running, then plays conversations over real HTTP: each one creates a thread and adds messages, reading
every server-sent event. Per turn it records the time to the first event and to the last event.

    .venv/bin/python benchmarks/chat_bench.py   # 1 sequential, then 50 paced (think time), then 50 flat out
    .venv/bin/python benchmarks/chat_bench.py --concurrency 100 --turns 3
    AYA_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/chat_bench.py

Prints medians and p99, the catalog size and the machine, and ends with one ``key=value`` summary line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _common import free_port, machine, percentile, wait_ready

PROMPTS = [
    "I need dry food for my adult labrador, chicken flavor",
    "Something grain-free for a senior cat with a sensitive stomach",
    "Wet food for a small breed puppy under $30",
    "Which one has the most protein?",
    "Show me cheaper options",
    "Anything without chicken? She is allergic",
    "Compare the first two",
    "What about salmon recipes for an indoor cat?",
]


@dataclass
class Stats:
    first_event_ms: list[float] = field(default_factory=list)
    last_event_ms: list[float] = field(default_factory=list)
    turns: int = 0
    errors: list[str] = field(default_factory=list)


async def turn(http: httpx.AsyncClient, user: str, payload: dict[str, Any], stats: Stats) -> str | None:
    """One streamed request; the thread id (from thread.created) when there is one."""
    headers = {"user-id": user, "session-id": f"bench-{user}", "content-type": "application/json"}
    thread_id = None
    started = time.perf_counter()
    first: float | None = None
    try:
        async with http.stream("POST", "/chatkit", content=json.dumps(payload), headers=headers) as response:
            if response.status_code != 200:
                stats.errors.append(f"HTTP {response.status_code}: {(await response.aread())[:200]!r}")
                return None
            async for line in response.aiter_lines():
                if not line.startswith("data: "):
                    continue
                if first is None:
                    first = time.perf_counter()
                event = json.loads(line[6:])
                if event["type"] == "thread.created":
                    thread_id = event["thread"]["id"]
                elif event["type"] == "error":
                    stats.errors.append(f"error event: {event}")
    except httpx.HTTPError as exc:
        stats.errors.append(f"{type(exc).__name__}: {exc}")
        return None
    done = time.perf_counter()
    if first is None:
        stats.errors.append("stream without events")
        return thread_id
    stats.first_event_ms.append((first - started) * 1000)
    stats.last_event_ms.append((done - started) * 1000)
    stats.turns += 1
    return thread_id


def message(text: str) -> dict[str, Any]:
    return {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}


async def conversation(http: httpx.AsyncClient, n: int, turns: int, stats: Stats, think_s: float) -> None:
    user = f"bench-user-{n}"
    if think_s:
        await asyncio.sleep(think_s * n / 50)  # shoppers arrive spread out, not all in the same millisecond
    first = {"type": "threads.create", "params": {"input": message(PROMPTS[n % len(PROMPTS)])}}
    thread_id = await turn(http, user, first, stats)
    if thread_id is None:
        return
    for t in range(1, turns):
        if think_s:
            await asyncio.sleep(think_s * (0.5 + (n * 7 + t) % 10 / 10))  # a shopper reads and types (0.5-1.5x)
        text = PROMPTS[(n + t) % len(PROMPTS)]
        payload = {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": message(text)}}
        await turn(http, user, payload, stats)


async def run_phase(url: str, conversations: int, turns: int, think_s: float = 0.0) -> tuple[Stats, float]:
    stats = Stats()
    limits = httpx.Limits(max_connections=conversations + 10, max_keepalive_connections=conversations + 10)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        started = time.perf_counter()
        await asyncio.gather(*(conversation(http, n, turns, stats, think_s) for n in range(conversations)))
        elapsed = time.perf_counter() - started
    return stats, elapsed


def report(name: str, stats: Stats, elapsed: float) -> dict[str, float]:
    f50, f99 = percentile(stats.first_event_ms, 50), percentile(stats.first_event_ms, 99)
    l50, l99 = percentile(stats.last_event_ms, 50), percentile(stats.last_event_ms, 99)
    tps = stats.turns / elapsed if elapsed > 0 else 0.0
    print(
        f"{name:<12} turns={stats.turns:<5} first event p50={f50:7.1f} ms p99={f99:7.1f} ms | "
        f"last event p50={l50:7.1f} ms p99={l99:7.1f} ms | {tps:6.1f} turns/s | errors={len(stats.errors)}"
    )
    for error in stats.errors[:5]:
        print(f"  error: {error}")
    return {"first_p50": f50, "first_p99": f99, "last_p50": l50, "last_p99": l99, "tps": tps}


def start_server(
    data_dir: Path, port: int, catalog: int, embedder: str, log: Path, database_url: str | None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **({"AYA_DATABASE_URL": database_url} if database_url else {}),
        "AYA_DATA_DIR": str(data_dir),
        "AYA_MODEL_PROVIDER": "offline",
        "AYA_SAMPLE_CATALOG_SIZE": str(catalog),
        "AYA_EMBEDDER": embedder,
        "AYA_LOG_LEVEL": "WARNING",
    }
    env.pop("OPENAI_API_KEY", None)
    aya = Path(sys.executable).parent / "aya"  # the console script installed next to this interpreter
    command = [str(aya), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


async def drop_schema(database_url: str, schema: str) -> None:
    import asyncpg

    from aya.chat.stores import split_schema

    conn = await asyncpg.connect(split_schema(database_url)[0])
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await conn.close()


async def catalog_size(url: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        return str((await http.get("/healthz")).json().get("catalog_size", "?"))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="benchmark a running server instead of starting one")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent conversations (default 50)")
    parser.add_argument("--turns", type=int, default=4, help="messages per conversation (default 4)")
    parser.add_argument("--catalog", type=int, default=2000, help="sample catalog size when starting a server")
    parser.add_argument("--embedder", default="none", help="AYA_EMBEDDER for the started server (default none)")
    parser.add_argument(
        "--think-ms", type=float, default=5000, help="mean pause between a conversation's turns in the paced phase"
    )
    args = parser.parse_args()

    proc = None
    database_url = os.environ.get("AYA_DATABASE_URL")
    bench_schema = None
    if database_url and "schema=" not in database_url and args.url is None:
        bench_schema = f"aya_bench_{os.getpid()}"  # a schema of its own, dropped at the end
        database_url += ("&" if "?" in database_url else "?") + f"schema={bench_schema}"
    tmp = tempfile.TemporaryDirectory(prefix="aya-chat-bench-")
    log = Path(tmp.name) / "server.log"
    url = args.url
    if url is None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        print(f"starting aya serve on {url} (offline model, {args.catalog} sample products)", flush=True)
        proc = start_server(Path(tmp.name) / "data", port, args.catalog, args.embedder, log, database_url)
    try:
        await wait_ready(url, proc, log, limit_s=600)
        store = "postgresql" if os.environ.get("AYA_DATABASE_URL") else "sqlite"
        print(f"machine: {machine()}")
        print(f"catalog: {await catalog_size(url)} products; store: {store}; embedder: {args.embedder}")
        await run_phase(url, 2, 2)  # warm-up (imports, caches, connections)
        single, single_s = await run_phase(url, 1, max(args.turns, 8))
        one = report("sequential", single, single_s)
        paced, paced_s = await run_phase(url, args.concurrency, args.turns, args.think_ms / 1000)
        people = report(f"{args.concurrency} paced", paced, paced_s)
        many, many_s = await run_phase(url, args.concurrency, args.turns)
        crowd = report(f"{args.concurrency} flat out", many, many_s)
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    if bench_schema and database_url:
        await drop_schema(database_url, bench_schema)
    locked = log.read_text(errors="replace").count("database is locked") if log.exists() else 0
    tmp.cleanup()
    errors = len(single.errors) + len(paced.errors) + len(many.errors)
    print(
        f"summary: seq_first_p50_ms={one['first_p50']:.1f} seq_last_p50_ms={one['last_p50']:.1f} "
        f"conc={args.concurrency} paced_first_p50_ms={people['first_p50']:.1f} "
        f"paced_first_p99_ms={people['first_p99']:.1f} paced_last_p50_ms={people['last_p50']:.1f} "
        f"first_p50_ms={crowd['first_p50']:.1f} first_p99_ms={crowd['first_p99']:.1f} "
        f"last_p50_ms={crowd['last_p50']:.1f} last_p99_ms={crowd['last_p99']:.1f} turns_per_s={crowd['tps']:.1f} "
        f"errors={errors} db_locked={locked} store={store}"
    )


if __name__ == "__main__":
    asyncio.run(main())
