"""Dictation for the Text tab: the ChatKit ``input.transcribe`` request, answered by our offline speech-to-text.

Audio arrives whole (any container the browser records: webm/opus, ogg, wav, mp4), is decoded and resampled to
16 kHz mono with PyAV (faster-whisper's own decoder) on a worker thread, then transcribed by the shared Whisper model.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable

import numpy as np

from aya.core.errors import BadRequest, PayloadTooLarge
from aya.voice.frames import SAMPLE_RATE_IN
from aya.voice.stt import SpeechToText

MAX_DICTATION_BYTES = 10 * 1024 * 1024
MAX_DICTATION_S = 60.0


def decode(data: bytes) -> np.ndarray:
    """Any audio file → float32 16 kHz mono samples (blocking)."""
    from faster_whisper.audio import decode_audio

    try:
        audio = decode_audio(io.BytesIO(data), sampling_rate=SAMPLE_RATE_IN)
    except Exception as exc:  # PyAV raises many types for bad input
        raise BadRequest("the audio could not be decoded", field="params.audio_base64") from exc
    return np.asarray(audio, dtype=np.float32)


def make_transcriber(load_stt: Callable[[], Awaitable[SpeechToText]]) -> Callable[[bytes, str], Awaitable[str]]:
    async def transcribe(data: bytes, mime_type: str) -> str:
        if len(data) > MAX_DICTATION_BYTES:
            raise PayloadTooLarge(f"dictation audio is limited to {MAX_DICTATION_BYTES} bytes")
        if not mime_type.startswith(("audio/", "video/webm", "application/octet-stream")):
            raise BadRequest(f"unsupported audio type {mime_type!r}", field="params.mime_type")
        audio = await asyncio.to_thread(decode, data)
        if audio.size > MAX_DICTATION_S * SAMPLE_RATE_IN:
            raise BadRequest(f"dictation is limited to {MAX_DICTATION_S:.0f} seconds", field="params.audio_base64")
        stt = await load_stt()
        return await stt.run_stt(audio)

    return transcribe
