"""The search HTTP API over a real app (lifespan, ASGI transport) and the populated sample catalog."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from aya.core.settings import Settings
from aya.web.app import create_app


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan, entered and left in the test's own task (anyio task groups require it)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://aya.test") as c:
            yield c


async def test_search_answers_the_contract(catalog_settings: Settings) -> None:
    async with serve(catalog_settings) as client:
        body = {
            "text": "salmon",
            "filters": {"species": "Dogs", "special_features": ["Grain-Free"]},
            "k": 3,
            "offset": 0,
            "sort": "relevance",
            "mode": "hybrid",
        }
        r = await client.post("/api/search", json=body)
        assert r.status_code == 200
        data = r.json()
        assert set(data) >= {"hits", "total", "relaxations", "took_ms"}
        assert 0 < len(data["hits"]) <= 3 and data["total"] >= len(data["hits"])
        for hit in data["hits"]:
            assert set(hit) == {"product", "score", "why"}
            assert hit["product"]["species"] == "dog" and "grain_free" in hit["product"]["special_features"]
            assert "embedding" not in str(hit["product"])


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"colour": "red"}, "filters.colour"),
        ({"species": "horse"}, "filters.species"),
        ({"special_features": ["crunchy"]}, "filters.special_features"),
        ({"price_min": -1}, "filters.price_min"),
    ],
)
async def test_bad_filter_is_422_naming_the_field(catalog_settings: Settings, filters: dict, field: str) -> None:
    async with serve(catalog_settings) as client:
        r = await client.post("/api/search", json={"text": "x", "filters": filters})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == field


async def test_bad_top_level_values_are_422(catalog_settings: Settings) -> None:
    async with serve(catalog_settings) as client:
        for body, field in [({"mode": "magic"}, "mode"), ({"k": 0}, "k"), ({"sort": "cheap"}, "sort")]:
            r = await client.post("/api/search", json=body)
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == field


async def test_product_by_id_and_404(catalog_settings: Settings) -> None:
    async with serve(catalog_settings) as client:
        hit = (await client.post("/api/search", json={"text": "chicken", "k": 1})).json()["hits"][0]
        r = await client.get(f"/api/products/{hit['product']['id']}")
        assert r.status_code == 200 and r.json()["title"] == hit["product"]["title"]
        r = await client.get("/api/products/does-not-exist")
        assert r.status_code == 404 and r.json()["error"] == "not_found"
        r = await client.get(f"/api/products/{hit['product']['id']}/similar?k=2")
        assert r.status_code == 200 and len(r.json()["hits"]) == 2


async def test_healthz_reports_catalog_size(catalog_settings: Settings) -> None:
    async with serve(catalog_settings) as client:
        r = await client.get("/healthz")
        assert r.json()["catalog_size"] == 300


async def test_the_embedding_model_is_warmed_up_in_the_background(
    catalog_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Start-up does not wait for the model; a warm-up task runs a semantic query and ends cleanly."""
    app = create_app(catalog_settings)
    async with app.router.lifespan_context(app):
        warm_up = app.state.resources.extras["search_warm_up"]
        await warm_up
        assert warm_up.done() and not warm_up.cancelled()
    assert "warm-up failed" not in caplog.text


async def test_no_warm_up_without_an_embedder(catalog_settings: Settings) -> None:
    settings = catalog_settings.model_copy(update={"embedder": "none"})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert "search_warm_up" not in app.state.resources.extras
