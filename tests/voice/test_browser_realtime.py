"""The Voice tab's OpenAI Realtime mode in real headless Chromium, against the real server (``aya serve``), with
recorded WebRTC data-channel event sequences replayed from OpenAI's end of a real WebRTC connection.

Only OpenAI is stood in: the server mints its secret at a local stand-in (``standin_openai.py``), and the browser's
SDP offer to ``api.openai.com/v1/realtime/calls`` is answered by a second RTCPeerConnection in the page
(``recorded_openai_peer.js``), through which the tests send the recorded server events
(``tests/fixtures/recorded/realtime_webrtc``) and read the client's events. Tools run on the real server; transcripts
are saved in the real thread store.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer, require_chromium, serve

from .standin_openai import EPHEMERAL_SECRET, openai_standin

pytestmark = [pytest.mark.browser]

RECORDED = Path(__file__).parents[1] / "fixtures" / "recorded" / "realtime_webrtc"
PEER = (Path(__file__).parent / "recorded_openai_peer.js").read_text()
KEY = "sk-test-realtime-replay-never-in-the-browser"
TIMEOUT_MS = 30_000


def _recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / f"{name}.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def realtime_server(catalog_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with (
        openai_standin() as standin,
        serve(
            catalog_data_dir,
            tmp_path_factory.mktemp("realtime-web"),
            OPENAI_API_KEY=KEY,
            AYA_OPENAI_BASE_URL=standin.url,
        ) as server,
    ):
        yield server


@pytest.fixture
def page(realtime_server: LiveServer) -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    require_chromium()
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                "--disable-features=WebRtcHideLocalIpsWithMdns",  # loopback ICE between the two peers
            ],
        )
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900})
            context.add_init_script(PEER)
            page = context.new_page()
            page.errors = []  # type: ignore[attr-defined]
            page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
            page.goto(realtime_server.url)
            page.get_by_role("tab", name="Voice").click()
            expect(page.locator(".voice-tab")).to_have_attribute("data-voice-mode", "realtime")
            yield page
            context.close()
        finally:
            browser.close()


def _wait_until(page: Any, function: str, arg: Any = None, timeout_s: float = 30.0) -> None:
    """Poll a page function until it returns true. ``page.wait_for_function`` evaluates a string in the page, which
    the app's Content-Security-Policy (no 'unsafe-eval') forbids; ``page.evaluate`` goes through the debugger."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(function, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {function} ({arg!r})")
        time.sleep(0.05)


def replay(page: Any, steps: list[dict[str, Any]]) -> list[str]:
    """Send the recorded events in order; wait for the client's events; check the Voice tab's state at each point.
    Returns the states seen."""
    from playwright.sync_api import expect

    _wait_until(page, "() => window.__openaiPeer.open()")
    expected: Counter[str] = Counter()
    seen: list[str] = []
    for step in steps:
        if "expect" in step:
            expected[step["expect"]] += 1
            _wait_until(
                page, "([type, n]) => window.__openaiPeer.count(type) >= n", [step["expect"], expected[step["expect"]]]
            )
        elif "send" in step:
            page.evaluate("event => window.__openaiPeer.send(event)", step["send"])
        else:
            # every event sent so far was handled by the page, and React has rendered what it changed
            _wait_until(page, "() => window.__openaiPeer.delivered >= window.__openaiPeer.sent")
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))")
            expect(page.locator(".voice-status")).to_have_attribute("data-state", step["state"])
            seen.append(step["state"])
    return seen


def _client_events(page: Any) -> list[dict[str, Any]]:
    return page.evaluate("window.__openaiPeer.received")  # type: ignore[no-any-return]


