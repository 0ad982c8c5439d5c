"""The stages of the offline voice pipeline.

``VADProcessor`` → ``TurnProcessor`` → ``STTProcessor`` → ``AssistantProcessor`` → ``TTSProcessor`` →
``OutputProcessor``. The stages share one :class:`Conversation` (is Aya answering, until when is her audio playing)
so the turn-taker can tell a barge-in from a new turn.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, assert_never

from aya.voice.assistant import (
    AnswerDone,
    AssistantFailed,
    ProductCards,
    TextDelta,
    ThreadStarted,
    VoiceAssistant,
    WidgetCard,
)
from aya.voice.frames import (
    AssistantDoneFrame,
    AssistantStartedFrame,
    AssistantTextFrame,
    EventFrame,
    Frame,
    InputAudioFrame,
    InterruptionFrame,
    OutputAudioFrame,
    ProductsFrame,
    SentenceFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    UtteranceFrame,
    UtterancePauseFrame,
)
from aya.voice.pipeline import Direction, FrameProcessor, QueuedProcessor
from aya.voice.protocol import (
    CardEvent,
    ErrorEvent,
    InterruptEvent,
    ProductsEvent,
    ResponseDoneEvent,
    StateEvent,
    ThreadEvent,
    TranscriptEvent,
)
from aya.voice.spoken import SpokenAnswer
from aya.voice.stt import SpeechToText
from aya.voice.tts import TextToSpeech
from aya.voice.vad import VadSegmenter

logger = logging.getLogger("aya.voice")

# Whisper's usual inventions on breath, clicks or silence: never a shopper's turn.
_NOT_SPEECH = {"", "you", "thank you", "thanks for watching", "bye", "okay", "uh", "um", "hmm"}


@dataclass
class Conversation:
    """State the stages share within one session."""

    thread_id: str | None = None
    responding: bool = False
    playback_until: float = 0.0
    muted: bool = False
    speech_ended_at: float | None = None
    first_audio_at: float | None = None
    marks: dict[str, float] = field(default_factory=dict)
    """Times of this turn's milestones: speech_end, transcript, first_sentence, first_audio (monotonic seconds)."""

    def aya_active(self) -> bool:
        return self.responding or time.monotonic() < self.playback_until

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, time.monotonic())

    def timings_ms(self) -> dict[str, float]:
        """Where the turn's latency went: speech-to-text, the assistant's first sentence, text-to-speech."""
        m = self.marks
        spans = {
            "stt_ms": ("speech_end", "transcript"),
            "assistant_ms": ("transcript", "first_sentence"),
            "tts_ms": ("first_sentence", "first_audio"),
        }
        return {k: round((m[b] - m[a]) * 1000, 1) for k, (a, b) in spans.items() if a in m and b in m}


class VADProcessor(FrameProcessor):
    """Microphone audio in; speech start/stop and whole utterances out. VAD steps run on a worker thread."""

    def __init__(self, segmenter: VadSegmenter, conversation: Conversation) -> None:
        super().__init__()
        self._vad = segmenter
        self._conversation = conversation

    async def process_frame(self, frame: Frame, direction: Direction) -> None:
        if not isinstance(frame, InputAudioFrame):
            await self.push_frame(frame, direction)
            return
        if self._conversation.muted:
            return
        for event in await asyncio.to_thread(self._vad.feed, frame.pcm):
            now = time.monotonic()
            if event.kind == "start":
                await self.push_frame(UserStartedSpeakingFrame(at=now))
            elif event.kind == "pause":
                await self.push_frame(UtterancePauseFrame(audio=event.audio))
            else:
                has_audio = event.audio is not None and event.audio.size > 0
                await self.push_frame(UserStoppedSpeakingFrame(at=now, utterance=has_audio))
                if event.audio is not None and has_audio:
                    frame = UtteranceFrame(audio=event.audio, ended_at=now, after_pause=event.after_pause)
                    await self.push_frame(frame)


