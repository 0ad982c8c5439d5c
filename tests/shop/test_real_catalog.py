"""The conversation checks over the REAL Chewy catalogs (../shared/data), imported with the catalog's mapped importer
and the mappings of tests/catalog/mappings. Skipped when the data is absent (it never enters the repository)."""

from __future__ import annotations

import asyncio
import os
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from aya.catalog.importers import Reject, load_mapping, read_mapped
from aya.catalog.models import Product
from aya.search.factory import open_search
from aya.search.ingest import ingest_products
from aya.web.app import create_app

from .chatclient import ShopChat
from .conftest import offline_settings, serving
from .test_conversations import run_turn

TESTS = Path(__file__).resolve().parent.parent
MAPPINGS = TESTS / "catalog" / "mappings"
# As the shared_data fixture of tests/conftest.py finds it (that fixture is per test; this catalog is per module).
SHARED_DATA = Path(os.environ.get("AYA_SHARED_DATA", TESTS.parent.parent / "shared" / "data"))
SOURCES = [
    ("chewy-catfood-2021/data/external/raw_chewy_data_2021_04_16.csv", "chewy_cat_2021.toml"),
    ("chewy-dogfood-2017/chewy_drydogfood/drydogfood.csv", "chewy_dog_2017.toml"),
    ("chewy-dogfood-2017/chewy_wetdogfood/wetdogfood.csv", "chewy_dog_2017.toml"),
]
pytestmark = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"shared data not found at {SHARED_DATA}: these tests read the real Chewy catalogs"
)
SCENARIOS: list[dict[str, Any]] = [
    scenario
    for name in ("conversations_real.toml", "conversations_owners.toml")
    for scenario in tomllib.loads((Path(__file__).parent / name).read_text())["scenario"]
]


def real_products(shared: Path) -> list[Product]:
    products: dict[str, Product] = {}
    for source, mapping in SOURCES:
        for item in read_mapped(shared / source, load_mapping(MAPPINGS / mapping)):
            if not isinstance(item, Reject):
                products[item.id] = item
    return list(products.values())


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def real_http(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    data = tmp_path_factory.mktemp("real") / "data"
    data.mkdir()
    # Hundreds of turns from one test client address in under a minute: the per-address limit is not under test here.
    update = {"embedder": "none", "message_rate_per_ip": "100000/minute"}
    settings = offline_settings(data).model_copy(update=update)
    search = await open_search(settings)
    try:
        await ingest_products(search, await asyncio.to_thread(real_products, SHARED_DATA))
    finally:
        await search.aclose()
    async with serving(create_app(settings)) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http, app.state.resources.search


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
async def test_real_catalog_conversation(scenario: dict[str, Any], real_http: tuple[httpx.AsyncClient, Any]) -> None:
    http, search = real_http
    chat = ShopChat(http, user=f"real-{abs(hash(scenario['name'])) % 10**8}")
    shown: list[str] = []
    for turn in scenario["turn"]:
        shown = await run_turn(chat, search, turn, shown)