def test_a_tool_call_turn_with_a_late_transcript(page: Any, realtime_server: LiveServer) -> None:
    from playwright.sync_api import expect

    recorded = _recorded("tool_call_late_transcript")
    page.get_by_role("button", name="Start").click()
    states = replay(page, recorded["steps"])
    assert "speaking" in states and states[-1] == "listening"

    # The browser presented only the ephemeral secret, to OpenAI's WebRTC endpoint.
    calls = page.evaluate("window.__openaiPeer.calls")
    assert [c["authorization"] for c in calls] == [f"Bearer {EPHEMERAL_SECRET}"]
    assert calls[0]["contentType"] == "application/sdp"
    # Its session.update kept the minted transcription settings and never turned tracing on.
    updates = [e["session"] for e in _client_events(page) if e["type"] == "session.update"]
    assert updates, "the client never configured the session"
    transcription = [u["audio"]["input"]["transcription"] for u in updates if "audio" in u]
    assert transcription and all(t == {"model": "gpt-realtime-whisper", "language": "en"} for t in transcription)
    assert [u["tracing"] for u in updates if "tracing" in u] == [None]  # disabled explicitly, never "auto"
    # The tool ran on the server: its output went back to OpenAI and the products are on screen.
    (output,) = [e["item"] for e in _client_events(page) if e["type"] == "conversation.item.create"]
    assert output["type"] == "function_call_output" and output["call_id"] == "call_rec01"
    assert json.loads(output["output"])["products"]
    expect(page.locator(".voice-products .voice-card").first).to_be_visible()

    # Both sides on screen in conversation order, the shopper first (transcribed after Aya's answer).
    lines = page.locator(".voice-line")
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_have_attribute("data-role", "user")
    expect(lines.nth(0)).to_contain_text(recorded["transcript"])
    expect(lines.nth(1)).to_contain_text("three grain free foods")

    # Stopping waits for the last transcripts to be saved: into the shopper's thread, in conversation order, the
    # thread titled by the shopper's words (not "Voice conversation").
    page.get_by_role("button", name="Stop").click()
    expect(page.locator(".voice-status")).to_have_attribute("data-state", "idle")
    thread_id = page.evaluate("localStorage.getItem('aya.last_thread')")
    headers = {"user-id": page.evaluate("localStorage.getItem('aya.device_id')")}
    body = {"type": "items.list", "params": {"thread_id": thread_id, "order": "asc", "limit": 20}}
    saved = httpx.post(f"{realtime_server.url}/chatkit", headers=headers, content=json.dumps(body)).json()["data"]
    assert [i["type"] for i in saved] == ["user_message", "assistant_message"]
    assert saved[0]["content"][0]["text"] == recorded["transcript"]
    assert saved[1]["content"][0]["text"] == recorded["answer"]
    body = {"type": "threads.get_by_id", "params": {"thread_id": thread_id}}
    thread = httpx.post(f"{realtime_server.url}/chatkit", headers=headers, content=json.dumps(body)).json()
    assert thread["title"] == recorded["transcript"]
    assert KEY not in page.content()
    assert KEY not in realtime_server.log.read_text(errors="replace")
    assert not page.errors, page.errors


def test_the_shopper_interrupts_aya(page: Any) -> None:
    page.get_by_role("button", name="Start").click()
    states = replay(page, _recorded("interruption")["steps"])
    assert states == ["listening", "user_speaking", "thinking", "speaking", "user_speaking", "user_speaking",
                      "user_speaking", "thinking"]  # fmt: skip
    assert not page.errors, page.errors


def test_a_server_error_is_shown_in_words(page: Any) -> None:
    from playwright.sync_api import expect

    recorded = _recorded("server_error")
    page.get_by_role("button", name="Start").click()
    replay(page, recorded["steps"])
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(recorded["message"])
    expect(alert).not_to_contain_text("[object Object]")


def test_a_failed_transcription_does_not_hold_back_the_answer(page: Any, realtime_server: LiveServer) -> None:
    """OpenAI could not transcribe the shopper (``…input_audio_transcription.failed``): their line says so, and Aya's
    answer is still saved (it waited only for a transcript that was coming)."""
    from playwright.sync_api import expect

    recorded = _recorded("transcription_failed")
    page.get_by_role("button", name="Start").click()
    replay(page, recorded["steps"])
    lines = page.locator(".voice-line")
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_contain_text("(not transcribed)")
    expect(lines.nth(1)).to_contain_text("say it again")
    page.get_by_role("button", name="Stop").click()
    expect(page.locator(".voice-status")).to_have_attribute("data-state", "idle")
    thread_id = page.evaluate("localStorage.getItem('aya.last_thread')")
    headers = {"user-id": page.evaluate("localStorage.getItem('aya.device_id')")}
    body = {"type": "items.list", "params": {"thread_id": thread_id, "order": "asc", "limit": 20}}
    saved = httpx.post(f"{realtime_server.url}/chatkit", headers=headers, content=json.dumps(body)).json()["data"]
    assert [(i["type"], i["content"][0]["text"]) for i in saved] == [("assistant_message", recorded["answer"])]
    assert not page.errors, page.errors
