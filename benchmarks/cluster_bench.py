"""Scale-out benchmark: three workers behind nginx against one worker, then kill -9 of a worker under load.

Starts a throwaway PostgreSQL (durable commits) and a shared data dir with the sample catalog (offline model,
``AYA_EMBEDDER=none``), then plays ChatKit conversations over real HTTP, flat out (no think time), reading every
server-sent event:

1. **one worker**: ``aya serve`` alone, ``--conversations`` (200) at once, ``--turns`` (3) messages each;
2. **three workers** behind nginx (no sticky sessions), same load;
3. **kill -9**: the same load on the three workers; ``--kill-after`` seconds in, one worker is killed with SIGKILL.
   Requests it was serving fail (counted); every conversation whose message failed retries it once (through nginx:
   another worker); at the end every item of every completed turn is looked up in the database: lost items must be 0.

    .venv/bin/python benchmarks/cluster_bench.py [--conversations 200] [--turns 3] [--catalog 2000]

Prints medians and p99, sizes and the machine, and ends with one ``key=value`` summary line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _common import machine, percentile, summary_line

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.services.cluster import AyaWorker, LocalCluster
from tests.services.postgres import PostgresServer

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
class Turn:
    user: str = ""
    ok: bool = False
    thread_id: str | None = None
    done_ids: list[str] = field(default_factory=list)
    first_ms: float | None = None
    last_ms: float | None = None
    error: str | None = None


@dataclass
class Phase:
    turns: list[Turn] = field(default_factory=list)
    retries: list[Turn] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def completed(self) -> list[Turn]:
        return [t for t in self.turns + self.retries if t.ok]

    @property
    def failed(self) -> list[Turn]:
        return [t for t in self.turns if not t.ok]


def message(text: str) -> dict[str, Any]:
    return {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}


async def turn(http: httpx.AsyncClient, user: str, payload: dict[str, Any]) -> Turn:
    out = Turn(user=user, thread_id=payload["params"].get("thread_id"))
    headers = {"user-id": user, "content-type": "application/json"}
    started = time.perf_counter()
    answered = False
    try:
        async with http.stream("POST", "/chatkit", content=json.dumps(payload), headers=headers) as response:
            if response.status_code != 200:
                out.error = f"HTTP {response.status_code}"
                return out
            async for line in response.aiter_lines():
                if not line.startswith("data: "):
                    continue
                now = (time.perf_counter() - started) * 1000
                out.first_ms = out.first_ms if out.first_ms is not None else now
                out.last_ms = now
                event = json.loads(line[6:])
                if event["type"] == "thread.created":
                    out.thread_id = event["thread"]["id"]
                elif event["type"] == "thread.item.done":
                    out.done_ids.append(event["item"]["id"])
                    answered = answered or event["item"]["type"] == "assistant_message"
                elif event["type"] == "error":
                    out.error = "error event"
    except httpx.HTTPError as exc:
        out.error = type(exc).__name__
        return out
    out.ok = answered and out.error is None
    if not answered and out.error is None:
        out.error = "stream ended without an answer"
    return out


async def conversation(http: httpx.AsyncClient, n: int, turns: int, phase: Phase) -> None:
    user = f"bench-{n}"
    thread_id: str | None = None
    for t in range(turns):
        text = PROMPTS[(n + t) % len(PROMPTS)]
        if thread_id is None:
            payload = {"type": "threads.create", "params": {"input": message(text)}}
        else:
            payload = {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": message(text)}}
        result = await turn(http, user, payload)
        phase.turns.append(result)
        if not result.ok:  # the client retries once (nginx sends it to a live worker)
            await asyncio.sleep(0.5)
            if thread_id is None and result.thread_id is None:
                payload = {"type": "threads.create", "params": {"input": message(text)}}
            else:
                thread_id = thread_id or result.thread_id
                payload = {"type": "threads.add_user_message",
                           "params": {"thread_id": thread_id, "input": message(text)}}  # fmt: skip
            result = await turn(http, user, payload)
            phase.retries.append(result)
            if not result.ok:
                return
        thread_id = thread_id or result.thread_id


async def run(url: str, conversations: int, turns: int, kill: tuple[AyaWorker, float] | None = None) -> Phase:
    phase = Phase()
    limits = httpx.Limits(max_connections=conversations + 10, max_keepalive_connections=conversations + 10)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as http:
        started = time.perf_counter()
        tasks = [asyncio.create_task(conversation(http, n, turns, phase)) for n in range(conversations)]
        if kill is not None:
            victim, after_s = kill
            await asyncio.sleep(after_s)
            await asyncio.to_thread(victim.kill)
            print(f"  killed worker {victim.url} with SIGKILL at {time.perf_counter() - started:.1f} s", flush=True)
        await asyncio.gather(*tasks)
        phase.seconds = time.perf_counter() - started
    return phase


async def lost_items(url: str, phase: Phase) -> int:
    """Items of completed turns that the database does not have (looked up as each thread's owner)."""
    expected: dict[tuple[str, str], set[str]] = {}
    for t in phase.completed:
        assert t.thread_id is not None
        expected.setdefault((t.user, t.thread_id), set()).update(t.done_ids)
    lost = 0
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        for (user, thread_id), ids in expected.items():
            body = {"type": "items.list", "params": {"thread_id": thread_id, "order": "asc", "limit": 200}}
            headers = {"user-id": user, "content-type": "application/json"}
            response = await http.post("/chatkit", content=json.dumps(body), headers=headers)
            stored = {item["id"] for item in response.json()["data"]} if response.status_code == 200 else set()
            lost += len(ids - stored)
    return lost


def report(name: str, phase: Phase) -> dict[str, float]:
    done = phase.completed
    first = [t.first_ms for t in done if t.first_ms is not None]
    last = [t.last_ms for t in done if t.last_ms is not None]
    tps = len(done) / phase.seconds if phase.seconds else 0.0
    f50, f99, l50, l99 = percentile(first, 50), percentile(first, 99), percentile(last, 50), percentile(last, 99)
    print(
        f"{name:<14} turns={len(done):<5} first event p50={f50:7.1f} ms p99={f99:7.1f} ms | last event "
        f"p50={l50:7.1f} ms p99={l99:7.1f} ms | {tps:6.1f} turns/s | failed={len(phase.failed)} "
        f"retried ok={sum(1 for r in phase.retries if r.ok)}/{len(phase.retries)} in {phase.seconds:.1f} s",
        flush=True,
    )
    errors: dict[str, int] = {}
    for t in phase.failed:
        errors[t.error or "?"] = errors.get(t.error or "?", 0) + 1
    if errors:
        print(f"  failures: {errors}")
    return {"first_p50": f50, "first_p99": f99, "last_p50": l50, "tps": tps}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--catalog", type=int, default=2000)
    parser.add_argument("--kill-after", type=float, default=3.0, help="seconds into the load before the kill")
    args = parser.parse_args()
    env = {"AYA_MODEL_PROVIDER": "offline", "AYA_EMBEDDER": "none", "AYA_SAMPLE_CATALOG_SIZE": str(args.catalog),
           "AYA_LOG_LEVEL": "WARNING", "AYA_SHUTDOWN_TIMEOUT_S": "10"}  # fmt: skip
    print(f"machine: {machine()}")
    print(f"load: {args.conversations} concurrent conversations x {args.turns} messages, flat out; catalog "
          f"{args.catalog} sample products, offline model, keyword search; PostgreSQL threads", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="aya-cluster-bench-") as tmp, PostgresServer(durable=True) as pg:
        root = Path(tmp)
        results: dict[str, Any] = {}
        one = LocalCluster(root / "data", workers=1, database_url=f"{pg.dsn}?schema=one", env=env)
        await asyncio.to_thread(one.prepare)  # the sample catalog, once
        worker = AyaWorker(one.env(), log=root / "single.log").start()
        try:
            await asyncio.to_thread(worker.wait_ready, 300)
            await run(worker.url, 4, 2)  # warm-up
            single = report("1 worker", await run(worker.url, args.conversations, args.turns))
        finally:
            await asyncio.to_thread(worker.stop)
        cluster = LocalCluster(root / "data", workers=3, database_url=f"{pg.dsn}?schema=three", env=env)
        try:
            await asyncio.to_thread(cluster.start)
            await run(cluster.url, 6, 2)  # warm-up
            three = report("3 workers", await run(cluster.url, args.conversations, args.turns))
            chaos = await run(cluster.url, args.conversations, args.turns, kill=(cluster.workers[0], args.kill_after))
            killed = report("3, kill -9", chaos)
            lost = await lost_items(cluster.url, chaos)
            retried_ok = sum(1 for r in chaos.retries if r.ok)
            print(f"  completed turns checked in the database: {len(chaos.completed)}; items lost: {lost}")
        finally:
            await asyncio.to_thread(cluster.stop)
        results = {
            "conversations": args.conversations,
            "turns_each": args.turns,
            "one_tps": round(single["tps"], 1),
            "one_first_p50_ms": round(single["first_p50"], 1),
            "one_first_p99_ms": round(single["first_p99"], 1),
            "three_tps": round(three["tps"], 1),
            "three_first_p50_ms": round(three["first_p50"], 1),
            "three_first_p99_ms": round(three["first_p99"], 1),
            "speedup": round(three["tps"] / single["tps"], 2) if single["tps"] else 0,
            "kill_failed": len(chaos.failed),
            "kill_retried_ok": f"{retried_ok}/{len(chaos.retries)}",
            "kill_tps": round(killed["tps"], 1),
            "lost_items": lost,
        }
    print(summary_line("cluster", results))


if __name__ == "__main__":
    asyncio.run(main())
