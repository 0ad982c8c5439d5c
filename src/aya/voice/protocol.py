"""The ``/voice/ws`` wire protocol.

Binary messages carry audio: the browser sends 16 kHz mono PCM16 (little-endian); the server sends Aya's speech as
mono PCM16 at the ``sample_rate_out`` announced in the ``ready`` event. Text messages carry JSON: the client's
control messages and the server's events, each a Pydantic discriminated union on ``type``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

# --- client → server -------------------------------------------------------------------------------------------


class _Client(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartMessage(_Client):
    """Continue an existing ChatKit thread (or start a new one on the first turn when ``thread_id`` is unset)."""

    type: Literal["start"] = "start"
    thread_id: str | None = Field(default=None, max_length=128)


class TextMessage(_Client):
    """A typed turn (same path as speech, minus the speech-to-text)."""

    type: Literal["text"] = "text"
    text: str = Field(min_length=1, max_length=2000)


class MuteMessage(_Client):
    type: Literal["mute"] = "mute"
    muted: bool


class InterruptMessage(_Client):
    """Stop Aya now (a button, or the client's own barge-in detection)."""

    type: Literal["interrupt"] = "interrupt"


class StopMessage(_Client):
    type: Literal["stop"] = "stop"


ClientMessage = Annotated[
    StartMessage | TextMessage | MuteMessage | InterruptMessage | StopMessage, Field(discriminator="type")
]
CLIENT_MESSAGE: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)

# --- server → client -------------------------------------------------------------------------------------------


class ReadyEvent(BaseModel):
    type: Literal["ready"] = "ready"
    sample_rate_in: int
    sample_rate_out: int
    tts_engine: str
    thread_id: str | None = None


class StateEvent(BaseModel):
    type: Literal["state"] = "state"
    state: Literal["listening", "user_speaking", "thinking", "speaking"]


class TranscriptEvent(BaseModel):
    """A transcript line. Aya's comes live: ``final: false`` events carry what she has said so far in this turn
    (replace the line), then one ``final: true`` event carries her whole answer as saved in the thread."""

    type: Literal["transcript"] = "transcript"
    role: Literal["user", "assistant"]
    text: str
    final: bool = True


class ProductsEvent(BaseModel):
    """Product cards to show while Aya talks about them (``products`` are the shop's product summaries)."""

    type: Literal["products"] = "products"
    products: list[dict[str, Any]]
    widget: dict[str, Any] | None = None


class CardEvent(BaseModel):
    """A card that is not about products (Aya Ops' task cards, staff only): show it; a later ``card`` with the same
    ``item_id`` replaces it (the task moved on). Its buttons are ChatKit actions on the voice thread."""

    type: Literal["card"] = "card"
    item_id: str
    widget: dict[str, Any]


class ThreadEvent(BaseModel):
    type: Literal["thread"] = "thread"
    thread_id: str


class InterruptEvent(BaseModel):
    """Flush playback now: the user barged in (or asked to stop)."""

    type: Literal["interrupt"] = "interrupt"


class ResponseDoneEvent(BaseModel):
    type: Literal["response_done"] = "response_done"
    latency_ms: float | None = Field(default=None, description="End of speech detected → first audio sent.")
    timings: dict[str, float] = Field(default_factory=dict, description="stt_ms, assistant_ms, tts_ms of the turn.")


class ErrorEvent(BaseModel):
    type: Literal["error"] = "error"
    code: str
    message: str


ServerEvent = (
    ReadyEvent | StateEvent | TranscriptEvent | ProductsEvent | CardEvent | ThreadEvent | InterruptEvent
    | ResponseDoneEvent | ErrorEvent
)  # fmt: skip
