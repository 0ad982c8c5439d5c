"""The web app route: the build served at /, client routes fall back to index.html, API paths are never shadowed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from aya.core.settings import Settings
from aya.web.app import create_app


def _build(root: Path) -> Path:
    dist = root / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>Aya</title><div id=root></div>", encoding="utf-8")
    (dist / "assets" / "index-abc123.js").write_text("console.log('aya')", encoding="utf-8")
    (dist / "favicon.svg").write_text("<svg/>", encoding="utf-8")
    return dist


def _client(settings: Settings, *, late_mount: bool = False) -> Iterator[TestClient]:
    app = create_app(settings)
    if late_mount:
        # A component that adds its routes during the lifespan (as a mount would), after the frontend's router.
        late = APIRouter()

        @late.get("/mcp/ping")
        async def ping() -> dict[str, str]:
            return {"pong": "mcp"}

        app.include_router(late)
    with TestClient(app) as client:  # runs the lifespan, so every component's setup ran
        yield client


@pytest.fixture
def client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    settings = settings.model_copy(update={"frontend_dist": _build(tmp_path)})
    yield from _client(settings, late_mount=True)


def test_index_and_assets_are_served(client: TestClient) -> None:
    index = client.get("/")
    assert index.status_code == 200
    assert "<div id=root>" in index.text
    assert index.headers["cache-control"] == "no-cache"
    asset = client.get("/assets/index-abc123.js")
    assert asset.status_code == 200
    assert asset.text == "console.log('aya')"
    assert "immutable" in asset.headers["cache-control"]
    assert (client.get("/favicon.svg")).status_code == 200


def test_client_routes_fall_back_to_index(client: TestClient) -> None:
    response = client.get("/threads/thr_123")
    assert response.status_code == 200
    assert "<div id=root>" in response.text


def test_missing_files_and_path_escapes_are_404(client: TestClient) -> None:
    assert (client.get("/assets/index-old999.js")).status_code == 404
    escaped = client.get("/..%2F..%2Fetc%2Fpasswd")
    assert "root:" not in escaped.text


def test_api_paths_are_never_shadowed(client: TestClient) -> None:
    assert (client.get("/healthz")).json()["status"] == "ok"
    late = client.get("/mcp/ping")
    assert late.json() == {"pong": "mcp"}
    for path in ("/api/nothing-here", "/chatkit/x", "/voice/nope"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "<div id=root>" not in response.text


def test_missing_build_says_to_run_make_install(settings: Settings, tmp_path: Path) -> None:
    settings = settings.model_copy(update={"frontend_dist": tmp_path / "nowhere"})
    for client in _client(settings):
        response = client.get("/")
        assert response.status_code == 503
        assert "make install" in response.text
        assert (client.get("/healthz")).status_code == 200
