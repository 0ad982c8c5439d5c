"""Voice fixtures: models loaded once per session, and real speech made with espeak-ng and piper."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from functools import cache

import numpy as np
import pytest

from aya.voice.evaluation import read_wav, resample
from aya.voice.stt import WhisperSTT
from aya.voice.tts import EspeakTTS, PiperTTS

Speak = Callable[[str], np.ndarray]


@pytest.fixture(scope="session")
def whisper() -> WhisperSTT:
    return WhisperSTT()


@pytest.fixture(scope="session")
def piper() -> PiperTTS:
    return PiperTTS()


@pytest.fixture(scope="session")
def espeak() -> EspeakTTS:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (make install-system)")
    return EspeakTTS()


@cache
def _espeak_16k(text: str) -> np.ndarray:
    wav = subprocess.run(["espeak-ng", "--stdout", "-v", "en-us", "--", text], check=True, capture_output=True).stdout
    samples, rate = read_wav(_fix_wav_sizes(wav))
    return resample(samples, rate)


def _fix_wav_sizes(wav: bytes) -> bytes:
    """espeak-ng writing to a pipe leaves the RIFF sizes at 0x7fffffff; set them from the real length."""
    data_at = wav.find(b"data") + 8
    fixed = bytearray(wav)
    fixed[4:8] = (len(wav) - 8).to_bytes(4, "little")
    fixed[data_at - 4 : data_at] = (len(wav) - data_at).to_bytes(4, "little")
    return bytes(fixed)


@pytest.fixture(scope="session")
def speak_espeak(espeak: EspeakTTS) -> Speak:
    """Robotic speech from espeak-ng, 16 kHz float32."""
    return _espeak_16k


@pytest.fixture(scope="session")
def speak_piper(piper: PiperTTS) -> Speak:
    """Neural speech from piper (the joe voice), 16 kHz float32."""

    @cache
    def speak(text: str) -> np.ndarray:
        pcm = b"".join(piper.synthesize(text))
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        return resample(samples, piper.sample_rate)

    return speak
