"""The Voice tab talking to Aya Ops, in real headless Chromium against the real server (``aya serve``, offline models):
staff switch to Aya Ops and speak "Run the tests." through a fake microphone playing a WAV (piper); the task's card
appears and follows the task; a side effect waits for a click on its card; shoppers never see the switch; the
browser's Web Speech engine is not offered where the browser cannot use it (headless Chromium has SpeechRecognition
but no synthesis voice);
and Realtime voice with Aya Ops' tools, with recorded WebRTC event sequences replayed from OpenAI's end (only OpenAI
is stood in: see ``test_browser_realtime.py``), runs the tool through the staff relay on the real server.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer, require_chromium, serve

from aya.voice.evaluation import with_silence, write_wav

from .conftest import Speak
from .standin_openai import openai_standin
from .test_browser_realtime import PEER, _client_events, _recorded, replay

pytestmark = [pytest.mark.browser, pytest.mark.voice]

TIMEOUT_MS = 90_000
STAFF = "staff-1"
SUITE = "def test_adds():\n    assert 1 + 1 == 2\n\n\ndef test_label():\n    assert 'kibble'.startswith('kib')\n"
# A harmless stand-in for an import with side effects (it only prints; the approval is what is tested).
INGEST = f"{sys.executable} -c \"import sys; print('imported', sys.argv[1])\" {{file}}"


def _workdir(root: Path) -> dict[str, str]:
    (root / "suite").mkdir()
    (root / "suite" / "test_shop.py").write_text(SUITE)
    (root / "examples").mkdir()
    (root / "examples" / "products.csv").write_text("id,title\n")
    return {
        "AYA_STAFF_USERS": STAFF,
        "AYA_OPS_ALLOW_CLI": "true",
        "AYA_OPS_WORKDIR": str(root),
        "AYA_OPS_TEST_PATHS": "suite",
        "AYA_OPS_COMMANDS": json.dumps({"ingest": INGEST}),
        "AYA_OPS_APPROVE_COMMANDS": "ingest",
    }


@pytest.fixture(scope="module")
def ops_server(catalog_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("ops-voice-web")
    with serve(catalog_data_dir, root, AYA_TTS_ENGINE="espeak", **_workdir(root)) as server:
        yield server


@pytest.fixture(scope="module")
def command_wav(tmp_path_factory: pytest.TempPathFactory, speak_piper: Speak) -> Path:
    # Chromium loops the file: a long silence after the command so one loop is one turn.
    path = tmp_path_factory.mktemp("wav") / "run-the-tests.wav"
    path.write_bytes(write_wav(with_silence(speak_piper("Run the tests."), 1.0, 20.0)))
    return path


@pytest.fixture
def playwright() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    require_chromium()
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        yield p


def _voice_page(browser: Any, url: str, user: str, *init: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.add_init_script(f"localStorage.setItem('aya.device_id', {json.dumps(user)})")
    for script in init:
        context.add_init_script(script)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.get_by_role("tab", name="Voice").click()
    return context, page, errors


def _items(server: LiveServer, user: str, thread_id: str) -> list[dict[str, Any]]:
    body = {"type": "items.list", "params": {"thread_id": thread_id, "order": "asc", "limit": 50}}
    response = httpx.post(f"{server.url}/ops/chatkit", headers={"user-id": user}, content=json.dumps(body))
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def test_staff_speak_to_aya_ops_and_watch_the_task_card(
    playwright: Any, ops_server: LiveServer, command_wav: Path
) -> None:
    from playwright.sync_api import expect

    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={command_wav}",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    try:
        context, page, errors = _voice_page(browser, ops_server.url, STAFF)
        switch = page.get_by_role("radiogroup", name="Talk to")
        expect(switch).to_be_visible()
        expect(page.get_by_role("radio", name="Aya", exact=True)).to_have_attribute("aria-checked", "true")
        page.get_by_role("radio", name="Aya Ops (staff)").click()
        expect(page.locator(".voice-tab")).to_have_attribute("data-assistant", "ops")
        expect(page.get_by_role("heading", name="Talk with Aya Ops")).to_be_visible()
        page.get_by_role("button", name="Start").click()
        expect(page.get_by_role("radio", name="Aya Ops (staff)")).to_be_disabled()  # not switched mid-conversation

        user_line = page.locator(".voice-line[data-role=user]").first
        expect(user_line).to_contain_text("test", ignore_case=True)
        card = page.locator(".voice-task-card").first
        expect(card).to_contain_text("Run the tests")
        expect(card).to_contain_text("succeeded")
        expect(card).to_contain_text("2 passed")
        answer = page.locator(".voice-line[data-role=assistant][data-final=true]").first
        expect(answer).to_contain_text("Task 1")
        expect(page.locator(".voice-line[data-role=assistant] .voice-who").first).to_have_text("Aya Ops")
        page.get_by_role("button", name="Stop").click()
        expect(page.locator(".voice-status")).to_have_attribute("data-state", "idle")

        # The conversation is an Aya Ops thread of this staff member, apart from the shopper-side thread.
        thread_id = page.evaluate("localStorage.getItem('aya.ops.voice_thread')")
        assert thread_id and page.evaluate("localStorage.getItem('aya.last_thread')") is None
        kinds = [i["type"] for i in _items(ops_server, STAFF, thread_id)]
        assert kinds[0] == "user_message" and "widget" in kinds and "assistant_message" in kinds, kinds
        tasks = httpx.get(f"{ops_server.url}/api/tasks", headers={"user-id": STAFF}).json()["tasks"]
        assert [(t["kind"], t["state"]) for t in tasks] == [("tests", "succeeded")]
        context.close()
        assert not errors, errors
    finally:
        browser.close()


def test_a_side_effect_asked_in_the_voice_tab_waits_for_a_click_on_its_card(
    playwright: Any, ops_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        context, page, errors = _voice_page(
            browser, ops_server.url, "staff-1", "localStorage.setItem('aya.voice.assistant', 'ops')"
        )
        expect(page.locator(".voice-tab")).to_have_attribute("data-assistant", "ops")  # the choice is remembered
        page.get_by_label("Misheard, or rather type? Write to Aya Ops here").fill("please import examples/products.csv")
        page.get_by_role("button", name="Send").click()
        card = page.locator(".voice-task-card").last
        expect(card).to_contain_text("awaiting approval")
        expect(page.locator(".voice-line[data-role=assistant]").last).to_contain_text("approve or deny")
        task_id = max(t["id"] for t in _tasks(ops_server))
        assert _task(ops_server, task_id)["state"] == "awaiting_approval"  # nothing ran before a person decided
        card.get_by_role("button", name="Approve").click()
        expect(page.locator(".voice-task-card").last).to_contain_text("succeeded")
        assert _task(ops_server, task_id)["state"] == "succeeded"
        context.close()
        assert not errors, errors
    finally:
        browser.close()


def _tasks(server: LiveServer) -> list[dict[str, Any]]:
    return httpx.get(f"{server.url}/api/tasks", headers={"user-id": STAFF}).json()["tasks"]  # type: ignore[no-any-return]


def _task(server: LiveServer, task_id: int) -> dict[str, Any]:
    return httpx.get(f"{server.url}/api/tasks/{task_id}", headers={"user-id": STAFF}).json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("user", ["shopper-5", STAFF])
def test_the_switch_is_for_staff_only_and_web_speech_is_hidden_without_it(
    playwright: Any, ops_server: LiveServer, user: str
) -> None:
    from playwright.sync_api import expect

    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        # A shopper's stored choice of Aya Ops (or of the browser engine) changes nothing for them.
        context, page, errors = _voice_page(
            browser,
            ops_server.url,
            user,
            "localStorage.setItem('aya.voice.assistant', 'ops'); localStorage.setItem('aya.voice.engine', 'browser')",
        )
        expect(
            page.get_by_role("heading", name="Talk with Aya" if user != STAFF else "Talk with Aya Ops")
        ).to_be_visible()
        if user == STAFF:
            expect(page.get_by_role("radiogroup", name="Talk to")).to_be_visible()
        else:
            expect(page.get_by_role("tab", name="Text")).to_be_visible()
            expect(page.get_by_role("radiogroup", name="Talk to")).to_have_count(0)
            expect(page.locator(".voice-tab")).to_have_attribute("data-assistant", "aya")
            expect(page.get_by_role("tab", name="Staff")).to_have_count(0)
        # Headless Chromium 156 defines SpeechRecognition but has no speech synthesis voice (nor a speech service):
        # the tab finds that out and does not offer the browser's engine.
        expect(page.locator(".voice-tab")).to_have_attribute("data-browser-speech", "unavailable")
        assert page.evaluate("speechSynthesis.getVoices().length") == 0
        expect(page.get_by_label("Voice engine")).to_have_count(0)
        expect(page.locator(".voice-tab")).not_to_have_attribute("data-voice-mode", "browser")
        context.close()
        assert not errors, errors
    finally:
        browser.close()


# --- Realtime with Aya Ops' tools ---------------------------------------------------------------------------------
TRANSCRIPT = "Run the tests."
ANSWER = "I ran the tests as task 1: they passed. The card is on your screen."


def as_ops_turn(recorded: dict[str, Any]) -> list[dict[str, Any]]:
    """The recorded tool-call turn (shapes as OpenAI sends them), with Aya Ops' words and tool: the function call is
    ``run_tests`` with ``{"paths": []}``, the staff member said "Run the tests.", the answer is about the task."""
    steps = copy.deepcopy(recorded["steps"])
    arguments = json.dumps({"paths": []})
    half = len(ANSWER) // 2

    def fix(node: Any, event_type: str | None) -> Any:
        if isinstance(node, dict):
            kind = node.get("type", event_type)
            out = {k: fix(v, kind) for k, v in node.items()}
            if out.get("name") == "search_products":
                out["name"] = "run_tests"
            if out.get("arguments"):
                out["arguments"] = arguments
            if kind == "response.function_call_arguments.delta":
                out["delta"] = arguments
            if kind == "conversation.item.input_audio_transcription.delta":
                out["delta"] = "Run the"
            if kind == "response.output_audio_transcript.delta":
                out["delta"] = ANSWER[:half] if out["delta"].startswith("I found") else ANSWER[half:]
            return out
        if isinstance(node, list):
            return [fix(n, event_type) for n in node]
        if node == recorded["transcript"]:
            return TRANSCRIPT
        if node == recorded["answer"]:
            return ANSWER
        return node

    return [fix(step, None) for step in steps]


def test_realtime_voice_runs_aya_ops_tools_through_the_staff_relay(
    playwright: Any, catalog_data_dir: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    key = "sk-test-ops-realtime-never-in-the-browser"
    with (
        openai_standin() as standin,
        serve(
            catalog_data_dir, tmp_path, OPENAI_API_KEY=key, AYA_OPENAI_BASE_URL=standin.url, **_workdir(tmp_path)
        ) as server,
    ):
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                "--disable-features=WebRtcHideLocalIpsWithMdns",
            ],
        )
        try:
            context, page, errors = _voice_page(
                browser, server.url, STAFF, PEER, "localStorage.setItem('aya.voice.assistant', 'ops')"
            )
            expect(page.locator(".voice-tab")).to_have_attribute("data-voice-mode", "realtime")
            expect(page.locator(".voice-tab")).to_have_attribute("data-assistant", "ops")
            page.get_by_role("button", name="Start").click()
            states = replay(page, as_ops_turn(_recorded("tool_call_late_transcript")))
            assert "speaking" in states and states[-1] == "listening"

            # The session was minted with Aya Ops' tools, never the shop's.
            (minted,) = standin.requests
            tools = {t["name"] for t in minted["json"]["session"]["tools"]}
            assert "run_tests" in tools and "search_products" not in tools
            # The tool ran on the server through the relay: its output went back to OpenAI ...
            (output,) = [e["item"] for e in _client_events(page) if e["type"] == "conversation.item.create"]
            assert output["type"] == "function_call_output"
            result = json.loads(output["output"])
            assert result["task_id"] == 1 and result["state"] == "succeeded", result
            # ... and the task's card is on screen.
            expect(page.locator(".voice-task-card").first).to_contain_text("succeeded")
            lines = page.locator(".voice-line")
            expect(lines).to_have_count(2)
            expect(lines.nth(0)).to_contain_text(TRANSCRIPT)
            expect(lines.nth(1)).to_contain_text("task 1")

            page.get_by_role("button", name="Stop").click()
            expect(page.locator(".voice-status")).to_have_attribute("data-state", "idle")
            # Card and transcripts are in one Aya Ops thread of this staff member.
            thread_id = page.evaluate("localStorage.getItem('aya.ops.voice_thread')")
            saved = _items(server, STAFF, thread_id)
            kinds = sorted(i["type"] for i in saved)
            assert kinds == ["assistant_message", "user_message", "widget"], kinds
            texts = [i["content"][0]["text"] for i in saved if i["type"] != "widget"]
            assert texts == [TRANSCRIPT, ANSWER]
            assert key not in page.content()
            assert key not in server.log.read_text(errors="replace")
            context.close()
            assert not errors, errors
        finally:
            browser.close()
