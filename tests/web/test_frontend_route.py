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


def test_text_assets_are_sent_compressed_when_the_browser_accepts_it(settings: Settings, tmp_path: Path) -> None:
    import gzip

    dist = _build(tmp_path)
    script = "console.log('aya');\n" * 200
    (dist / "assets" / "index-abc123.js").write_text(script, encoding="utf-8")
    (dist / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(script.encode()))
    (dist / "assets" / "index-abc123.js.br").write_bytes(b"brotli bytes")  # served as is: the test checks the choice
    (dist / "index.html.gz").write_bytes(gzip.compress((dist / "index.html").read_bytes()))
    settings = settings.model_copy(update={"frontend_dist": dist})
    for client in _client(settings):
        # Brotli first when accepted, gzip otherwise, the plain file when neither (or q=0).
        with client.stream("GET", "/assets/index-abc123.js", headers={"accept-encoding": "gzip, deflate, br"}) as br:
            assert br.headers["content-encoding"] == "br" and b"".join(br.iter_raw()) == b"brotli bytes"
        assert br.headers["content-type"].startswith(("text/javascript", "application/javascript"))
        assert "Accept-Encoding" in br.headers["vary"] and "immutable" in br.headers["cache-control"]
        gz = client.get("/assets/index-abc123.js", headers={"accept-encoding": "gzip"})
        assert gz.headers["content-encoding"] == "gzip" and gz.text == script  # httpx decodes it
        assert int(gz.headers["content-length"]) < len(script) // 5
        plain = client.get("/assets/index-abc123.js", headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.text == script
        refused = client.get("/assets/index-abc123.js", headers={"accept-encoding": "gzip;q=0, br;q=0"})
        assert "content-encoding" not in refused.headers
        # The HTML (and client routes, which get the HTML) too, never cached.
        page = client.get("/threads/thr_1", headers={"accept-encoding": "gzip"})
        assert page.headers["content-encoding"] == "gzip" and "<div id=root>" in page.text
        assert page.headers["content-type"].startswith("text/html") and page.headers["cache-control"] == "no-cache"
        # An asset without compressed copies is sent as it is.
        svg = client.get("/favicon.svg", headers={"accept-encoding": "gzip, br"})
        assert "content-encoding" not in svg.headers and svg.text == "<svg/>"


def test_the_real_build_has_compressed_copies_and_a_visible_shell() -> None:
    """The build in frontend/dist (made by `make install`): every large text asset has .br and .gz copies, and the
    HTML shows Aya before any script runs, with no inline script or style (a strict CSP holds)."""
    import re

    dist = Path(__file__).resolve().parents[2] / "frontend" / "dist"
    assert (dist / "index.html").is_file(), f"the web app is not built ({dist}): run `make install`"
    html = (dist / "index.html").read_text(encoding="utf-8")
    root = html.split('<div id="root">', 1)[1]
    assert "Aya" in root and "<main" in root  # a visible shell inside the root, replaced by React
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "<style" not in html and " style=" not in html
    big = [p for p in (dist / "assets").iterdir() if p.suffix in (".js", ".css") and p.stat().st_size > 4096]
    assert big
    for asset in big:
        for suffix in (".br", ".gz"):
            copy = asset.with_name(asset.name + suffix)
            assert copy.is_file() and copy.stat().st_size < asset.stat().st_size / 2, copy
    # Every placeholder the product cards may name (aya.shop.widgets.image_src) is in the build.
    for species in ("dog", "cat"):
        for kind in ("dry", "wet", "other"):
            assert (dist / "placeholders" / f"{species}-{kind}.svg").is_file(), (species, kind)
    # The OpenAI Realtime client stays lazy: the HTML preloads only the entry chunk and its CSS.
    assert len(re.findall(r"<script[^>]*src=", html)) == 1
    assert "modulepreload" not in html
