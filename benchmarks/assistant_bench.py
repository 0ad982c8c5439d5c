"""Assistant benchmark: the offline model's turn latency (without search) and the conversation suite's success rate.

1. Builds the sample catalog (``--size`` products, MiniLM embeddings) in a temporary data dir and serves the real app
   in-process (ChatKit server over ASGI, SQLite search, offline model).
2. Runs every scenario of ``tests/shop/conversations.toml`` through it with the suite's own turn-by-turn checks and
   reports how many pass, plus the end-to-end time of each turn (HTTP + agent + search + widgets).
   When ``../shared/data`` holds the real Chewy catalogs, also runs ``tests/shop/conversations_real.toml`` over them.
3. Decision time per turn without search, at 1, 5 and 20 messages of history: understanding the new message, the
   one dialogue-state update, and the offline model's decision over the Responses-format input a real turn carries
   (``--repeat`` times each). It must stay flat with history (nothing earlier is re-read) and well under 1 ms.
4. Intent classification by similarity (messages no rule reads): the examples' one-time embedding, then p50/p99 per
   message over the held-out phrasings of ``tests/shop/understanding/intents_heldout.toml`` with the MiniLM embedder
   (awaited: it runs in a worker thread, the event loop stays free), their accuracy, and the keyword fallback's.

Usage: ``.venv/bin/python benchmarks/assistant_bench.py [--size 300] [--repeat 20] [--no-suites]``
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

from _common import machine, summarize_ms, summary_line

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import httpx  # noqa: E402

from aya.catalog.sample import generate_sample_catalog  # noqa: E402
from aya.search.embedder import MiniLMEmbedder  # noqa: E402
from aya.search.factory import open_search  # noqa: E402
from aya.search.ingest import ingest_products  # noqa: E402
from aya.shop.offline import OfflineModel  # noqa: E402
from aya.shop.state import ThreadState, load_state, save_state  # noqa: E402
from aya.shop.understanding import CatalogTerms, parse  # noqa: E402
from aya.shop.understanding.dialogue import update  # noqa: E402
from aya.shop.understanding.similarity import DEFAULT_THRESHOLD, IntentClassifier  # noqa: E402
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
) -> tuple[int, list[str], list[float]]:
    """(passed, failures, per-turn end-to-end seconds)."""
    passed = 0
    failures: list[str] = []
    turn_seconds: list[float] = []
    settings = offline_settings(data_dir).model_copy(update={"embedder": embedder})
    async with serving(create_app(settings)) as app:
        resources = app.state.resources
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            for i, scenario in enumerate(scenarios):
                chat = ShopChat(http, user=f"bench-{i}", username=scenario.get("username"))
                shown: list[str] = []
                try:
                    for turn in scenario["turn"]:
                        start = time.perf_counter()
                        shown = await run_turn(chat, resources.search, turn, shown)
                        turn_seconds.append(time.perf_counter() - start)
                    passed += 1
                except AssertionError as exc:
                    failures.append(f"{scenario['name']}: {str(exc).splitlines()[0]}")
    return passed, failures, turn_seconds


_HISTORY = [
    "hi! i need food for my dog",
    "he's a 6 year old lab, about 70 lbs",
    "he gets itchy, no chicken please",
    "compare the first two",
    "only dry food",
    "something cheaper",
    "what's in the second one?",
    "also my cat Bella is 12 and has kidney issues",
    "wet food for her, no fish",
    "back to the dog",
]
_LAST = "ok what about a grain free one under $60, not purina"


def _message(role: str, text: str) -> dict[str, Any]:
    kind = "input_text" if role == "user" else "output_text"
    return {"type": "message", "role": role, "content": [{"type": kind, "text": text}]}


def decision_times(history: int, repeat: int, terms: CatalogTerms) -> list[float]:
    """Seconds to understand the last message, update the stored state once and decide, after ``history`` messages
    (user and Aya alternating, as the Responses-format input of a real turn carries them)."""
    items: list[dict[str, Any]] = []
    state = ThreadState()
    for i in range(history - 1):
        text = _HISTORY[(i // 2) % len(_HISTORY)]
        if i % 2 == 0:
            items.append(_message("user", text))
            update(state, parse(text, terms=terms))
        else:
            items.append(_message("assistant", "Here are three picks for your dog: ... Want me to compare them?"))
    items.append(_message("user", _LAST))
    stored: dict[str, Any] = {}
    save_state(stored, state)
    model = OfflineModel()
    model.policy.terms = terms
    times: list[float] = []
    for _ in range(repeat):
        turn_state = load_state(stored)  # the state as the thread stores it (loading is not part of the decision)
        start = time.perf_counter()
        parsed = parse(_LAST, terms=terms)
        update(turn_state, parsed)
        model.for_turn(turn_state, parsed).decide(None, items)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
    return times


HELDOUT = REPO / "tests" / "shop" / "understanding" / "intents_heldout.toml"


async def intent_times(repeat: int) -> dict[str, Any]:
    """Warm-up seconds, per-message classification seconds (MiniLM and keywords) and held-out accuracy."""
    cases = tomllib.loads(HELDOUT.read_text())["cases"]
    classifier = IntentClassifier(MiniLMEmbedder(), threshold=DEFAULT_THRESHOLD)
    start = time.perf_counter()
    await classifier.warm()
    warm = time.perf_counter() - start
    examples = sum(len(spec.examples) for spec in classifier.intents)
    times: list[float] = []
    right = 0
    for round_ in range(max(1, repeat // len(cases))):
        for want, text in cases:
            start = time.perf_counter()
            guess = await classifier.classify(text)
            times.append(time.perf_counter() - start)
            right += round_ == 0 and guess is not None and guess.intent == want
    keywords = IntentClassifier(None)
    kw_times: list[float] = []
    kw_right = 0
    for want, text in cases:
        start = time.perf_counter()
        guess = keywords.by_keywords(text)
        kw_times.append(time.perf_counter() - start)
        kw_right += guess is not None and guess.intent == want
    return {
        "warm_s": warm,
        "examples": examples,
        "intents": len(classifier.intents),
        "cases": len(cases),
        "accuracy": right / len(cases),
        "keyword_accuracy": kw_right / len(cases),
        "times": times,
        "keyword_times": kw_times,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300, help="sample catalog size (default 300, as in the tests)")
    parser.add_argument("--repeat", type=int, default=500, help="decisions timed at each history length")
    parser.add_argument("--no-real", action="store_true", help="skip the scenarios over the real Chewy catalogs")
    parser.add_argument("--no-suites", action="store_true", help="only the decision and classification timings")
    args = parser.parse_args()

    logging.getLogger("httpx").setLevel(logging.WARNING)
    print(f"machine: {machine()}")
    passed, failures, turn_seconds = 0, ["skipped (--no-suites)"], [0.0]
    real: tuple[int, list[str]] | None = None
    with tempfile.TemporaryDirectory(prefix="aya-assistant-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        if not args.no_suites:
            built = asyncio.run(build_catalog(data_dir, args.size))
            print(f"catalog: {args.size:,} sample products (seed 7), built with MiniLM embeddings in {built:.1f} s")
            passed, failures, turn_seconds = asyncio.run(run_suite(data_dir, SCENARIOS))
        if SHARED_DATA.is_dir() and not args.no_real and not args.no_suites:
            real_dir = Path(tmp) / "real"
            real_dir.mkdir()
            n_real = asyncio.run(build_real_catalog(real_dir))
            real_passed, real_failures, _ = asyncio.run(run_suite(real_dir, REAL_SCENARIOS, embedder="none"))
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
    terms = CatalogTerms.of(["Purina ONE", "Purina Pro Plan", "Blue Buffalo", "Hill's Science Diet", "Wellness"])
    decision_times(1, 50, terms)  # warm-up: tables, caches
    flat: dict[int, dict[str, float]] = {}
    print(f"offline decision per turn without search (understand + state update + decide, x{args.repeat}):")
    for history in (1, 5, 20):
        flat[history] = summarize_ms(decision_times(history, args.repeat, terms))
        f = flat[history]
        print(
            f"  {history:>2} messages of history: p50 {f['p50']:.3f} ms  p99 {f['p99']:.3f} ms  mean {f['mean']:.3f} ms"
        )
    intents = asyncio.run(intent_times(args.repeat))
    it, kw = summarize_ms(intents["times"]), summarize_ms(intents["keyword_times"])
    print(
        f"intent classification by similarity (messages no rule reads; MiniLM int8, {intents['intents']} intents, "
        f"{intents['examples']} examples embedded once in {intents['warm_s']:.2f} s):\n"
        f"  per message: p50 {it['p50']:.2f} ms  p99 {it['p99']:.2f} ms  mean {it['mean']:.2f} ms "
        f"(x{len(intents['times'])}, in the embedder's worker thread)\n"
        f"  held-out accuracy: {intents['accuracy']:.1%} of {intents['cases']} phrasings at threshold "
        f"{DEFAULT_THRESHOLD}; keyword fallback {intents['keyword_accuracy']:.1%} "
        f"(p50 {kw['p50']:.3f} ms)"
    )
    summary = {
        "catalog": args.size,
        "scenarios": total,
        "passed": passed if not args.no_suites else "skipped",
        "success_rate": round(rate, 3) if not args.no_suites else "skipped",
        "real_passed": f"{real[0]}/{len(REAL_SCENARIOS)}" if real is not None else "skipped",
        "decision_p50_ms_1_5_20": [flat[h]["p50"] for h in (1, 5, 20)],
        "decision_p99_ms_1_5_20": [flat[h]["p99"] for h in (1, 5, 20)],
        "e2e_turn_p50_ms": e2e["p50"],
        "e2e_turn_p99_ms": e2e["p99"],
        "intent_p50_ms": it["p50"],
        "intent_p99_ms": it["p99"],
        "intent_warm_s": round(intents["warm_s"], 2),
        "intent_accuracy": round(intents["accuracy"], 3),
        "intent_keyword_accuracy": round(intents["keyword_accuracy"], 3),
    }
    print(summary_line("assistant", summary))


if __name__ == "__main__":
    main()
