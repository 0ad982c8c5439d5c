"""Aya Ops benchmark: task start latency, progress event rate, and 20 concurrent tasks, through a real server.

1. Starts ``aya serve`` (uvicorn, real HTTP, an empty catalog, keyword search) with a staff user and three
   allow-listed benchmark commands: ``quick`` (prints one line), ``chatty`` (prints ``--lines`` lines as fast as it
   can), ``tick`` (ten lines 0.1 s apart: ~1 s of work).
2. Start latency: ``--starts`` sequential ``POST /api/tasks`` of ``quick``: the POST's round trip, the server's time
   from creating the task to running it, and the client's time from POST until the event stream says ``succeeded``
   (child process included).
3. Progress: one ``chatty`` task watched over ``GET /api/tasks/{id}/events``: events received per second while it
   runs and the log lines per second the task absorbed (the event stream coalesces bursts by design).
4. Concurrency: 20 ``tick`` tasks posted at once with ``AYA_OPS_MAX_TASKS=20``: wall time until all succeeded (1 s
   would be perfect overlap), and each task's time from POST to running.

Usage: ``.venv/bin/python benchmarks/ops_bench.py [--starts 30] [--lines 5000]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _common import free_port, machine, summarize_ms, summary_line, wait_ready

AYA = Path(sys.executable).parent / "aya"
USER = {"user-id": "bench-staff"}


def commands(lines: int) -> dict[str, str]:
    py = sys.executable
    return {
        "quick": f'{py} -c "print(1)"',
        "chatty": f"{py} -c \"for i in range({lines}): print('line', i)\"",
        "tick": f'{py} -c "import time\nfor i in range(10):\n    print(i, flush=True); time.sleep(0.1)"',
    }


async def follow(http: httpx.AsyncClient, task_id: int, until: set[str]) -> tuple[dict[str, Any], list[float]]:
    """The task's events until a state in ``until``: the last snapshot and each event's arrival time."""
    times: list[float] = []
    async with http.stream("GET", f"/api/tasks/{task_id}/events", headers=USER) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                times.append(time.perf_counter())
                task = json.loads(line[6:])
                if task["state"] in until:
                    return task, times
    raise RuntimeError(f"task {task_id} stream ended early")


async def start(http: httpx.AsyncClient, command: str) -> tuple[int, float]:
    began = time.perf_counter()
    response = await http.post("/api/tasks", json={"kind": "command", "command": command}, headers=USER)
    response.raise_for_status()
    return response.json()["id"], began


async def start_latency(http: httpx.AsyncClient, n: int) -> dict[str, Any]:
    post, running, done = [], [], []
    for _ in range(n):
        task_id, began = await start(http, "quick")
        post.append(time.perf_counter() - began)
        task, times = await follow(http, task_id, {"succeeded", "failed"})
        assert task["state"] == "succeeded", task
        running.append(_ts(task["started_at"]) - _ts(task["created_at"]))  # server side: created -> running
        done.append(times[-1] - began)
    return {"post": summarize_ms(post), "created_to_running": summarize_ms(running), "succeeded": summarize_ms(done)}


async def progress_rate(http: httpx.AsyncClient) -> dict[str, Any]:
    task_id, _ = await start(http, "chatty")
    task, times = await follow(http, task_id, {"succeeded", "failed"})
    assert task["state"] == "succeeded", task
    span = max(times[-1] - times[0], 1e-9)
    run_s = _ts(task["finished_at"]) - _ts(task["started_at"]) if task["started_at"] and task["finished_at"] else span
    lines = int(task["log"][-1].split()[-1]) + 1
    return {"events": len(times), "events_per_s": round(len(times) / span, 1), "lines_per_s": round(lines / run_s)}


def _ts(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value).timestamp()


async def concurrent(http: httpx.AsyncClient, n: int) -> dict[str, Any]:
    began = time.perf_counter()
    posted = await asyncio.gather(*(start(http, "tick") for _ in range(n)))
    results = await asyncio.gather(*(follow(http, task_id, {"succeeded", "failed"}) for task_id, _ in posted))
    wall = time.perf_counter() - began
    assert all(task["state"] == "succeeded" for task, _ in results)
    to_running = [_ts(task["started_at"]) - _ts(task["created_at"]) for task, _ in results]
    return {"tasks": n, "wall_s": round(wall, 2), "created_to_running": summarize_ms(to_running)}


async def measure(url: str, proc: subprocess.Popen[bytes], log: Path, starts: int) -> tuple[Any, Any, Any]:
    await wait_ready(url, proc, log, 120)
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        latency = await start_latency(http, starts)
        rate = await progress_rate(http)
        many = await concurrent(http, 20)
    return latency, rate, many


def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="aya-ops-bench-") as tmp:
        port = free_port()
        env = {
            **os.environ,
            "AYA_DATA_DIR": tmp,
            "AYA_EMBEDDER": "none",
            "AYA_STAFF_USERS": "bench-staff",
            "AYA_OPS_ALLOW_CLI": "true",
            "AYA_OPS_COMMANDS": json.dumps(commands(args.lines)),
            "AYA_OPS_APPROVE_COMMANDS": "[]",
            "AYA_OPS_MAX_TASKS": "20",
            "AYA_OPS_WORKDIR": tmp,
            "AYA_LOG_LEVEL": "WARNING",
        }
        log = Path(tmp) / "server.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(AYA), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-sample"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            try:
                latency, rate, many = asyncio.run(measure(f"http://127.0.0.1:{port}", proc, log, args.starts))
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    print(f"machine: {machine()}")
    print(f"start latency ({args.starts} sequential 'quick' tasks): {latency}")
    print(f"progress ({args.lines} lines): {rate}")
    print(f"concurrency: {many}")
    print(
        summary_line(
            "ops",
            {
                "post_p50_ms": latency["post"]["p50"],
                "post_p99_ms": latency["post"]["p99"],
                "created_to_running_p50_ms": latency["created_to_running"]["p50"],
                "to_succeeded_p50_ms": latency["succeeded"]["p50"],
                "to_succeeded_p99_ms": latency["succeeded"]["p99"],
                "progress_events_per_s": rate["events_per_s"],
                "log_lines_per_s": rate["lines_per_s"],
                "concurrent20_wall_s": many["wall_s"],
                "concurrent20_start_p50_ms": many["created_to_running"]["p50"],
                "concurrent20_start_p99_ms": many["created_to_running"]["p99"],
            },
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=30)
    parser.add_argument("--lines", type=int, default=5000)
    main(parser.parse_args())