class TurnProcessor(FrameProcessor):
    """Turn-taking: speech that starts while Aya is answering or talking is a barge-in."""

    def __init__(self, conversation: Conversation) -> None:
        super().__init__()
        self._conversation = conversation

    async def process_frame(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, UserStartedSpeakingFrame):
            if self._conversation.aya_active():
                logger.debug("barge-in: interrupting Aya")
                await self.push_frame(InterruptionFrame())
            await self.push_frame(EventFrame(StateEvent(state="user_speaking")))
            return
        if isinstance(frame, UserStoppedSpeakingFrame):
            if not frame.utterance:
                await self.push_frame(EventFrame(StateEvent(state="listening")))
                return
            self._conversation.speech_ended_at = frame.at
            self._conversation.marks = {"speech_end": frame.at}
            await self.push_frame(EventFrame(StateEvent(state="thinking")))
            return
        await self.push_frame(frame, direction)


class STTProcessor(QueuedProcessor):
    """Utterances in, transcripts out. A pause inside speech starts an early transcription; if the utterance then
    ends without more speech, its transcript is used, which takes speech-to-text off the critical path."""

    def __init__(self, stt: SpeechToText, conversation: Conversation) -> None:
        super().__init__()
        self._stt = stt
        self._conversation = conversation
        self._early: asyncio.Task[str] | None = None

    def _drop_early(self) -> None:
        early, self._early = self._early, None
        if early is not None:
            early.cancel()

    async def on_interrupted(self) -> None:
        self._drop_early()

    async def on_error(self, frame: Frame) -> None:
        await self.push_frame(EventFrame(ErrorEvent(code="stt_error", message="Sorry, I could not hear that.")))
        await self.push_frame(EventFrame(StateEvent(state="listening")))

    async def _early_transcript(self, audio: Any) -> str:
        """Transcribe what was said up to a pause, and show it as the shopper's live (not final) transcript."""
        text = await self._stt.run_stt(audio)
        if text.lower().strip(" .!?,") not in _NOT_SPEECH:
            await self.push_frame(EventFrame(TranscriptEvent(role="user", text=text, final=False)))
        return text

    async def handle(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, UtterancePauseFrame):
            self._drop_early()
            assert self._tasks is not None
            self._early = self._tasks.start(self._early_transcript(frame.audio), name="stt-early")
            return
        if not isinstance(frame, UtteranceFrame):
            await self.push_frame(frame, direction)
            return
        early, self._early = self._early, None
        if early is not None and frame.after_pause:
            text = await early
        else:
            if early is not None:
                early.cancel()
            text = await self._stt.run_stt(frame.audio)
        self._conversation.mark("transcript")
        if text.lower().strip(" .!?,") in _NOT_SPEECH:
            await self.push_frame(EventFrame(StateEvent(state="listening")))
            return
        await self.push_frame(TranscriptionFrame(text=text, ended_at=frame.ended_at))


class AssistantProcessor(QueuedProcessor):
    """A user turn in; Aya's answer out, sentence by sentence, written for the ear, with product cards."""

    def __init__(self, assistant: VoiceAssistant, conversation: Conversation) -> None:
        super().__init__()
        self._assistant = assistant
        self._conversation = conversation

    async def on_interrupted(self) -> None:
        self._conversation.responding = False

    async def handle(self, frame: Frame, direction: Direction) -> None:
        if not isinstance(frame, TranscriptionFrame):
            await self.push_frame(frame, direction)
            return
        conversation = self._conversation
        conversation.responding = True
        conversation.first_audio_at = None
        await self.push_frame(EventFrame(TranscriptEvent(role="user", text=frame.text)))
        await self.push_frame(AssistantStartedFrame())
        spoken = SpokenAnswer()
        answer = ""
        try:
            async for event in self._assistant.respond(frame.text, conversation.thread_id):
                match event:
                    case ThreadStarted(thread_id=thread_id):
                        conversation.thread_id = thread_id
                        await self.push_frame(EventFrame(ThreadEvent(thread_id=thread_id)))
                    case TextDelta(text=delta):
                        answer += delta
                        for sentence in spoken.feed(delta):
                            conversation.mark("first_sentence")
                            await self.push_frame(SentenceFrame(sentence))
                    case ProductCards(products=products, widget=widget):
                        await self.push_frame(ProductsFrame(products))
                        await self.push_frame(EventFrame(ProductsEvent(products=products, widget=widget)))
                    case WidgetCard(item_id=item_id, widget=widget):
                        await self.push_frame(EventFrame(CardEvent(item_id=item_id, widget=widget)))
                    case AnswerDone(text=text):
                        if not answer:  # a model that does not stream deltas
                            for sentence in spoken.feed(text):
                                conversation.mark("first_sentence")
                                await self.push_frame(SentenceFrame(sentence))
                        answer = text
                    case AssistantFailed(message=message):
                        await self.push_frame(EventFrame(ErrorEvent(code="assistant_error", message=message)))
                    case _:
                        assert_never(event)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("voice turn failed")
            await self.push_frame(EventFrame(ErrorEvent(code="assistant_error", message="Aya could not answer.")))
            answer = answer or "Sorry, something went wrong. Please try again."
        for sentence in spoken.finish():
            conversation.mark("first_sentence")
            await self.push_frame(SentenceFrame(sentence))
        await self.push_frame(AssistantTextFrame(answer))
        await self.push_frame(AssistantDoneFrame())


