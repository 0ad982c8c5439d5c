"""One voice conversation over a message transport (the ``/voice/ws`` WebSocket), and the models it shares.

:class:`VoiceModels` loads Whisper and the TTS engine once per process, lazily, on a worker thread.
:class:`VoiceSession` builds the pipeline for one connection, feeds it the client's audio and control messages,
and stops it (and every task it started) when the client leaves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, assert_never

from pydantic import BaseModel, ValidationError

from aya.voice.assistant import VoiceAssistant
from aya.voice.frames import SAMPLE_RATE_IN, InputAudioFrame, InterruptionFrame, TranscriptionFrame
from aya.voice.pipeline import Direction, Pipeline
from aya.voice.processors import (
    AssistantProcessor,
    Conversation,
    OutputProcessor,
    STTProcessor,
    TTSProcessor,
    TurnProcessor,
    VADProcessor,
)
from aya.voice.protocol import (
    CLIENT_MESSAGE,
    ErrorEvent,
    InterruptMessage,
    MuteMessage,
    ReadyEvent,
    StartMessage,
    StateEvent,
    StopMessage,
    TextMessage,
)
from aya.voice.stt import DEFAULT_BRANDS, SpeechToText, WhisperSTT, build_prompt
from aya.voice.tts import TextToSpeech, build_tts
from aya.voice.vad import VadSegmenter

logger = logging.getLogger("aya.voice")

MAX_AUDIO_MESSAGE = 64 * 1024  # 2 s of 16 kHz PCM16: clients send ~20-100 ms per message


# Loaded models, shared by every app in the process (a cache: the models are read-only once loaded).
_STT_CACHE: dict[str, WhisperSTT] = {}
_TTS_CACHE: dict[str, TextToSpeech] = {}


@dataclass
class VoiceModels:
    """Speech models shared by every session: loaded once, on first use, off the event loop."""

    tts_engine: Literal["piper", "espeak"] = "piper"
    brands: Iterable[str] = ()
    stt: SpeechToText | None = None
    tts: TextToSpeech | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def load(self) -> tuple[SpeechToText, TextToSpeech]:
        stt = await self.load_stt()
        async with self._lock:
            if self.tts is None:
                if self.tts_engine not in _TTS_CACHE:
                    _TTS_CACHE[self.tts_engine] = await asyncio.to_thread(build_tts, self.tts_engine)
                self.tts = _TTS_CACHE[self.tts_engine]
            return stt, self.tts

    async def load_stt(self) -> SpeechToText:
        async with self._lock:
            if self.stt is None:
                brands = list(self.brands)
                prompt = build_prompt([*brands, *DEFAULT_BRANDS]) if brands else build_prompt()
                if "whisper" not in _STT_CACHE:
                    _STT_CACHE["whisper"] = await asyncio.to_thread(WhisperSTT)
                self.stt = _STT_CACHE["whisper"].with_prompt(prompt)
            return self.stt


SendBytes = Callable[[bytes], Awaitable[None]]
SendText = Callable[[str], Awaitable[None]]
Receive = Callable[[], Awaitable[bytes | str | None]]


class VoiceSession:
    def __init__(
        self,
        *,
        stt: SpeechToText,
        tts: TextToSpeech,
        assistant: VoiceAssistant,
        send_bytes: SendBytes,
        send_text: SendText,
        thread_id: str | None = None,
    ) -> None:
        self.conversation = Conversation(thread_id=thread_id)
        self._send_text = send_text
        self._tts = tts
        self._send_lock = asyncio.Lock()

        async def send_audio(data: bytes) -> None:
            async with self._send_lock:
                await send_bytes(data)

        self._stt_stage = STTProcessor(stt, self.conversation)
        self.pipeline = Pipeline(
            [
                VADProcessor(VadSegmenter(silence_ms=600), self.conversation),
                TurnProcessor(self.conversation),
                self._stt_stage,
                AssistantProcessor(assistant, self.conversation),
                TTSProcessor(tts),
                OutputProcessor(send_audio, self.send_event, self.conversation),
            ]
        )

    async def send_event(self, event: BaseModel) -> None:
        async with self._send_lock:
            await self._send_text(event.model_dump_json(exclude_none=True))

    async def run(self, receive: Receive) -> None:
        """Serve the session until the client stops or disconnects (``receive`` returns ``None``)."""
        await self.pipeline.start()
        try:
            await self.send_event(
                ReadyEvent(
                    sample_rate_in=SAMPLE_RATE_IN,
                    sample_rate_out=self._tts.sample_rate,
                    tts_engine=type(self._tts).__name__.removesuffix("TTS").lower(),
                    thread_id=self.conversation.thread_id,
                )
            )
            await self.send_event(StateEvent(state="listening"))
            while (message := await receive()) is not None:
                if isinstance(message, bytes):
                    await self._audio(message)
                elif not await self._control(message):
                    break
        finally:
            await self.pipeline.stop()

    async def _audio(self, data: bytes) -> None:
        if len(data) > MAX_AUDIO_MESSAGE or len(data) % 2:
            await self.send_event(
                ErrorEvent(code="bad_audio", message="audio messages must be 16 kHz mono PCM16, at most 64 KiB each")
            )
            return
        await self.pipeline.queue_frame(InputAudioFrame(pcm=data))

    async def _control(self, raw: str) -> bool:
        """Handle one JSON control message; ``False`` ends the session."""
        try:
            message = CLIENT_MESSAGE.validate_json(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "message"
            await self.send_event(ErrorEvent(code="bad_message", message=f"{where}: {first.get('msg', 'invalid')}"))
            return True
        match message:
            case StartMessage(thread_id=thread_id):
                self.conversation.thread_id = thread_id
            case TextMessage(text=text):
                await self._interrupt_if_active()
                self.conversation.marks = {}
                self.conversation.mark("transcript")
                await self._stt_stage.process_frame(TranscriptionFrame(text=text), Direction.DOWNSTREAM)
            case MuteMessage(muted=muted):
                self.conversation.muted = muted
            case InterruptMessage():
                await self.pipeline.queue_frame(InterruptionFrame())
            case StopMessage():
                return False
            case _:
                assert_never(message)
        return True

    async def _interrupt_if_active(self) -> None:
        if self.conversation.aya_active():
            await self.pipeline.queue_frame(InterruptionFrame())
