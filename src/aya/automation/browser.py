"""``browse``: open an allow-listed page in the system Chromium (Playwright), take a screenshot, extract text and links.

Only ``http``/``https`` URLs whose ``host`` or ``host:port`` is in ``AYA_OPS_BROWSE_HOSTS`` are opened (no
``file://``, no credentials in URLs, no loopback unless listed), and every request the page makes — redirects,
frames, scripts — is checked against the same list and aborted otherwise. Playwright is imported lazily.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aya.automation.tasks import Reporter, Runner, Task, TaskFailed
from aya.core.errors import BadRequest, Forbidden, NotConfigured
from aya.core.settings import Settings

CHROMIUM = Path(os.environ.get("AYA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MAX_TEXT = 4000
MAX_LINKS = 30


def _host_port(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return host, f"{host}:{port}"


def url_allowed(url: str, hosts: Sequence[str]) -> bool:
    try:
        parts = urlsplit(url)
        host, host_port = _host_port(url)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        return False
    listed = {h.lower().strip() for h in hosts}
    return host in listed or host_port in listed


def check_url(url: str, settings: Settings) -> str:
    if not settings.ops_browse:
        raise Forbidden("browsing is off on this server (AYA_OPS_BROWSE=true turns it on)")
    if not isinstance(url, str) or len(url) > 2000 or not url_allowed(url, settings.ops_browse_hosts):
        listed = ", ".join(settings.ops_browse_hosts) or "none"
        raise BadRequest(f"{str(url)[:200]!r} is not an allowed page (http/https on: {listed})", field="url")
    return url


def browse_runner(settings: Settings) -> Runner:
    """``browse`` tasks: ``{"url": ...}`` → title, text, links and a JPEG screenshot (data URL)."""

    async def run(task: Task, report: Reporter) -> dict[str, Any]:
        url = check_url(task.args["url"], settings)
        try:
            from playwright.async_api import Route, async_playwright
        except ModuleNotFoundError as exc:
            raise NotConfigured("browsing needs Playwright: pip install playwright") from exc
        report.progress(0.1, f"opening {url}")
        blocked: list[str] = []

        async def guard(route: Route) -> None:
            if url_allowed(route.request.url, settings.ops_browse_hosts):
                await route.continue_()
            else:
                blocked.append(route.request.url[:200])
                await route.abort()

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = await browser.new_page(viewport={"width": 1280, "height": 800})
                await page.route("**/*", guard)
                try:
                    response = await page.goto(url, wait_until="load", timeout=30_000)
                except Exception as exc:
                    raise TaskFailed(f"could not open {url}: {str(exc).splitlines()[0][:300]}") from exc
                report.progress(0.6, "reading the page")
                title = await page.title()
                text = (await page.inner_text("body"))[:MAX_TEXT]
                anchors = await page.eval_on_selector_all(
                    "a[href]", "els => els.map(e => [e.innerText.trim(), e.href])"
                )
                shot = await page.screenshot(type="jpeg", quality=60)
            finally:
                await browser.close()
        links = [{"text": t[:120], "href": h} for t, h in anchors if isinstance(h, str) and h.startswith("http")]
        report.progress(1.0, f"{title or url}")
        return {
            "url": url,
            "status": response.status if response is not None else None,
            "title": title,
            "text": text,
            "links": links[:MAX_LINKS],
            "blocked_requests": blocked[:20],
            "screenshot": "data:image/jpeg;base64," + base64.b64encode(shot).decode(),
        }

    return run
