"""Voice benchmark: end of speech → first audio byte over the real ``/voice/ws``, STT real-time factor, word errors.

Starts ``aya serve`` in a subprocess (temporary data dir, offline model, sample catalog) unless ``--url`` is given,
then, for each shopper utterance (made with piper's neural voice; ``--voices piper,espeak`` adds espeak-ng's), opens
a voice session and streams the utterance **in real time** (20 ms PCM16 messages, then silence, as a browser does).
Latency is measured from the moment the last voiced sample was sent to the arrival of the first byte of Aya's
speech; it includes the VAD's 600 ms silence window, speech-to-text, the assistant turn (through the ChatKit server,
saved in a thread) and text-to-speech of the first sentence. One session per utterance, so answers never overlap.

Speech-to-text is also measured in process on the same audio: real-time factor (decode time / audio length) and word
error rate, per voice.

    .venv/bin/python benchmarks/voice_bench.py [--voices piper,espeak] [--tts piper|espeak] [--catalog 2000]

Target on the 2-core machine: p50 ≤ 1.5 s (stretch 1.0 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import free_port, machine, percentile, summary_line, wait_ready

from aya.voice.evaluation import UTTERANCES, corpus_wer, float_to_pcm16, read_wav, resample
from aya.voice.frames import SAMPLE_RATE_IN
from aya.voice.stt import WhisperSTT
from aya.voice.tts import PiperTTS

CHUNK_S = 0.02
CHUNK_SAMPLES = int(SAMPLE_RATE_IN * CHUNK_S)


def speak(voice: str, text: str, piper: PiperTTS) -> np.ndarray:
    """16 kHz float speech of ``text`` in one of our voices."""
    if voice == "piper":
        pcm = b"".join(piper.synthesize(text))
        return resample(np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0, piper.sample_rate)
    wav = subprocess.run(["espeak-ng", "--stdout", "-v", "en-us", "--", text], check=True, capture_output=True).stdout
    data_at = wav.find(b"data") + 8
    fixed = bytearray(wav)
    fixed[4:8] = (len(wav) - 8).to_bytes(4, "little")
    fixed[data_at - 4 : data_at] = (len(wav) - data_at).to_bytes(4, "little")
    samples, rate = read_wav(bytes(fixed))
    return resample(samples, rate)


def last_voiced_s(speech: np.ndarray) -> float:
    loud = np.flatnonzero(np.abs(speech) > 0.01)
    return float(loud[-1] + 1) / SAMPLE_RATE_IN if loud.size else 0.0


async def one_turn(ws_url: str, speech: np.ndarray, lead_s: float = 0.3) -> dict[str, object]:
    """Stream one utterance in real time; returns latency (s), transcript and server-side timings."""
    noise = np.random.default_rng(0).normal(0, 0.002, int(lead_s * SAMPLE_RATE_IN)).astype(np.float32)
    audio = np.concatenate([noise, speech]).astype(np.float32)
    end_of_speech_offset = lead_s + last_voiced_s(speech)
    result: dict[str, object] = {}
    async with connect(ws_url, max_size=None) as ws:
        while json.loads(await ws.recv())["type"] != "state":
            pass
        first_audio = asyncio.get_running_loop().create_future()
        transcript: list[str] = []
        done = asyncio.Event()
        server_latency: list[float] = []
        timings: dict[str, float] = {}

        async def read() -> None:
            async for message in ws:
                if isinstance(message, bytes):
                    if not first_audio.done():
                        first_audio.set_result(time.perf_counter())
                    continue
                event = json.loads(message)
                if event["type"] == "transcript" and event["role"] == "user" and event.get("final", True):
                    transcript.append(event["text"])
                elif event["type"] == "response_done":
                    if event.get("latency_ms") is not None:
                        server_latency.append(event["latency_ms"] / 1000)
                    timings.update(event.get("timings") or {})
                    done.set()

        reader = asyncio.create_task(read())
        try:
            t0 = time.perf_counter()
            silence = np.zeros(CHUNK_SAMPLES, dtype=np.float32)
            i = 0
            while not first_audio.done():
                start = i * CHUNK_SAMPLES
                chunk = audio[start : start + CHUNK_SAMPLES] if start < audio.size else silence
                await ws.send(float_to_pcm16(chunk))
                i += 1
                delay = t0 + i * CHUNK_S - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                if i * CHUNK_S > end_of_speech_offset + 30:
                    raise TimeoutError("no answer within 30 s of the end of speech")
            result["latency_s"] = first_audio.result() - (t0 + end_of_speech_offset)
            await asyncio.wait_for(done.wait(), 60)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
    result["transcript"] = " ".join(transcript)
    result["detect_to_audio_s"] = server_latency[0] if server_latency else None
    result["timings"] = timings
    return result


def start_server(data_dir: Path, port: int, args: argparse.Namespace, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "AYA_DATA_DIR": str(data_dir),
        "AYA_MODEL_PROVIDER": "offline",
        "AYA_SAMPLE_CATALOG_SIZE": str(args.catalog),
        "AYA_EMBEDDER": args.embedder,
        "AYA_TTS_ENGINE": args.tts,
        "AYA_LOG_LEVEL": "WARNING",
    }
    env.pop("OPENAI_API_KEY", None)
    aya = Path(sys.executable).parent / "aya"
    command = [str(aya), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def fmt(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1000:.0f} ms, p99 {percentile(values, 99) * 1000:.0f} ms"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="benchmark a running server (http://host:port) instead of starting one")
    parser.add_argument("--voices", default="piper", help="voices of the utterances sent: piper, espeak or both")
    parser.add_argument("--tts", default="piper", choices=["piper", "espeak"], help="the server's TTS engine")
    parser.add_argument("--catalog", type=int, default=2000, help="sample catalog size when starting a server")
    parser.add_argument("--embedder", default="none", help="AYA_EMBEDDER of the started server (default none)")
    parser.add_argument(
        "--limit", type=int, default=0, help="only the first N utterances (quick look; ≥ 20 for figures)"
    )
    args = parser.parse_args()
    voices = [v.strip() for v in args.voices.split(",") if v.strip()]

    print(f"machine: {machine()}")
    piper = PiperTTS()
    speech = {voice: [speak(voice, text, piper) for text in UTTERANCES] for voice in ("piper", "espeak")}

    # --- speech-to-text in process: real-time factor and word error rate -------------------------------------------
    stt = WhisperSTT()
    stt.transcribe(speech["piper"][0])  # warm-up
    rtf: list[float] = []
    wer: dict[str, float] = {}
    for voice, clips in speech.items():
        pairs = []
        for text, clip in zip(UTTERANCES, clips, strict=True):
            padded = np.concatenate([np.zeros(4800, np.float32), clip, np.zeros(4800, np.float32)])
            t = time.perf_counter()
            heard = stt.transcribe(padded)
            rtf.append((time.perf_counter() - t) / (padded.size / SAMPLE_RATE_IN))
            pairs.append((text, heard))
        wer[voice] = corpus_wer(pairs)
    print(f"STT (faster-whisper tiny.en int8, {len(UTTERANCES)} utterances x 2 voices):")
    print(f"  real-time factor: median {statistics.median(rtf):.3f}, p99 {percentile(rtf, 99):.3f}")
    for voice, value in wer.items():
        print(f"  word error rate ({voice} voice): {value:.1%}")

    # --- end of speech → first audio byte over the real WebSocket -------------------------------------------------
    tmp = tempfile.TemporaryDirectory(prefix="aya-voice-bench-")
    proc = None
    url = args.url
    try:
        if url is None:
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            log = Path(tmp.name) / "server.log"
            print(f"starting aya serve on {url} (offline model, {args.catalog} sample products, tts {args.tts})")
            proc = start_server(Path(tmp.name) / "data", port, args, log)
            await wait_ready(url, proc, log, limit_s=900)
        ws_url = url.replace("http", "ws", 1) + "/voice/ws?user_id=voice-bench"
        await one_turn(ws_url, speech["piper"][0])  # warm-up: loads the speech models in the server
        latencies: list[float] = []
        server_side: list[float] = []
        parts: dict[str, list[float]] = {"stt_ms": [], "assistant_ms": [], "tts_ms": []}
        pairs: list[tuple[str, str]] = []
        for voice in voices:
            chosen = list(zip(UTTERANCES, speech[voice], strict=True))[: args.limit or None]
            for text, clip in chosen:
                r = await one_turn(ws_url, clip)
                latencies.append(float(r["latency_s"]))  # type: ignore[arg-type]
                if r["detect_to_audio_s"] is not None:
                    server_side.append(float(r["detect_to_audio_s"]))  # type: ignore[arg-type]
                pairs.append((text, str(r["transcript"])))
                for key, value in dict(r["timings"]).items():  # type: ignore[call-overload]
                    parts.setdefault(key, []).append(value / 1000)
                print(f"  {float(r['latency_s']) * 1000:6.0f} ms  {voice:6s} {text!r} -> {r['transcript']!r}")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)
        tmp.cleanup()

    e2e_wer = corpus_wer(pairs)
    print(f"end of speech → first audio byte over /voice/ws ({len(latencies)} turns, voices {','.join(voices)}):")
    print(f"  {fmt(latencies)}  (target p50 ≤ 1500 ms, stretch 1000 ms)")
    if server_side:
        print(f"  of which end of speech detected → first audio sent (server): {fmt(server_side)}")
    for key, label in (("stt_ms", "speech-to-text after the VAD end"), ("assistant_ms", "assistant to first sentence"),
                       ("tts_ms", "text-to-speech of the first sentence")):  # fmt: skip
        if parts.get(key):
            print(f"    {label}: {fmt(parts[key])}")
    print(f"  transcripts through the pipeline (VAD cut + STT): word error rate {e2e_wer:.1%}")
    print(f"  server catalog: {args.catalog if args.url is None else 'external'} sample products, TTS {args.tts}")
    print(
        summary_line(
            "voice",
            {
                "turns": len(latencies),
                "eos_to_first_audio_p50_ms": round(statistics.median(latencies) * 1000),
                "eos_to_first_audio_p99_ms": round(percentile(latencies, 99) * 1000),
                "server_detect_to_audio_p50_ms": round(statistics.median(server_side) * 1000) if server_side else "nan",
                "stt_rtf_p50": round(statistics.median(rtf), 3),
                "wer_piper": round(wer["piper"], 3),
                "wer_espeak": round(wer["espeak"], 3),
                "wer_pipeline": round(e2e_wer, 3),
                "tts": args.tts,
            },
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
