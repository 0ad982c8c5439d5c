/**
 * The Voice tab's mount point (placeholder). The voice work replaces this directory (`src/voice/**`); the contract
 * with the app shell is only this component's props.
 *
 * What is here: a microphone picker shell (enumerateDevices, remembered choice) and the session state the real tab
 * will drive (idle → listening → thinking → speaking, or error).
 */

import { useCallback, useEffect, useState } from "react";

export type VoiceState = "idle" | "listening" | "thinking" | "speaking" | "error";

export interface VoiceTabProps {
  /** "realtime" (OpenAI, through the server) or "offline" (the server's own pipeline), from /api/config. */
  mode: string;
  /** Identity headers for the server (same as the Text tab's). */
  headers: () => Record<string, string>;
  theme: "light" | "dark";
}

const DEVICE_KEY = "aya.voice.device";

export function VoiceTab({ mode }: VoiceTabProps) {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [deviceId, setDeviceId] = useState<string>(() => localStorage.getItem(DEVICE_KEY) ?? "");
  const [state] = useState<VoiceState>("idle");
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    if (!navigator.mediaDevices?.enumerateDevices) {
      setError("This browser cannot list microphones (a secure context, https or localhost, is needed).");
      return;
    }
    try {
      const all = await navigator.mediaDevices.enumerateDevices();
      setDevices(all.filter((d) => d.kind === "audioinput"));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, []);

  useEffect(() => {
    void refresh();
    navigator.mediaDevices?.addEventListener?.("devicechange", refresh);
    return () => navigator.mediaDevices?.removeEventListener?.("devicechange", refresh);
  }, [refresh]);

  return (
    <section className="voice-tab" aria-label="Talk with Aya">
      <h1>Voice</h1>
      <p className="voice-mode">Mode: {mode}</p>
      <label className="w-control">
        <span>Microphone</span>
        <select
          value={deviceId}
          onChange={(e) => {
            setDeviceId(e.target.value);
            localStorage.setItem(DEVICE_KEY, e.target.value);
          }}
        >
          <option value="">System default</option>
          {devices.map((d, i) => (
            <option key={d.deviceId || i} value={d.deviceId}>
              {d.label || `Microphone ${i + 1}`}
            </option>
          ))}
        </select>
      </label>
      <p className="voice-state" data-state={state}>
        {state === "idle" ? "Voice is coming soon." : state}
      </p>
      {error ? <p className="row-error">{error}</p> : null}
    </section>
  );
}
