"""The Voice tab end to end in real headless Chromium with a fake microphone that plays a WAV of a shopper's request
(``--use-file-for-fake-audio-capture``), against the real server (``aya serve``, offline model, sample catalog)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer, require_chromium, serve

from aya.voice.evaluation import with_silence, write_wav

from .conftest import Speak

pytestmark = [pytest.mark.browser, pytest.mark.voice]

REQUEST = "I need grain free food for my senior cat"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def voice_server(catalog_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(catalog_data_dir, tmp_path_factory.mktemp("voice-web"), AYA_TTS_ENGINE="espeak") as server:
        yield server


@pytest.fixture(scope="module")
def request_wav(tmp_path_factory: pytest.TempPathFactory, speak_piper: Speak) -> Path:
    # Chromium loops the file: long silence after the request so one loop is one turn.
    path = tmp_path_factory.mktemp("wav") / "request.wav"
    path.write_bytes(write_wav(with_silence(speak_piper(REQUEST), 1.0, 12.0)))
    return path


def _launch(p: Any, *extra: str) -> Any:
    require_chromium()
    return p.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra])


@pytest.fixture
def playwright() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        yield p


def _open_voice_tab(browser: Any, url: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.get_by_role("tab", name="Voice").click()
    return context, page, errors


def test_voice_tab_talks_with_aya_through_a_fake_microphone(
    playwright: Any, voice_server: LiveServer, request_wav: Path
) -> None:
    from playwright.sync_api import expect

    browser = _launch(
        playwright,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={request_wav}",
        "--autoplay-policy=no-user-gesture-required",
    )
    try:
        context, page, errors = _open_voice_tab(browser, voice_server.url)
        expect(page.locator(".voice-tab")).to_have_attribute("data-voice-mode", "offline")
        page.get_by_role("button", name="Start").click()
        # The shopper's words, transcribed; Aya's answer; the products she talks about.
        user_line = page.locator(".voice-line[data-role=user]").first
        expect(user_line).to_contain_text("grain free", ignore_case=True)
        expect(user_line).to_contain_text("senior cat", ignore_case=True)
        expect(page.locator(".voice-line[data-role=assistant]").first).not_to_be_empty()
        expect(page.locator(".voice-products")).to_be_visible()
        expect(page.locator(".voice-products")).to_contain_text("$")
        # Aya's voice played: the playback worklet reported speaking (state shown to the shopper).
        expect(page.locator(".voice-status")).to_have_attribute("data-state", "speaking")  # no eval: the CSP forbids it
        meter = page.get_by_role("meter", name="Microphone level")
        expect(meter).to_be_visible()
        # Mute and stop.
        page.get_by_role("button", name="Mute").click()
        expect(page.get_by_role("button", name="Unmute")).to_have_attribute("aria-pressed", "true")
        page.get_by_role("button", name="Stop").click()
        expect(page.get_by_role("button", name="Start")).to_be_visible()
        expect(page.locator(".voice-status")).to_have_attribute("data-state", "idle")

        # The voice turn is in the shopper's ChatKit thread, so the Text tab can show it.
        thread_id = page.evaluate("localStorage.getItem('aya.last_thread')")
        device = page.evaluate("localStorage.getItem('aya.device_id')")
        assert thread_id and device
        items = httpx.post(
            f"{voice_server.url}/chatkit",
            headers={"user-id": device},
            content=json.dumps({"type": "items.list", "params": {"thread_id": thread_id, "limit": 20}}),
        ).json()["data"]
        kinds = [item["type"] for item in items]
        assert "user_message" in kinds and "assistant_message" in kinds, kinds
        # And the Text tab shows the spoken conversation.
        page.get_by_role("tab", name="Text").click()
        page.locator(f".thread-row[data-thread-id='{thread_id}'] .thread-open").click()
        expect(page.locator(".msg.user").first).to_contain_text("grain free", ignore_case=True)
        expect(page.locator(".msg.assistant").first).not_to_be_empty()
        context.close()
        assert not errors, errors
    finally:
        browser.close()


def test_voice_tab_explains_a_denied_microphone(playwright: Any, voice_server: LiveServer) -> None:
    from playwright.sync_api import expect

    browser = _launch(playwright, "--use-fake-device-for-media-stream", "--deny-permission-prompts")
    try:
        context, page, _ = _open_voice_tab(browser, voice_server.url)
        page.get_by_role("button", name="Start").click()
        expect(page.get_by_role("alert")).to_contain_text("Microphone permission was denied")
        expect(page.get_by_role("button", name="Start")).to_be_visible()
        context.close()
    finally:
        browser.close()


def test_voice_tab_explains_an_unreachable_voice_server(
    playwright: Any, voice_server: LiveServer, request_wav: Path
) -> None:
    from playwright.sync_api import expect

    browser = _launch(playwright, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")
    try:
        context, page, _ = _open_voice_tab(browser, voice_server.url)
        page.route_web_socket("**/voice/ws*", lambda ws: ws.close())  # the voice endpoint is down
        page.get_by_role("button", name="Start").click()
        expect(page.get_by_role("alert")).to_contain_text("voice server")
        expect(page.get_by_role("button", name="Start")).to_be_visible()
        context.close()
    finally:
        browser.close()


def test_realtime_voice_tab_uses_only_the_ephemeral_secret(
    playwright: Any, catalog_data_dir: Path, tmp_path: Path
) -> None:
    """Realtime mode against a local stand-in for OpenAI: the server mints the secret with the key; the browser only
    ever sees the ephemeral secret, which it presents to OpenAI's WebRTC endpoint (intercepted here)."""
    from playwright.sync_api import expect

    from .standin_openai import EPHEMERAL_SECRET, openai_standin

    key = "sk-test-browser-must-never-see-this-1234"
    with (
        openai_standin() as standin,
        serve(catalog_data_dir, tmp_path, OPENAI_API_KEY=key, AYA_OPENAI_BASE_URL=standin.url) as server,
    ):
        browser = _launch(playwright, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")
        try:
            context, page, _ = _open_voice_tab(browser, server.url)
            bodies: list[str] = []
            page.on("response", lambda r: bodies.append(r.text()) if r.url.startswith(server.url) else None)
            openai_calls: list[dict[str, str]] = []

            def openai(route: Any) -> None:
                openai_calls.append({"url": route.request.url, **route.request.headers})
                route.fulfill(status=401, json={"error": {"message": "stand-in: no real OpenAI in tests"}})

            page.route("https://api.openai.com/**", openai)
            expect(page.locator(".voice-tab")).to_have_attribute("data-voice-mode", "realtime")
            page.get_by_role("button", name="Start").click()
            expect(page.get_by_role("alert")).to_be_visible()
            expect(page.get_by_role("button", name="Start")).to_be_visible()

            # The server used the key with the stand-in ...
            assert standin.requests and standin.requests[0]["headers"]["authorization"] == f"Bearer {key}"
            # ... the browser presented only the ephemeral secret to OpenAI ...
            assert openai_calls, "the browser never tried to connect to OpenAI"
            assert all(call.get("authorization") == f"Bearer {EPHEMERAL_SECRET}" for call in openai_calls)
            # ... and the key appears in nothing the browser received or stored.
            assert any(EPHEMERAL_SECRET in body for body in bodies)
            assert not [b for b in bodies if key in b]
            assert key not in page.content()
            assert key not in page.evaluate("JSON.stringify(Object.assign({}, localStorage, sessionStorage))")
            assert key not in server.log.read_text(errors="replace")
            context.close()
        finally:
            browser.close()


def test_voice_tab_explains_a_missing_microphone(playwright: Any, voice_server: LiveServer) -> None:
    from playwright.sync_api import expect

    browser = _launch(playwright, "--use-fake-ui-for-media-stream")  # no (fake) capture device at all
    try:
        context, page, _ = _open_voice_tab(browser, voice_server.url)
        page.get_by_role("button", name="Start").click()
        expect(page.get_by_role("alert")).to_contain_text("No microphone was found")
        context.close()
    finally:
        browser.close()
