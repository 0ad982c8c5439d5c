"""The offline model speaks the Agents SDK ``Model`` interface exactly like a hosted model."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from agents import ModelSettings, Runner
from agents.models.interface import ModelTracing

from aya.catalog.models import Product
from aya.shop.agent import AyaRunContext, build_agent, build_instructions, build_tools
from aya.shop.offline import OfflineModel
from aya.shop.state import ThreadState

from .conftest import small_catalog


def _user(text: str) -> dict[str, Any]:
    return {"role": "user", "type": "message", "content": [{"type": "input_text", "text": text}]}


async def _stream(model: OfflineModel, text: str, tools: list[Any]) -> list[Any]:
    events = []
    async for event in model.stream_response(
        build_instructions(ThreadState()),
        [_user(text)],
        ModelSettings(),
        tools,
        None,
        [],
        ModelTracing.DISABLED,
        previous_response_id=None,
        conversation_id=None,
        prompt=None,
    ):
        events.append(event)
    return events


async def test_a_text_reply_streams_like_a_hosted_model() -> None:
    events = await _stream(OfflineModel(), "hello", build_tools())
    types = [e.type for e in events]
    assert types[:5] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
    ]
    assert types[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    done = next(e for e in events if e.type == "response.output_text.done")
    assert deltas == done.text and done.text.startswith("Hi there! I'm Aya")
    assert sum(1 for t in types if t == "response.output_text.delta") > 1
    assert [e.sequence_number for e in events] == list(range(len(events)))
    completed = events[-1].response
    assert completed.status == "completed" and completed.output[0].content[0].text == done.text


async def test_a_tool_call_streams_its_arguments() -> None:
    events = await _stream(OfflineModel(), "food for my 12 year old cat with kidney problems", build_tools())
    types = [e.type for e in events]
    assert "response.function_call_arguments.delta" in types and "response.output_text.delta" not in types
    item = events[-1].response.output[0]
    assert item.type == "function_call" and item.name == "get_recommendations" and item.call_id
    args_done = next(e for e in events if e.type == "response.function_call_arguments.done")
    assert args_done.arguments == item.arguments and '"kidney_support"' in item.arguments


async def test_never_calls_a_tool_it_was_not_given() -> None:
    events = await _stream(OfflineModel(), "food for my 12 year old cat with kidney problems", [])
    assert events[-1].response.output[0].type == "message"


def test_decisions_are_deterministic_and_fast() -> None:
    model = OfflineModel(brands=["Summit Ridge"])
    instructions = build_instructions(ThreadState())
    texts = ["hi", "my dog ate chocolate", "what food for my parrot?", "I need dog food", "tell me about the first"]
    first = [model.decide(instructions, [_user(t)]) for t in texts]
    again = [model.decide(instructions, [_user(t)]) for t in texts]
    assert first == again
    start = time.perf_counter()
    for _ in range(50):
        for t in texts:
            model.decide(instructions, [_user(t)])
    per_turn_ms = (time.perf_counter() - start) * 1000 / (50 * len(texts))
    assert per_turn_ms < 10, per_turn_ms


async def test_non_streamed_run_through_the_sdk(data_dir: Path) -> None:
    products = [
        Product(id="k1", title="Kidney Care Senior Cat Food", brand="A", species="cat", life_stage="senior",
                price=30, target_conditions=["kidney_support"], ingredients=["salmon"], rating=4.5, review_count=80),
        Product(id="k2", title="Chicken Senior Cat Food", brand="B", species="cat", life_stage="senior",
                price=20, target_conditions=["kidney_support"], ingredients=["chicken"]),
    ]  # fmt: skip
    async with small_catalog(data_dir, products) as search:
        ctx = AyaRunContext(search=search, state=ThreadState())
        result = await Runner.run(
            build_agent(OfflineModel()), "my 12 year old cat has kidney disease and is allergic to chicken", context=ctx
        )
    assert "Kidney Care Senior Cat Food" in result.final_output and "Chicken Senior" not in result.final_output
    assert [p.id for p in ctx.state.shown] == ["k1"]
    assert ctx.state.profile.conditions == ["kidney_support"] and ctx.state.profile.avoid_ingredients == ["chicken"]


class _UnreachableCatalog:
    """A catalog whose every search fails (a deleted index, a dead OpenSearch node): the failure path only."""

    async def search(self, query: Any) -> Any:
        raise RuntimeError("index file is gone")


async def test_a_failing_catalog_gives_an_apology_not_a_failed_turn() -> None:
    ctx = AyaRunContext(search=_UnreachableCatalog(), state=ThreadState())  # type: ignore[arg-type]
    result = await Runner.run(build_agent(OfflineModel()), "food for my 3 year old dog", context=ctx)
    assert "Sorry, I couldn't do that: the catalog is not answering right now" in result.final_output
