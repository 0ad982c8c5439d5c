"""Each offline stage on real speech made by espeak-ng and piper: VAD boundaries, transcripts, decodable TTS."""

from __future__ import annotations

import numpy as np
import pytest

from aya.voice.evaluation import corpus_wer, float_to_pcm16, pcm16_to_float, with_silence, word_error_rate
from aya.voice.frames import SAMPLE_RATE_IN
from aya.voice.stt import WhisperSTT, build_prompt
from aya.voice.tts import EspeakTTS, PiperTTS
from aya.voice.vad import VadSegmenter

from .conftest import Speak

pytestmark = pytest.mark.voice

SHOPPER = [
    "I need grain free food for my senior cat",
    "Show me Blue Buffalo dry food for large breed puppies",
    "What is the cheapest salmon kibble under thirty dollars",
    "Do you have Royal Canin urinary food for cats",
    "My puppy is three months old and has a sensitive stomach",
    "Hill's Science Diet for a senior dog with kidney problems",
]


def _segment(audio: np.ndarray, chunk_ms: int = 20) -> list:
    vad = VadSegmenter(silence_ms=600)
    step = SAMPLE_RATE_IN * chunk_ms // 1000
    pcm = float_to_pcm16(audio)
    events = []
    for i in range(0, len(pcm), step * 2):
        events.extend(vad.feed(pcm[i : i + step * 2]))
    return events


def _speech_span(speech: np.ndarray) -> tuple[float, float]:
    """Where the synthesized speech is really audible (its first and last sample above -40 dBFS)."""
    loud = np.flatnonzero(np.abs(speech) > 0.01)
    return loud[0] / SAMPLE_RATE_IN, loud[-1] / SAMPLE_RATE_IN


@pytest.mark.parametrize("voice", ["espeak", "piper"])
def test_vad_finds_each_utterance_and_its_end(voice: str, speak_espeak: Speak, speak_piper: Speak) -> None:
    speak = speak_espeak if voice == "espeak" else speak_piper
    texts = SHOPPER[:3]
    parts, spans, t = [], [], 0.0
    for i, text in enumerate(texts):
        speech = speak(text)
        pad = 1.0 if i == 0 else 1.2
        first, last = _speech_span(speech)
        spans.append((t + pad + first, t + pad + last))
        parts.append(with_silence(speech, pad, 0.0))
        t += pad + speech.size / SAMPLE_RATE_IN
    stream = with_silence(np.concatenate(parts), 0.0, 1.5, noise=0.003, seed=1)

    events = _segment(stream)

    starts = [e for e in events if e.kind == "start"]
    ends = [e for e in events if e.kind == "end"]
    pauses = [e for e in events if e.kind == "pause"]
    # Every utterance paused (early transcription could start) before it ended, with nothing said after the pause.
    assert len(pauses) >= len(texts) and all(e.after_pause for e in ends)
    for end in ends:
        last_pause = max((p for p in pauses if p.detected_s < end.detected_s), key=lambda p: p.detected_s)
        assert end.detected_s - last_pause.detected_s == pytest.approx(0.384, abs=0.04)
        assert last_pause.audio is not None and end.audio is not None
        assert end.audio.size - last_pause.audio.size == pytest.approx(0.384 * SAMPLE_RATE_IN, abs=700)
    assert len(starts) == len(texts) == len(ends), [(e.kind, round(e.at_s, 2)) for e in events]
    for (begin, finish), start, end in zip(spans, starts, ends, strict=True):
        assert abs(start.at_s - begin) < 0.25, (start.at_s, begin)
        assert abs(end.at_s - finish) < 0.25, (end.at_s, finish)
        # End of speech is found 600 ms of silence later (plus one 32 ms window), not sooner, not much later.
        assert 0.55 <= end.detected_s - finish <= 0.9, (end.detected_s, finish)
        assert end.audio is not None and end.audio.size / SAMPLE_RATE_IN >= finish - begin


def test_vad_ignores_noise_and_short_clicks() -> None:
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 0.01, SAMPLE_RATE_IN * 2).astype(np.float32)
    noise[SAMPLE_RATE_IN : SAMPLE_RATE_IN + 80] = 0.9  # a 5 ms click
    assert not [e for e in _segment(noise) if e.kind == "start"]


def test_vad_rejects_odd_byte_counts() -> None:
    with pytest.raises(ValueError, match="even number of bytes"):
        VadSegmenter().feed(b"\x00\x01\x02")


@pytest.mark.parametrize(("voice", "max_wer", "max_one"), [("piper", 0.10, 0.4), ("espeak", 0.25, 0.6)])
async def test_whisper_transcribes_shopper_requests(
    voice: str, max_wer: float, max_one: float, whisper: WhisperSTT, speak_espeak: Speak, speak_piper: Speak
) -> None:
    speak = speak_espeak if voice == "espeak" else speak_piper
    pairs = []
    for text in SHOPPER:
        heard = await whisper.run_stt(with_silence(speak(text), 0.3, 0.3, noise=0.002))
        assert word_error_rate(text, heard) <= max_one, (text, heard)
        pairs.append((text, heard))
    assert corpus_wer(pairs) <= max_wer, pairs


async def test_whisper_returns_nothing_for_silence(whisper: WhisperSTT) -> None:
    assert await whisper.run_stt(np.zeros(800, dtype=np.float32)) == ""


def test_prompt_holds_store_words_and_brands_within_budget() -> None:
    prompt = build_prompt(["Acme Kibble", "Acme Kibble", *(f"Brand {i}" for i in range(200))])
    assert "grain free" in prompt and prompt.count("Acme Kibble") == 1
    assert len(prompt) <= 620


@pytest.mark.parametrize("engine", ["piper", "espeak"])
async def test_tts_output_is_decodable_speech(
    engine: str, piper: PiperTTS, espeak: EspeakTTS, whisper: WhisperSTT
) -> None:
    tts = piper if engine == "piper" else espeak
    text = "Blue Buffalo senior recipe costs 24 dollars 99."
    chunks = [chunk async for chunk in tts.run_tts(text)]
    pcm = b"".join(chunks)
    assert tts.sample_rate == 22_050 and len(pcm) % 2 == 0
    samples = pcm16_to_float(pcm)
    seconds = samples.size / tts.sample_rate
    assert 1.0 < seconds < 6.0
    assert float(np.sqrt(np.mean(samples**2))) > 0.02  # audible, not silence
    # The audio really says the sentence: our own STT reads it back.
    from aya.voice.evaluation import resample

    heard = await whisper.run_stt(resample(samples, tts.sample_rate))
    assert word_error_rate("Blue Buffalo senior recipe costs 24 dollars 99", heard) <= 0.35, heard
