/**
 * Dictation for the composer: record from the microphone, send the audio as `input.transcribe`, put the text in the
 * composer. Hidden when the browser cannot record; disabled for the session when the server has no speech-to-text.
 */

import { useEffect, useRef, useState } from "react";
import { ChatKitHttpError } from "../chatkit/client";
import { Icon } from "../components/Icon";

const MAX_MS = 60_000;
const SLICE_MS = 250;

type Phase = "idle" | "recording" | "transcribing" | "unavailable";

export function DictateButton({
  transcribe,
  onText,
  disabled,
}: {
  transcribe: (audio: Blob) => Promise<string>;
  onText: (text: string) => void;
  disabled?: boolean;
}) {
  const [phase, setPhase] = useState<Phase>("idle");
  const [error, setError] = useState<string | null>(null);
  const [recordedMs, setRecordedMs] = useState(0);
  const recorder = useRef<MediaRecorder | null>(null);

  useEffect(() => () => recorder.current?.stop(), []);

  if (typeof MediaRecorder === "undefined" || !navigator.mediaDevices?.getUserMedia) return null;

  const start = async () => {
    setError(null);
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    } catch (e) {
      setError(e instanceof DOMException && e.name === "NotAllowedError" ? "Microphone permission was denied." : "No microphone is available.");
      return;
    }
    const chunks: Blob[] = [];
    const rec = new MediaRecorder(stream);
    recorder.current = rec;
    setRecordedMs(0);
    rec.ondataavailable = (e) => {
      if (e.data.size > 0) chunks.push(e.data);
      setRecordedMs((ms) => ms + SLICE_MS);
    };
    rec.onstop = async () => {
      stream.getTracks().forEach((t) => t.stop());
      recorder.current = null;
      const audio = new Blob(chunks, { type: rec.mimeType || "audio/webm" });
      if (audio.size === 0) return setPhase("idle");
      setPhase("transcribing");
      try {
        const text = (await transcribe(audio)).trim();
        if (text) onText(text);
        else setError("Nothing was heard.");
        setPhase("idle");
      } catch (e) {
        const unavailable = e instanceof ChatKitHttpError && e.status === 503;
        setError(unavailable ? "Dictation is not available on this server." : `Dictation failed: ${e instanceof Error ? e.message : e}`);
        setPhase(unavailable ? "unavailable" : "idle");
      }
    };
    rec.start(SLICE_MS);
    setPhase("recording");
    window.setTimeout(() => rec.state === "recording" && rec.stop(), MAX_MS);
  };

  const recording = phase === "recording";
  return (
    <>
      <button
        type="button"
        className={`icon-button dictate${recording ? " recording" : ""}`}
        aria-label={recording ? "Stop dictation" : "Dictate"}
        aria-pressed={recording}
        title={phase === "unavailable" ? "Dictation is not available" : recording ? "Stop and transcribe" : "Dictate"}
        disabled={disabled || phase === "transcribing" || phase === "unavailable"}
        data-phase={phase}
        data-recorded-ms={recordedMs}
        onClick={() => (recording ? recorder.current?.stop() : void start())}
      >
        {phase === "transcribing" ? <span className="dots" aria-hidden="true"><i /><i /><i /></span> : <Icon name={recording ? "stop" : "mic"} />}
      </button>
      {error ? (
        <span className="dictate-error" role="status">
          {error}
        </span>
      ) : null}
    </>
  );
}
