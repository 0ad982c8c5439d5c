"""The web app's other configurations in headless Chromium: token identity, and the hosted ChatKit UI option."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web.conftest import LiveServer, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def token_server(catalog_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(
        catalog_data_dir, tmp_path_factory.mktemp("token"), AYA_AUTH_MODE="token", AYA_SECRET_KEY="s" * 32
    ) as server:
        yield server


@pytest.fixture(scope="module")
def hosted_server(catalog_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(
        catalog_data_dir,
        tmp_path_factory.mktemp("hosted"),
        AYA_CHATKIT_UI="hosted",
        AYA_CHATKIT_DOMAIN_KEY="domain_pk_test",
    ) as server:
        yield server


def test_token_mode_gets_a_session_and_sends_it_as_a_bearer_token(
    browser: Any, token_server: LiveServer, shot: Any
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    auth_headers: list[str] = []
    page.on(
        "request",
        lambda r: auth_headers.append(r.headers.get("authorization", "")) if r.url.endswith("/chatkit") else None,
    )
    try:
        page.goto(token_server.url)
        box = page.get_by_role("textbox", name="Message")
        box.fill("food for my senior cat please")
        box.press("Enter")
        expect(page.locator(".msg.assistant")).to_have_count(1)
        expect(page.get_by_role("button", name="Send")).to_be_visible()
        token = page.evaluate("localStorage.getItem('aya.token')")
        assert token
        assert auth_headers and all(h == f"Bearer {token}" for h in auth_headers)
        assert page.evaluate("localStorage.getItem('aya.device_id')") is None  # no dev identity in token mode
        expect(page.locator(".username")).to_have_count(0)
        page.reload()
        expect(page.locator(".thread-row")).to_have_count(1)  # same identity after a reload
        shot(page, "token")
        # Without the token the server refuses; with it, the thread is there.
        body = {"type": "threads.list", "params": {}}
        assert httpx.post(f"{token_server.url}/chatkit", json=body).status_code == 401
        listed = httpx.post(f"{token_server.url}/chatkit", json=body, headers={"authorization": f"Bearer {token}"})
        assert len(listed.json()["data"]) == 1
    finally:
        context.close()


def test_hosted_mode_loads_the_official_chatkit_component(browser: Any, hosted_server: LiveServer, shot: Any) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    cdn: list[str] = []

    def refuse(route: Any) -> None:  # the machine is offline: refuse at once instead of waiting for DNS
        cdn.append(route.request.url)
        route.abort()

    page.route("https://cdn.platform.openai.com/**", refuse)
    try:
        page.goto(hosted_server.url)
        expect(page.get_by_role("alert")).to_contain_text("AYA_CHATKIT_UI=builtin")
        assert cdn == ["https://cdn.platform.openai.com/deployments/chatkit/chatkit.js"]
        expect(page.locator(".composer")).to_have_count(0)  # the builtin client is not shown
        shot(page, "hosted-offline")
    finally:
        context.close()


def test_dictation_fills_the_composer_from_the_microphone(
    browser: Any, live_server: LiveServer, tmp_path: Path, shot: Any
) -> None:
    """A fake microphone plays a WAV spoken by espeak-ng; the Dictate button records it, the server transcribes it
    (``input.transcribe``, offline Whisper) and the text lands in the composer."""
    import shutil
    import subprocess

    from playwright.sync_api import expect
    from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (make install-system)")
    wav = tmp_path / "request.wav"
    subprocess.run(["espeak-ng", "-s", "140", "-w", str(wav), "I need grain free food for my senior cat."], check=True)
    fake_mic = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
    ]
    expect.set_options(timeout=30_000)
    # A second Chromium from the same Playwright, launched with the fake microphone.
    with_mic = browser.browser_type.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *fake_mic])
    try:
        context = with_mic.new_context(viewport={"width": 1280, "height": 860}, permissions=["microphone"])
        page = context.new_page()
        page.goto(live_server.url)
        page.get_by_role("button", name="Dictate").click()
        stop = page.get_by_role("button", name="Stop dictation")
        expect(stop).to_be_visible()
        # Record until the recorder has captured the whole sentence (about 3 s of audio), then stop.
        # (an attribute check, not wait_for_function: the app's CSP forbids the eval that one needs)
        expect(page.locator(".dictate")).to_have_attribute(
            "data-recorded-ms", re.compile(r"^(3[5-9]\d\d|[4-9]\d{3}|\d{5,})(\.\d+)?$"), timeout=30_000
        )
        stop.click()
        box = page.get_by_role("textbox", name="Message")
        expect(box).to_have_value(re.compile(r"\bcat\b", re.IGNORECASE))
        assert re.search(r"grain|senior|food", box.input_value(), re.IGNORECASE)
        shot(page, "dictated")
    finally:
        with_mic.close()
