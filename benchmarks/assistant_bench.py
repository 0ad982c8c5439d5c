"""Assistant benchmark: the offline model's turn latency (without search) and the conversation suite's success rate.

1. Builds the sample catalog (``--size`` products, MiniLM embeddings) in a temporary data dir and serves the real app
   in-process (ChatKit server over ASGI, SQLite search, offline model).
2. Runs every scenario of ``tests/shop/conversations.toml`` through it with the suite's own turn-by-turn checks and
   reports how many pass, plus the end-to-end time of each turn (HTTP + agent + search + widgets).
   When ``../shared/data`` holds the real Chewy catalogs, also runs ``tests/shop/conversations_real.toml`` over them.
3. Replays every model call the suite made (the exact instructions and input items) against the offline model alone,
   ``--repeat`` times: that is the offline model's own latency per turn, search excluded (target: p50 < 10 ms).

Usage: ``.venv/bin/python benchmarks/assistant_bench.py [--size 300] [--repeat 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import machine, summarize_ms, summary_line

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import httpx  # noqa: E402

from aya.catalog.sample import generate_sample_catalog  # noqa: E402
from aya.search.factory import open_search  # noqa: E402
from aya.search.ingest import ingest_products  # noqa: E402
from aya.shop.offline import OfflineModel  # noqa: E402
from aya.web.app import create_app  # noqa: E402
from shop.chatclient import ShopChat  # noqa: E402
from shop.conftest import offline_settings, serving  # noqa: E402
from shop.test_conversations import SCENARIOS, run_turn  # noqa: E402
from shop.test_real_catalog import SCENARIOS as REAL_SCENARIOS  # noqa: E402
from shop.test_real_catalog import SHARED_DATA, real_products  # noqa: E402


async def build_catalog(data_dir: Path, size: int) -> float:
    start = time.perf_counter()
    search = await open_search(offline_settings(data_dir))
    try:
        await ingest_products(search, generate_sample_catalog(size, 7))
    finally:
        await search.aclose()
    return time.perf_counter() - start


async def build_real_catalog(data_dir: Path) -> int:
    settings = offline_settings(data_dir).model_copy(update={"embedder": "none"})
    products = await asyncio.to_thread(real_products, SHARED_DATA)
    search = await open_search(settings)
    try:
        await ingest_products(search, products)
    finally:
        await search.aclose()
    return len(products)


async def run_suite(
    data_dir: Path, scenarios: list[dict[str, Any]], *, embedder: str = "minilm"
) -> tuple[int, list[str], list[float], list[list[tuple[Any, Any]]]]:
    """(passed, failures, per-turn end-to-end seconds, the model calls of each turn)."""
    passed = 0
    failures: list[str] = []
    turn_seconds: list[float] = []
    turn_calls: list[list[tuple[Any, Any]]] = []
    settings = offline_settings(data_dir).model_copy(update={"embedder": embedder})
    async with serving(create_app(settings)) as app:
        resources = app.state.resources
        model = resources.extras["chat_server"].assistant.model
        assert isinstance(model, OfflineModel)
        recorded: list[tuple[Any, Any]] = []
        decide = model.decide

        def recording(instructions: Any, items: Any) -> Any:
            recorded.append((instructions, copy.deepcopy(items)))
            return decide(instructions, items)

        model.decide = recording  # type: ignore[method-assign]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
            for i, scenario in enumerate(scenarios):
                chat = ShopChat(http, user=f"bench-{i}", username=scenario.get("username"))
                shown: list[str] = []
                try:
                    for turn in scenario["turn"]:
                        recorded.clear()
                        start = time.perf_counter()
                        shown = await run_turn(chat, resources.search, turn, shown)
                        turn_seconds.append(time.perf_counter() - start)
                        turn_calls.append(list(recorded))
                    passed += 1
                except AssertionError as exc:
                    failures.append(f"{scenario['name']}: {str(exc).splitlines()[0]}")
    return passed, failures, turn_seconds, turn_calls


def replay(turn_calls: list[list[tuple[Any, Any]]], repeat: int) -> tuple[list[float], list[float]]:
    """Seconds per turn (all model calls of the turn) and per single model call, offline model only."""
    model = OfflineModel()
    per_turn: list[float] = []
    per_call: list[float] = []
    for _ in range(repeat):
        for calls in turn_calls:
            turn_total = 0.0
            for instructions, items in calls:
                start = time.perf_counter()
                model.decide(instructions, items)
                elapsed = time.perf_counter() - start
                per_call.append(elapsed)
                turn_total += elapsed
            per_turn.append(turn_total)
    return per_turn, per_call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300, help="sample catalog size (default 300, as in the tests)")
    parser.add_argument("--repeat", type=int, default=20, help="replays of the suite's model calls")
    parser.add_argument("--no-real", action="store_true", help="skip the scenarios over the real Chewy catalogs")
    args = parser.parse_args()

    logging.getLogger("httpx").setLevel(logging.WARNING)
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="aya-assistant-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        built = asyncio.run(build_catalog(data_dir, args.size))
        print(f"catalog: {args.size:,} sample products (seed 7), built with MiniLM embeddings in {built:.1f} s")
        passed, failures, turn_seconds, turn_calls = asyncio.run(run_suite(data_dir, SCENARIOS))
        real: tuple[int, list[str]] | None = None
        if SHARED_DATA.is_dir() and not args.no_real:
            real_dir = Path(tmp) / "real"
            real_dir.mkdir()
            n_real = asyncio.run(build_real_catalog(real_dir))
            real_passed, real_failures, _, _ = asyncio.run(run_suite(real_dir, REAL_SCENARIOS, embedder="none"))
            real = (real_passed, real_failures)

    total = len(SCENARIOS)
    turns = sum(len(s["turn"]) for s in SCENARIOS)
    rate = passed / total if total else 0.0
    print(f"\nconversation suite: {passed}/{total} scenarios pass ({rate:.1%}), {turns} turns")
    for failure in failures:
        print(f"  FAIL {failure}")
    e2e = summarize_ms(turn_seconds)
    print(
        f"end-to-end turn (HTTP + agent + search + widgets): p50 {e2e['p50']:.1f} ms  p99 {e2e['p99']:.1f} ms  "
        f"mean {e2e['mean']:.1f} ms"
    )

    if real is not None:
        print(
            f"real Chewy catalogs ({n_real:,} products, keyword search): {real[0]}/{len(REAL_SCENARIOS)} scenarios pass"
        )
        for failure in real[1]:
            print(f"  FAIL {failure}")
    per_turn, per_call = replay(turn_calls, args.repeat)
    t = summarize_ms(per_turn)
    c = summarize_ms(per_call)
    calls = sum(len(x) for x in turn_calls)
    print(
        f"offline model without search ({len(turn_calls)} turns, {calls} model calls, x{args.repeat}):\n"
        f"  per turn  p50 {t['p50']:.3f} ms  p99 {t['p99']:.3f} ms  mean {t['mean']:.3f} ms   (target p50 < 10 ms)\n"
        f"  per call  p50 {c['p50']:.3f} ms  p99 {c['p99']:.3f} ms"
    )
    summary = {
        "catalog": args.size,
        "scenarios": total,
        "passed": passed,
        "success_rate": round(rate, 3),
        "real_passed": f"{real[0]}/{len(REAL_SCENARIOS)}" if real is not None else "skipped",
        "offline_turn_p50_ms": t["p50"],
        "offline_turn_p99_ms": t["p99"],
        "e2e_turn_p50_ms": e2e["p50"],
        "e2e_turn_p99_ms": e2e["p99"],
    }
    print(summary_line("assistant", summary))


if __name__ == "__main__":
    main()
