"""The offline pipeline end to end over the real ``/voice/ws`` WebSocket (uvicorn + the real app, the offline model):
speech in; a transcript, matching products, Aya's spoken answer out; the turn saved in the user's ChatKit thread."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import pytest
from websockets.asyncio.client import ClientConnection, connect

from aya.core.settings import Settings
from aya.voice.evaluation import float_to_pcm16, pcm16_to_float, resample, with_silence, word_error_rate
from aya.web.app import create_app

from .conftest import Speak
from .serve import serve

pytestmark = pytest.mark.voice

REQUEST = "I need grain free food for my senior cat"
USER = "voice-shopper"
CHUNK = 640  # 20 ms of 16 kHz PCM16, as the browser's worklet sends


@pytest.fixture
def base_url(catalog_settings: Settings) -> Iterator[str]:
    """The real app with the default voice (piper)."""
    with serve(create_app(catalog_settings)) as url:
        yield url


@pytest.fixture
def espeak_url(catalog_settings: Settings) -> Iterator[str]:
    """The real app with the fast espeak-ng voice (AYA_TTS_ENGINE=espeak)."""
    settings = catalog_settings.model_copy(update={"tts_engine": "espeak"})
    with serve(create_app(settings)) as url:
        yield url


def _ws_url(base: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"user_id": USER, **params}.items())
    return base.replace("http", "ws", 1) + f"/voice/ws?{query}"


@dataclass
class Turn:
    events: list[dict[str, Any]] = field(default_factory=list)
    audio: bytearray = field(default_factory=bytearray)
    sample_rate: int = 0

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]


async def _send_speech(ws: ClientConnection, samples: np.ndarray) -> None:
    pcm = float_to_pcm16(samples)
    for i in range(0, len(pcm), CHUNK):
        await ws.send(pcm[i : i + CHUNK])


async def _collect(ws: ClientConnection, turn: Turn, until: str, within_s: float = 60.0) -> None:
    async with asyncio.timeout(within_s):
        async for message in ws:
            if isinstance(message, bytes):
                turn.audio += message
                continue
            event = json.loads(message)
            turn.events.append(event)
            if event["type"] == "ready":
                turn.sample_rate = event["sample_rate_out"]
            if event["type"] == until:
                return


async def test_spoken_request_gives_transcript_products_and_speech(
    base_url: str, speak_piper: Speak, whisper: Any, catalog_settings: Settings
) -> None:
    turn = Turn()
    async with connect(_ws_url(base_url, username="Dana")) as ws:
        await _collect(ws, turn, until="state")
        await _send_speech(ws, with_silence(speak_piper(REQUEST), 0.5, 1.2, noise=0.002))
        await _collect(ws, turn, until="response_done")

    (ready,) = turn.of("ready")
    assert ready["sample_rate_in"] == 16000 and ready["sample_rate_out"] == 22050
    user = [e for e in turn.of("transcript") if e["role"] == "user" and e["final"]]
    assert len(user) == 1 and word_error_rate(REQUEST, user[0]["text"]) <= 0.2, user
    # The shopper's words showed live first (the early transcription at the pause before the end of speech).
    assert [e["text"] for e in turn.of("transcript") if e["role"] == "user" and not e["final"]] == [user[0]["text"]]
    answer = [e for e in turn.of("transcript") if e["role"] == "assistant" and e["final"]]
    assert len(answer) == 1 and answer[0]["text"]
    # Aya's live transcript grew sentence by sentence before the final one.
    live = [e["text"] for e in turn.of("transcript") if e["role"] == "assistant" and not e["final"]]
    assert live and all(later.startswith(earlier) for earlier, later in itertools.pairwise(live)), live
    # Products that match what was asked: cat food for seniors, grain free.
    products = [p for e in turn.of("products") for p in e["products"]]
    assert products, turn.events
    for product in products:
        assert product["species"] == "cat", product
        assert product["life_stage"] in ("senior", "all"), product
        assert "grain_free" in product["special_features"], product
    # Speech came back: decodable PCM16, seconds long, and it says (part of) the answer.
    assert len(turn.audio) % 2 == 0
    speech = pcm16_to_float(bytes(turn.audio))
    assert speech.size / turn.sample_rate > 1.0
    heard = await whisper.run_stt(resample(speech[: turn.sample_rate * 8], turn.sample_rate))
    assert heard.strip(), "the spoken answer is not intelligible"
    # States a UI can show, in order.
    states = [e["state"] for e in turn.of("state")]
    for expected in ("user_speaking", "thinking", "speaking", "listening"):
        assert expected in states, states
    assert states.index("user_speaking") < states.index("thinking") < states.index("speaking")
    done = turn.of("response_done")[0]
    assert done["latency_ms"] is not None and done["latency_ms"] > 0

    # The turn is in the user's ChatKit thread, so the Text tab shows it.
    (thread,) = turn.of("thread")
    async with httpx.AsyncClient(base_url=base_url, headers={"user-id": USER}) as http:
        response = await http.post(
            "/chatkit", json={"type": "items.list", "params": {"thread_id": thread["thread_id"], "limit": 50}}
        )
    items = response.json()["data"]
    texts = [part.get("text", "") for item in items for part in item.get("content", []) if isinstance(part, dict)]
    assert any(user[0]["text"] == t for t in texts), texts
    assert answer[0]["text"] in texts, texts


async def test_barge_in_interrupts_aya_and_starts_a_new_turn(espeak_url: str, speak_piper: Speak) -> None:
    turn = Turn()
    async with connect(_ws_url(espeak_url)) as ws:
        await _collect(ws, turn, until="state")
        await _send_speech(ws, with_silence(speak_piper(REQUEST), 0.3, 1.0))
        await _collect(ws, turn, until="products")
        # Aya is answering (her audio is playing on the client): the shopper talks over her.
        while not turn.audio:
            await _collect(ws, turn, until="state")
        await _send_speech(ws, with_silence(speak_piper("Show me only wet food"), 0.1, 1.0))
        await _collect(ws, turn, until="interrupt")
        await _collect(ws, turn, until="response_done")
    kinds = [e["type"] for e in turn.events]
    assert "interrupt" in kinds
    users = [e["text"] for e in turn.of("transcript") if e["role"] == "user" and e["final"]]
    assert len(users) == 2 and "wet" in users[1].lower(), users


async def test_bad_messages_get_error_events_and_the_session_survives(espeak_url: str) -> None:
    turn = Turn()
    async with connect(_ws_url(espeak_url)) as ws:
        await _collect(ws, turn, until="state")
        await ws.send(json.dumps({"type": "dance"}))
        await _collect(ws, turn, until="error")
        await ws.send(b"\x00\x01\x02")
        await _collect(ws, turn, until="error")
        await ws.send(json.dumps({"type": "text", "text": ""}))
        await _collect(ws, turn, until="error")
        await ws.send(json.dumps({"type": "text", "text": "grain free food for my senior cat"}))
        await _collect(ws, turn, until="response_done")
    codes = [e["code"] for e in turn.of("error")][:3]
    assert codes == ["bad_message", "bad_audio", "bad_message"], turn.of("error")
    assert "text" in turn.of("error")[2]["message"]
    assert any(e["role"] == "assistant" and e["final"] for e in turn.of("transcript"))


async def test_websocket_needs_an_identity(base_url: str) -> None:
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus):
        async with connect(base_url.replace("http", "ws", 1) + "/voice/ws"):
            pass


async def test_websocket_refuses_other_sites(base_url: str) -> None:
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus):
        async with connect(_ws_url(base_url), origin="https://evil.example"):  # type: ignore[arg-type]
            pass
    host = base_url.removeprefix("http://")
    async with connect(_ws_url(base_url), origin=f"http://{host}") as ws:  # type: ignore[arg-type]
        assert json.loads(await ws.recv())["type"] == "ready"
