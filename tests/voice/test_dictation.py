"""The Text tab's dictation: ChatKit ``input.transcribe`` answered by the offline speech-to-text (real Whisper)."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from aya.core.settings import Settings
from aya.voice.evaluation import with_silence, word_error_rate, write_wav
from aya.web.app import create_app

from .conftest import Speak

pytestmark = pytest.mark.voice

USER = {"user-id": "dictating-shopper"}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _transcribe(client: TestClient, data: bytes, mime_type: str = "audio/wav") -> tuple[int, dict]:
    body = {
        "type": "input.transcribe",
        "params": {"audio_base64": base64.b64encode(data).decode(), "mime_type": mime_type},
    }
    response = client.post("/chatkit", headers=USER, json=body)
    return response.status_code, response.json()


def test_dictation_transcribes_a_recording(client: TestClient, speak_piper: Speak) -> None:
    text = "Do you have wet food for a kitten with a sensitive stomach"
    status, body = _transcribe(client, write_wav(with_silence(speak_piper(text), 0.3, 0.3)))
    assert status == 200, body
    assert word_error_rate(text, body["text"]) <= 0.2, body


def test_dictation_rejects_what_is_not_audio(client: TestClient) -> None:
    status, body = _transcribe(client, b"this is not audio at all" * 10)
    assert status == 400 and body["field"] == "params.audio_base64", body
    status, body = _transcribe(client, b"RIFF", mime_type="text/plain")
    assert status == 400 and body["field"] == "params.mime_type", body
