"""Searches the shop ran reach the store insights: a shopper conversation through the real server (SQLite search
over the two example products, the offline model) with a search that finds nothing and one that had to be relaxed;
the thread state keeps one record per search tool call (labels, never the shopper's words) and the staff's
``store_insights`` counts them."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from aya.catalog.importers import read_source
from aya.catalog.models import Product
from aya.core.settings import Settings
from aya.search.factory import open_search
from aya.search.ingest import ingest_products

from .conftest import REPO_ROOT, ServeLive, Staff, events_of, replies_of


async def _example_catalog(settings: Settings) -> None:
    """The two products of examples/products.csv (a senior dog food and an adult dry cat food with chicken)."""
    products = [p for p in read_source(REPO_ROOT / "examples" / "products.csv") if isinstance(p, Product)]
    assert len(products) == 2
    search = await open_search(settings)
    try:
        await ingest_products(search, products)
    finally:
        await search.aclose()


def _stored_searches(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    with sqlite3.connect(settings.data_dir / "threads.sqlite3") as db:
        rows = db.execute("SELECT id, data FROM threads").fetchall()
    return {tid: (json.loads(data)["metadata"].get("aya") or {}).get("searches", []) for tid, data in rows}


async def test_empty_and_relaxed_searches_reach_store_insights(serve_live: ServeLive, ops_settings: Settings) -> None:
    await _example_catalog(ops_settings)
    async with serve_live(ops_settings) as live:
        shopper = Staff(live, "shopper-1")
        empty = events_of(await shopper.chat("cat food without chicken for my cat Biscuit", path="/chatkit"))
        assert "couldn't find" in replies_of(empty)[-1]
        relaxed = events_of(await shopper.chat("wet food for my kitten", path="/chatkit"))
        assert "relaxed" in replies_of(relaxed)[-1]
        thread = relaxed[0]["thread"]["id"]
        found = events_of(await shopper.chat("senior dog food", path="/chatkit"))
        assert "Meadowlark Senior Turkey" in replies_of(found)[-1]

        searches = _stored_searches(ops_settings)
        assert sorted(len(s) for s in searches.values()) == [1, 1, 1]  # one record per search tool call
        records = [r for rs in searches.values() for r in rs]
        assert sorted(r["hits"] for r in records) == [0, 1, 1]
        empty_one = next(r for r in records if r["hits"] == 0)
        assert empty_one["tool"] == "get_recommendations" and "without:chicken" in empty_one["filters"]
        assert not empty_one.get("relaxations")
        relaxed_one = next(r for r in searches[thread] if r.get("relaxations"))
        assert {"species:cat", "life_stage:kitten", "food_type:wet"} <= set(relaxed_one["filters"])
        assert any("other food types" in r or "food types other" in r for r in relaxed_one["relaxations"])
        assert "Biscuit" not in json.dumps(searches)

        staff = Staff(live, "staff-1")
        events = events_of(await staff.chat("what did shoppers ask for most this week?"))
        reply = replies_of(events)[-1]
        assert "3 conversations, 3 shopper messages" in reply
        assert "searches with no results: 1, relaxed: 1" in reply
        assert "Biscuit" not in json.dumps(events)
