"""``browse`` with the real system Chromium through the real server: "screenshot the home page" puts a screenshot,
the title and links in the thread; pages off the allow-list, ``file://`` and unlisted loopback names are refused, and
requests a page makes to other hosts are blocked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from aya.automation.browser import CHROMIUM, url_allowed
from aya.core.settings import Settings

from .conftest import Staff, _serve_live, events_of, replies_of, widgets_of

pytestmark = pytest.mark.browser

HOME = """<!doctype html><html><head><title>Northwind Pet Foods</title></head>
<body><h1>Grain-free week</h1><a href="/dogs">Dog food</a>
<img src="https://tracker.example.net/pixel.gif" alt=""></body></html>"""


@pytest.fixture
async def browsing(ops_settings: Settings, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    assert CHROMIUM.exists(), f"the system Chromium is missing at {CHROMIUM}: make install-system"
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(HOME)
    settings = ops_settings.model_copy(
        update={"ops_browse": True, "ops_browse_hosts": ["127.0.0.1"], "frontend_dist": site}
    )
    async with _serve_live(settings) as http:
        yield http


async def test_screenshot_the_home_page(browsing: httpx.AsyncClient) -> None:
    staff = Staff(browsing, "staff-1")
    events = events_of(await staff.chat("screenshot the home page"))
    card = widgets_of(events)[0]["widget"]
    assert "data:image/jpeg;base64," in str(card)
    assert any("succeeded" in r and "opened http://127.0.0.1:" in r for r in replies_of(events))
    task = (await staff.get("/api/tasks/1")).json()
    result = task["result"]
    assert task["state"] == "succeeded" and result["status"] == 200
    assert result["title"] == "Northwind Pet Foods" and "Grain-free week" in result["text"]
    assert result["links"][0]["text"] == "Dog food" and result["links"][0]["href"].endswith("/dogs")
    # The tracker is never fetched (the app's CSP stops it first here; the route guard would abort it otherwise).
    assert all("tracker" not in url for url in result["blocked_requests"])
    assert len(result["screenshot"]) > 1000


async def test_pages_off_the_allow_list_are_refused(browsing: httpx.AsyncClient) -> None:
    staff = Staff(browsing, "staff-1")
    port = str(browsing.base_url.port)
    for url in (
        "file:///etc/passwd",
        f"http://localhost:{port}/",
        "https://example.com/",
        f"http://u:p@127.0.0.1:{port}/",
    ):
        response = await staff.post("/api/tasks", {"kind": "browse", "url": url})
        assert response.status_code == 400, (url, response.text)
    events = events_of(await staff.chat("open https://example.com/grain-free"))
    assert any("not an allowed page" in r for r in replies_of(events))


def test_the_allow_list_rules() -> None:
    hosts = ["shop.example.com", "127.0.0.1:8000"]
    assert url_allowed("https://shop.example.com/dogs", hosts)
    assert url_allowed("http://127.0.0.1:8000/", hosts)
    assert not url_allowed("http://127.0.0.1:9000/", hosts)
    assert not url_allowed("https://shop.example.com.evil.net/", hosts)
    assert not url_allowed("javascript:alert(1)", hosts)
    assert not url_allowed("file:///etc/passwd", hosts)
    assert not url_allowed("https://user@shop.example.com/", hosts)