class TTSProcessor(QueuedProcessor):
    """Sentences in, speech out (one sentence at a time, so the first one plays while the next is synthesized).

    As each sentence starts, the client gets Aya's live transcript so far (``transcript`` with ``final: false``).
    """

    def __init__(self, tts: TextToSpeech) -> None:
        super().__init__()
        self._tts = tts
        self._said: list[str] = []

    async def on_interrupted(self) -> None:
        self._said = []

    async def handle(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, AssistantStartedFrame):
            self._said = []
        if not isinstance(frame, SentenceFrame):
            await self.push_frame(frame, direction)
            return
        self._said.append(frame.text)
        await self.push_frame(EventFrame(TranscriptEvent(role="assistant", text=" ".join(self._said), final=False)))
        async for pcm in self._tts.run_tts(frame.text):
            await self.push_frame(OutputAudioFrame(pcm=pcm, sample_rate=self._tts.sample_rate))


Send = Callable[[Any], Awaitable[None]]


class OutputProcessor(FrameProcessor):
    """The transport out: audio as binary messages, everything else as JSON events."""

    CHUNK_MS = 200

    def __init__(self, send_bytes: Send, send_event: Send, conversation: Conversation) -> None:
        super().__init__()
        self._send_bytes = send_bytes
        self._send_event = send_event
        self._conversation = conversation

    async def process_frame(self, frame: Frame, direction: Direction) -> None:
        conversation = self._conversation
        match frame:
            case OutputAudioFrame(pcm=pcm, sample_rate=rate):
                if conversation.first_audio_at is None:
                    conversation.first_audio_at = time.monotonic()
                    conversation.mark("first_audio")
                    await self._send_event(StateEvent(state="speaking"))
                step = rate * 2 * self.CHUNK_MS // 1000
                for i in range(0, len(pcm), step):
                    await self._send_bytes(pcm[i : i + step])
                now = time.monotonic()
                conversation.playback_until = max(now, conversation.playback_until) + len(pcm) / 2 / rate
            case EventFrame(event=event):
                await self._send_event(event)
            case AssistantTextFrame(text=text):
                if text:
                    await self._send_event(TranscriptEvent(role="assistant", text=text))
            case AssistantDoneFrame():
                conversation.responding = False
                latency = None
                if conversation.first_audio_at is not None and conversation.speech_ended_at is not None:
                    latency = max(0.0, (conversation.first_audio_at - conversation.speech_ended_at) * 1000)
                conversation.speech_ended_at = None
                await self._send_event(ResponseDoneEvent(latency_ms=latency, timings=conversation.timings_ms()))
                await self._send_event(StateEvent(state="listening"))
            case InterruptionFrame():
                conversation.playback_until = 0.0
                conversation.responding = False
                await self._send_event(InterruptEvent())
            case AssistantStartedFrame():
                await self._send_event(StateEvent(state="thinking"))
            case _:
                pass
