"""The MCP tab of the web app in real headless Chromium, against the real app (uvicorn) and a real external MCP server
(the echo server over streamable HTTP): the servers list, Disable / Enable, and a server's tools."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from tests.web.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DIST, require_chromium

from aya.core.settings import Settings
from aya.web.app import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 20_000

ServeHttp = Callable[..., AbstractAsyncContextManager[str]]
EchoTable = Callable[..., str]


@pytest.fixture
def built_app_and_chromium() -> None:
    if not (DIST / "index.html").is_file():
        pytest.skip(f"the web app is not built ({DIST}): run `make install` (npm ci && npm run build in frontend/)")
    require_chromium()


@pytest.mark.usefixtures("built_app_and_chromium")
async def test_mcp_tab_lists_and_manages_servers(
    app_settings: Settings, servers_file: Path, http_table: EchoTable, echo_url: str, serve_http: ServeHttp
) -> None:
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=TIMEOUT_MS)
    await asyncio.to_thread(
        servers_file.write_text,
        http_table("echo", echo_url, extra='description = "The echo test server"')
        + '[servers.gone]\ncommand = "/nonexistent/aya-mcp-server"\n',
    )
    app = create_app(app_settings.model_copy(update={"frontend_dist": DIST}))
    async with serve_http(app) as base_url, async_playwright() as p:
        await app.state.resources.extras["mcp_registry"].wait_settled()
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 860})
            # the admin of the servers (AYA_ADMIN_USERS in app_settings), from this machine
            await page.add_init_script("localStorage.setItem('aya.device_id', 'owner-1')")
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(base_url)
            await page.goto(f"{base_url}/staff")  # the staff place, off the shopper header

            await expect(page.get_by_role("heading", name="Aya as an MCP server")).to_be_visible()
            await expect(page.get_by_text(f"{base_url}/mcp")).to_be_visible()
            await expect(page.locator(".mcp-summary")).to_contain_text("1 of 2 connected")
            echo = page.locator(".mcp-server", has_text="The echo test server")
            await expect(echo.locator(".mcp-badge")).to_have_text("connected")
            await expect(echo).to_contain_text("4 tools")
            gone = page.locator('.mcp-server[data-state="failed"]')
            await expect(gone).to_contain_text("No such file or directory")

            await echo.get_by_role("button", name="Tools").click()
            await expect(echo.locator(".mcp-tools")).to_contain_text("secret_word")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "mcp-page.png"))

            await echo.get_by_role("button", name="Disable").click()
            await expect(echo.locator(".mcp-badge")).to_have_text("disabled")
            assert "enabled = false" in await asyncio.to_thread(servers_file.read_text)
            await echo.get_by_role("button", name="Enable").click()
            await expect(echo.locator(".mcp-badge")).to_have_text("connected")
            assert not errors, errors
        finally:
            await browser.close()
