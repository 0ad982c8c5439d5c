"""Typed frames that flow through the voice pipeline (plain dataclasses: they are high-frequency internal data).

Like pipecat, frames come in two kinds: *system* frames (interruptions, the end of the session) are handled at once
by every processor, jumping any queue; *data* frames (audio, text) are processed in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SAMPLE_RATE_IN = 16_000
"""Rate of the audio the browser sends: 16 kHz mono PCM16."""


@dataclass(slots=True)
class Frame:
    """Base of every frame."""


@dataclass(slots=True)
class SystemFrame(Frame):
    """Frames that jump queues and are handled immediately."""


@dataclass(slots=True)
class InterruptionFrame(SystemFrame):
    """The user spoke over Aya (barge-in): drop what is queued, cancel what is running, flush playback."""


@dataclass(slots=True)
class EndFrame(SystemFrame):
    """The session is over."""


@dataclass(slots=True)
class InputAudioFrame(Frame):
    """Microphone audio: 16 kHz mono PCM16 little-endian."""

    pcm: bytes


@dataclass(slots=True)
class UserStartedSpeakingFrame(Frame):
    at: float = 0.0


@dataclass(slots=True)
class UserStoppedSpeakingFrame(Frame):
    """End of speech was detected (``at`` is the loop time it was detected); ``utterance`` is false when the speech
    was too short to be a turn (a cough, a click)."""

    at: float = 0.0
    utterance: bool = True


@dataclass(slots=True)
class UtterancePauseFrame(Frame):
    """A short pause inside speech: the utterance so far, for an early (speculative) transcription."""

    audio: Any  # numpy.ndarray (float32)


@dataclass(slots=True)
class UtteranceFrame(Frame):
    """One utterance cut by the VAD: float32 samples in [-1, 1] at 16 kHz, and when its end was detected.
    ``after_pause``: nothing was said since the last :class:`UtterancePauseFrame` (its transcript holds)."""

    audio: Any  # numpy.ndarray (float32); Any keeps numpy out of the type surface
    ended_at: float = 0.0
    after_pause: bool = False


@dataclass(slots=True)
class TranscriptionFrame(Frame):
    """What the user said."""

    text: str
    ended_at: float = 0.0


@dataclass(slots=True)
class AssistantStartedFrame(Frame):
    """Aya started answering a turn."""


@dataclass(slots=True)
class SentenceFrame(Frame):
    """One sentence of Aya's answer, written for the ear, to be spoken."""

    text: str


@dataclass(slots=True)
class ProductsFrame(Frame):
    """Product cards to show while Aya talks about them."""

    products: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class AssistantTextFrame(Frame):
    """Aya's full answer as saved in the thread (for the transcript)."""

    text: str


@dataclass(slots=True)
class AssistantDoneFrame(Frame):
    """Aya finished the turn's text (speech may still be playing)."""


@dataclass(slots=True)
class OutputAudioFrame(Frame):
    """Speech to play: mono PCM16 at ``sample_rate``."""

    pcm: bytes
    sample_rate: int


@dataclass(slots=True)
class EventFrame(Frame):
    """An event for the client (a :mod:`aya.voice.protocol` server event: thread id, errors, ...)."""

    event: Any


State = Literal["idle", "listening", "thinking", "speaking"]
