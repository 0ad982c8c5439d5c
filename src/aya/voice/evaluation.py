"""Evaluation helpers shared by the voice tests and ``benchmarks/voice_bench.py``: shopper utterances, word error
rate, and speech made with our own engines (espeak-ng, piper) converted to the pipeline's 16 kHz input format."""

from __future__ import annotations

import io
import re
import wave
from collections.abc import Sequence

import numpy as np
from rapidfuzz.distance import Levenshtein

from aya.voice.frames import SAMPLE_RATE_IN

UTTERANCES: tuple[str, ...] = (
    "I need grain free food for my senior cat",
    "Do you have wet food for a kitten with a sensitive stomach",
    "Show me Blue Buffalo dry food for large breed puppies",
    "My dog is eight years old and needs joint support",
    "What is the cheapest salmon kibble under thirty dollars",
    "I want Purina Pro Plan for my adult cat",
    "Find a limited ingredient diet without chicken",
    "Something for weight management for an indoor cat",
    "Compare the first two products",
    "Is there a high protein food for a small dog",
    "My puppy is three months old and very active",
    "Do you have Royal Canin urinary food for cats",
    "I need something cheaper please",
    "Show me only wet food",
    "Which one has the best rating",
    "Hill's Science Diet for a senior dog with kidney problems",
    "I am looking for freeze dried treats for my dog",
    "Tell me more about the second one",
    "Food for a cat with hairball problems",
    "Grain free turkey recipe for a medium dog under fifty dollars",
    "My kitten is twelve weeks old",
    "Something without peas or lentils",
)

_NUMBERS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20", "thirty": "30",
    "forty": "40", "fifty": "50", "first": "1st", "second": "2nd", "third": "3rd",
}  # fmt: skip


def normalize_words(text: str) -> list[str]:
    """Lower case, no punctuation, hyphens split, number words as digits ("Hill's" → "hills")."""
    text = text.lower().replace("'", "").replace("-", " ").replace("$", " ")
    words = re.sub(r"[^a-z0-9 ]+", " ", text).split()
    return [_NUMBERS.get(w, w) for w in words]


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize_words(reference), normalize_words(hypothesis)
    if not ref:
        return float(bool(hyp))
    return Levenshtein.distance(ref, hyp) / len(ref)


def corpus_wer(pairs: Sequence[tuple[str, str]]) -> float:
    """Word errors over all references' words."""
    errors = sum(Levenshtein.distance(normalize_words(r), normalize_words(h)) for r, h in pairs)
    return errors / max(1, sum(len(normalize_words(r)) for r, _ in pairs))


def resample(samples: np.ndarray, rate: int, target: int = SAMPLE_RATE_IN) -> np.ndarray:
    """Linear resampling (speech-band quality is enough for tests and benchmarks)."""
    if rate == target or samples.size == 0:
        return samples.astype(np.float32)
    n = round(samples.size * target / rate)
    x = np.linspace(0, samples.size - 1, n)
    resampled: np.ndarray = np.interp(x, np.arange(samples.size), samples).astype(np.float32)
    return resampled


def pcm16_to_float(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def float_to_pcm16(samples: np.ndarray) -> bytes:
    pcm: bytes = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    return pcm


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Mono float samples and rate of a PCM16 WAV file."""
    with wave.open(io.BytesIO(data)) as w:
        if w.getsampwidth() != 2:
            raise ValueError("only 16-bit WAV files are supported")
        pcm = w.readframes(w.getnframes())
        samples = pcm16_to_float(pcm)
        if w.getnchannels() > 1:
            samples = samples.reshape(-1, w.getnchannels()).mean(axis=1)
        return samples, w.getframerate()


def write_wav(samples: np.ndarray, rate: int = SAMPLE_RATE_IN) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(float_to_pcm16(samples))
    return buf.getvalue()


def with_silence(samples: np.ndarray, before_s: float, after_s: float, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """Pad with silence (and optional white noise at amplitude ``noise``), as a microphone stream would."""
    out = np.concatenate(
        [np.zeros(int(before_s * SAMPLE_RATE_IN)), samples, np.zeros(int(after_s * SAMPLE_RATE_IN))]
    ).astype(np.float32)
    if noise:
        out += np.random.default_rng(seed).normal(0.0, noise, out.size).astype(np.float32)
    return out
