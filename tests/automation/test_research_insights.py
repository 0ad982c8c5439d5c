"""``research`` cites the store's documents; ``store_insights`` counts what shoppers asked for (aggregates only),
through the real server with the offline models of both assistants."""

from __future__ import annotations

import httpx
import pytest

from aya.automation.research import rank, read_passages
from aya.core.settings import Settings

from .conftest import Staff, events_of, replies_of, widgets_of

RETURNS = """# Returns

We take back unopened bags within 30 days with the receipt.

# Grain-free guarantee

If your dog does not like a grain-free recipe, we exchange it once for free.
"""
SUPPLIER = "sku,supplier,lead_time\nNW-24,Northwind,5 days\nPR-30,Prairie Mills,12 days\n"


@pytest.fixture
def docs(ops_settings: Settings) -> None:
    folder = ops_settings.data_dir / "store_docs"
    folder.mkdir()
    (folder / "policies.md").write_text(RETURNS)
    (folder / "suppliers.csv").write_text(SUPPLIER)


def test_passages_are_ranked_with_their_source(ops_settings: Settings, docs: None) -> None:
    passages = read_passages(ops_settings.data_dir / "store_docs")
    best = rank("grain free exchange", passages)[0]
    assert best["source"] == "policies.md — Grain-free guarantee" and "exchange it once" in best["excerpt"]
    assert rank("Prairie Mills lead time", passages)[0]["source"] == "suppliers.csv, line 3"
    assert rank("the and of", passages) == []


async def test_research_answers_with_citations(live: httpx.AsyncClient, docs: None) -> None:
    staff = Staff(live, "staff-1")
    events = events_of(await staff.chat("research return policy for unopened bags"))
    reply = replies_of(events)[-1]
    assert "[1] We take back unopened bags within 30 days" in reply and "policies.md — Returns" in reply


async def test_store_insights_counts_needs_and_feedback_without_quoting_shoppers(live: httpx.AsyncClient) -> None:
    shopper = Staff(live, "shopper-1")
    secret_words = "my neighbour Bob's puppy Biscuit"
    shop = events_of(await shopper.chat(f"grain free wet food for {secret_words}", path="/chatkit"))
    thread_id = shop[0]["thread"]["id"]
    answer = next(
        e["item"]["id"] for e in shop if e["type"] == "thread.item.done" and e["item"]["type"] == "assistant_message"
    )
    feedback = {"type": "items.feedback", "params": {"thread_id": thread_id, "item_ids": [answer], "kind": "positive"}}
    assert (await live.post("/chatkit", json=feedback, headers=shopper.headers)).status_code == 200
    events_of(await shopper.chat("senior cat food for kidney support", path="/chatkit"))

    staff = Staff(live, "staff-1")
    events_of(await staff.chat("run the tests"))  # an ops thread: not a shopper's, never counted
    events = events_of(await staff.chat("what did shoppers ask for most this week?"))
    reply = replies_of(events)[-1]
    assert "2 conversations, 2 shopper messages" in reply
    for need in ("grain free (1)", "wet (1)", "puppy (1)", "kidney support (1)", "senior (1)", "cat (1)"):
        assert need in reply
    assert "feedback: 1 up, 0 down" in reply
    chart = widgets_of(events)[0]["widget"]
    assert "Chart" in str(chart)
    assert "Biscuit" not in str(events) and "Bob" not in str(events)
