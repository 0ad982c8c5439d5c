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
5. Two workers on one PostgreSQL (a throwaway server, as the tests start it; ``aya serve`` twice, heartbeat
   ``--heartbeat`` s, worker timeout ``--worker-timeout`` s): ``--cancels`` times each, a ``long`` task runs on
   worker A and is cancelled at A (same worker: 200) or at B (other worker: 202, handed over by NOTIFY); the time
   from the cancel POST until A's event stream says ``cancelled`` (the child killed and the state saved). Then
   ``--kills`` times: a task runs on B, B is killed with SIGKILL, and the time until A's stream says ``failed``
   (interrupted) is measured; B is started again for the next round.

Usage: ``.venv/bin/python benchmarks/ops_bench.py [--starts 30] [--lines 5000] [--cancels 20] [--kills 3]``
(``--skip-workers`` leaves part 5 out, ``--only-workers`` runs only part 5).
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.services.cluster import AyaWorker
from tests.services.postgres import PostgresServer

AYA = Path(sys.executable).parent / "aya"
USER = {"user-id": "bench-staff"}


def commands(lines: int) -> dict[str, str]:
    py = sys.executable
    return {
        "quick": f'{py} -c "print(1)"',
        "chatty": f"{py} -c \"for i in range({lines}): print('line', i)\"",
        "tick": f'{py} -c "import time\nfor i in range(10):\n    print(i, flush=True); time.sleep(0.1)"',
        "long": f'{py} -c "import time\nfor i in range(600):\n    print(i, flush=True); time.sleep(0.1)"',
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


def single_server(args: argparse.Namespace) -> dict[str, Any]:
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
    print(f"start latency ({args.starts} sequential 'quick' tasks): {latency}")
    print(f"progress ({args.lines} lines): {rate}")
    print(f"concurrency: {many}")
    return {
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
    }


async def until_running(http: httpx.AsyncClient, task_id: int) -> None:
    async with asyncio.timeout(60):
        while True:
            task = (await http.get(f"/api/tasks/{task_id}", headers=USER)).json()
            if task["state"] == "running" and task["log"]:
                return
            await asyncio.sleep(0.02)


async def cancel_latency(a: httpx.AsyncClient, b: httpx.AsyncClient, n: int) -> dict[str, Any]:
    """Cancel at the worker running the task (A) or at the other (B): POST until A's stream says cancelled."""
    out: dict[str, Any] = {}
    for name, at, expected in (("same_worker", a, 200), ("other_worker", b, 202)):
        stopped, posted = [], []
        for _ in range(n):
            task_id, _began = await start(a, "long")
            await until_running(a, task_id)
            async with a.stream("GET", f"/api/tasks/{task_id}/events", headers=USER) as events:
                lines = events.aiter_lines()
                await anext(lines)  # the current snapshot: the stream is live before the cancel
                began = time.perf_counter()
                response = await at.post(f"/api/tasks/{task_id}/cancel", headers=USER)
                posted.append(time.perf_counter() - began)
                assert response.status_code == expected, response.text
                async for line in lines:
                    if line.startswith("data: ") and json.loads(line[6:])["state"] == "cancelled":
                        stopped.append(time.perf_counter() - began)
                        break
        out[name] = {"post": summarize_ms(posted), "stopped": summarize_ms(stopped)}
    return out


async def dead_worker(workers: list[AyaWorker], kills: int) -> dict[str, Any]:
    """Kill B while it runs a task: the time until A's stream says the task failed (interrupted)."""
    marked = []
    async with httpx.AsyncClient(base_url=workers[0].url, timeout=120) as a:
        for _ in range(kills):
            async with httpx.AsyncClient(base_url=workers[1].url, timeout=120) as b:
                task_id, _ = await start(b, "long")
                await until_running(b, task_id)
            workers[1].kill()
            killed = time.perf_counter()
            task, _times = await follow(a, task_id, {"failed", "cancelled", "succeeded"})
            assert task["state"] == "failed" and "interrupted" in task["error"], task
            marked.append(time.perf_counter() - killed)
            workers[1].start()
            await asyncio.to_thread(workers[1].wait_ready)
    return {**summarize_ms(marked), "max": round(max(marked) * 1000, 3)}


def two_workers(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="aya-ops-bench-") as tmp, PostgresServer() as pg:
        env = {
            "AYA_DATA_DIR": str(Path(tmp) / "data"),
            "AYA_DATABASE_URL": f"{pg.dsn}?schema=aya_ops_bench",
            "AYA_EMBEDDER": "none",
            "AYA_MODEL_PROVIDER": "offline",
            "AYA_STAFF_USERS": "bench-staff",
            "AYA_OPS_ALLOW_CLI": "true",
            "AYA_OPS_COMMANDS": json.dumps(commands(10)),
            "AYA_OPS_APPROVE_COMMANDS": "[]",
            "AYA_OPS_WORKDIR": tmp,
            "AYA_OPS_HEARTBEAT_S": str(args.heartbeat),
            "AYA_OPS_WORKER_TIMEOUT_S": str(args.worker_timeout),
            "AYA_LOG_LEVEL": "WARNING",
        }
        workers = [AyaWorker(env, log=Path(tmp) / f"worker{n}.log") for n in range(2)]
        try:
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.wait_ready()

            async def run() -> tuple[dict[str, Any], dict[str, Any]]:
                async with (
                    httpx.AsyncClient(base_url=workers[0].url, timeout=120) as a,
                    httpx.AsyncClient(base_url=workers[1].url, timeout=120) as b,
                ):
                    cancels = await cancel_latency(a, b, args.cancels)
                return cancels, await dead_worker(workers, args.kills)

            cancels, dead = asyncio.run(run())
        finally:
            for worker in workers:
                worker.stop(timeout=20)
    print(f"cancel ({args.cancels} each; POST round trip and POST → cancelled on the running worker's stream):")
    for name, numbers in cancels.items():
        print(f"  {name}: {numbers}")
    print(
        f"dead worker ({args.kills} SIGKILLs; heartbeat {args.heartbeat} s, worker timeout {args.worker_timeout} s): "
        f"kill → task marked failed {dead}"
    )
    return {
        "cancel_same_p50_ms": cancels["same_worker"]["stopped"]["p50"],
        "cancel_same_p99_ms": cancels["same_worker"]["stopped"]["p99"],
        "cancel_other_p50_ms": cancels["other_worker"]["stopped"]["p50"],
        "cancel_other_p99_ms": cancels["other_worker"]["stopped"]["p99"],
        "dead_worker_marked_p50_s": round(dead["p50"] / 1000, 2),
        "dead_worker_marked_max_s": round(dead["max"] / 1000, 2),
        "worker_timeout_s": args.worker_timeout,
    }


def main(args: argparse.Namespace) -> None:
    print(f"machine: {machine()}")
    values: dict[str, Any] = {}
    if not args.only_workers:
        values |= single_server(args)
    if not args.skip_workers:
        values |= two_workers(args)
    print(summary_line("ops", values))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=30)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--cancels", type=int, default=20)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--heartbeat", type=float, default=0.5)
    parser.add_argument("--worker-timeout", type=float, default=3.0)
    parser.add_argument("--skip-workers", action="store_true")
    parser.add_argument("--only-workers", action="store_true")
    main(parser.parse_args())
