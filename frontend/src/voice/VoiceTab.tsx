/**
 * The Voice tab: pick a microphone, start talking, see both sides transcribed and the products Aya mentions.
 *
 * The engine follows the server's configuration (`mode` from /api/config): "realtime" uses OpenAI Realtime over
 * WebRTC (the server mints the ephemeral secret and runs the tools); anything else uses the server's own offline
 * pipeline over `/voice/ws`. Offline turns are saved in the shopper's ChatKit thread, so the Text tab shows them.
 */

import { useCallback, useEffect, useRef, useState } from "react";
import type { ChatKitClient } from "../chatkit/client";
import type { ActionConfig, WidgetComponent } from "../chatkit/types";
import { Markdown } from "../components/Markdown";
import { Widget } from "../widgets/Widget";
import { VoiceError } from "./microphone";
import { OfflineVoice } from "./offline";
import { RealtimeVoice } from "./realtime";
import { sendAction, sendTyped, type VoiceTextResult } from "./typed";
import type { ProductCard, TranscriptLine, VoiceEngine, VoiceState } from "./types";
import "./voice.css";

export type { VoiceState } from "./types";

export interface VoiceTabProps {
  /** "realtime" (OpenAI, through the server) or "offline" (the server's own pipeline), from /api/config. */
  mode: string;
  /** Identity headers for the server (same as the Text tab's). */
  headers: () => Record<string, string>;
  theme: "light" | "dark";
  /** The ChatKit client: typed messages and the cards' actions go to the same thread as the voice turns. */
  client?: ChatKitClient;
}

const DEVICE_KEY = "aya.voice.device";
/** The Text tab's current conversation: voice turns continue it (and a thread voice starts becomes it). */
const THREAD_KEY = "aya.last_thread";

const STATE_TEXT: Record<VoiceState, string> = {
  idle: "Press Start and talk to Aya.",
  connecting: "Connecting…",
  listening: "Listening…",
  user_speaking: "You're speaking…",
  thinking: "Aya is thinking…",
  speaking: "Aya is speaking. Talk to interrupt her.",
  error: "Voice stopped.",
};

function message(e: unknown): string {
  if (e instanceof VoiceError) return e.message;
  return `Voice failed: ${e instanceof Error ? e.message : String(e)}`;
}

function price(p: ProductCard): string {
  return typeof p.price === "number" ? `$${p.price.toFixed(2)}` : "";
}

function Cards({ products }: { products: ProductCard[] }) {
  return (
    <ul className="voice-cards">
      {products.map((p) => (
        <li key={p.id} className="voice-card" data-product-id={p.id}>
          {p.image_url ? <img src={p.image_url} alt="" loading="lazy" /> : <span className="voice-card-img">🐾</span>}
          <div>
            <div className="voice-card-title">{p.title ?? p.id}</div>
            <div className="voice-card-meta">
              {[p.brand, price(p), typeof p.rating === "number" ? `★ ${p.rating.toFixed(1)}` : ""]
                .filter(Boolean)
                .join(" · ")}
            </div>
          </div>
        </li>
      ))}
    </ul>
  );
}

let typedCount = 0;

export function VoiceTab({ mode, headers, theme, client }: VoiceTabProps) {
  const realtime = mode === "realtime";
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [deviceId, setDeviceId] = useState<string>(() => localStorage.getItem(DEVICE_KEY) ?? "");
  const [state, setState] = useState<VoiceState>("idle");
  const [error, setError] = useState<string | null>(null);
  const [level, setLevel] = useState(0);
  const [muted, setMuted] = useState(false);
  const [lines, setLines] = useState<TranscriptLine[]>([]);
  const [products, setProducts] = useState<ProductCard[]>([]);
  const [widget, setWidget] = useState<WidgetComponent | null>(null);
  const [widgetItemId, setWidgetItemId] = useState<string | null>(null);
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const typedRef = useRef<HTMLInputElement>(null);
  const engine = useRef<VoiceEngine | null>(null);

  const addLine = useCallback(
    (line: TranscriptLine) =>
      setLines((old) => {
        const at = old.findIndex((l) => l.id === line.id);
        if (at < 0) return [...old, line].slice(-50);
        const next = old.slice();
        next[at] = line;
        return next;
      }),
    [],
  );

  /** A typed message or a card action ran in the thread: show Aya's answer and the new cards, tell the Text tab. */
  const showResult = useCallback(
    (result: VoiceTextResult) => {
      if (result.threadId) localStorage.setItem(THREAD_KEY, result.threadId);
      if (result.text) addLine({ id: `typed-a-${++typedCount}`, role: "assistant", text: result.text, final: true });
      if (result.widget) {
        setWidget(result.widget);
        setWidgetItemId(result.widgetItemId);
      }
      window.dispatchEvent(new CustomEvent("aya:thread-changed"));
    },
    [addLine],
  );

  const runText = async (work: () => Promise<VoiceTextResult>) => {
    setBusy(true);
    setError(null);
    try {
      showResult(await work());
    } catch (e) {
      setError(`Aya could not answer: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };

  const sendTypedText = async () => {
    const text = typed.trim();
    if (!text || !client || busy) return;
    setTyped("");
    addLine({ id: `typed-u-${++typedCount}`, role: "user", text, final: true });
    await runText(() => sendTyped(client, localStorage.getItem(THREAD_KEY), text));
  };

  const onCardAction = (action: ActionConfig, itemId: string | null) => {
    const threadId = localStorage.getItem(THREAD_KEY);
    if (!client || !threadId || action.handler === "client" || busy) return;
    void runText(() => sendAction(client, threadId, action, itemId ?? widgetItemId));
  };

  /** Correct a misheard line: its words go to the box, to be fixed and sent as typed text. */
  const correct = (line: TranscriptLine) => {
    setTyped(line.text);
    typedRef.current?.focus();
  };

  const refresh = useCallback(async () => {
    if (!navigator.mediaDevices?.enumerateDevices) {
      setError("This browser cannot list microphones (a secure context, https or localhost, is needed).");
      return;
    }
    try {
      const all = await navigator.mediaDevices.enumerateDevices();
      const inputs = all.filter((d) => d.kind === "audioinput");
      setDevices(inputs);
      if (deviceId && !inputs.some((d) => d.deviceId === deviceId)) setDeviceId("");
    } catch (e) {
      setError(message(e));
    }
  }, [deviceId]);

  useEffect(() => {
    void refresh();
    navigator.mediaDevices?.addEventListener?.("devicechange", refresh);
    return () => navigator.mediaDevices?.removeEventListener?.("devicechange", refresh);
  }, [refresh]);

  useEffect(() => () => void engine.current?.stop(), []);

  const start = async () => {
    setError(null);
    const callbacks = {
      onState: setState,
      onLevel: setLevel,
      onError: (m: string) => setError(m),
      onThread: (id: string) => localStorage.setItem(THREAD_KEY, id),
      onProducts: (p: ProductCard[], w: WidgetComponent | null) => {
        setProducts(p);
        setWidget(w);
        setWidgetItemId(null);
      },
      onTranscript: addLine,
    };
    const chosen = deviceId || null;
    const voice: VoiceEngine = realtime
      ? new RealtimeVoice({ deviceId: chosen, headers, threadId: localStorage.getItem(THREAD_KEY) }, callbacks)
      : new OfflineVoice({ deviceId: chosen, headers, threadId: localStorage.getItem(THREAD_KEY) }, callbacks);
    engine.current = voice;
    try {
      await voice.start();
      voice.setMuted(muted);
      void refresh(); // device labels appear once permission is granted
    } catch (e) {
      engine.current = null;
      await voice.stop();
      setError(message(e));
      setState("error");
    }
  };

  const stop = async () => {
    const voice = engine.current;
    engine.current = null;
    await voice?.stop();
  };

  const toggleMute = () => {
    const next = !muted;
    setMuted(next);
    engine.current?.setMuted(next);
  };

  const chooseDevice = (id: string) => {
    setDeviceId(id);
    if (id) localStorage.setItem(DEVICE_KEY, id);
    else localStorage.removeItem(DEVICE_KEY);
  };

  const running = state !== "idle" && state !== "error";

  return (
    <section className="voice-tab" aria-label="Talk with Aya" data-voice-mode={realtime ? "realtime" : "offline"}>
      {/* Controls and status stay on screen however long the transcript grows. */}
      <div className="voice-bar">
      <div className="voice-head">
        <h1>Talk with Aya</h1>
        <span className="voice-mode">{realtime ? "OpenAI Realtime" : "Offline voice"}</span>
      </div>

      <div className="voice-controls">
        <label className="voice-device">
          <span>Microphone</span>
          <select value={deviceId} onChange={(e) => chooseDevice(e.target.value)} disabled={running}>
            <option value="">Default microphone</option>
            {devices
              .filter((d) => d.deviceId && d.deviceId !== "default")
              .map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label || `Microphone ${i + 1}`}
                </option>
              ))}
          </select>
        </label>
        {running ? (
          <button type="button" className="voice-button stop" onClick={() => void stop()}>
            Stop
          </button>
        ) : (
          <button type="button" className="voice-button start" onClick={() => void start()}>
            Start
          </button>
        )}
        <button type="button" className="voice-button" aria-pressed={muted} onClick={toggleMute} disabled={!running}>
          {muted ? "Unmute" : "Mute"}
        </button>
      </div>

      <div className="voice-status" data-state={state} aria-live="polite">
        <div
          className="voice-meter"
          role="meter"
          aria-label="Microphone level"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(level * 100)}
        >
          <div className="voice-meter-fill" style={{ width: `${Math.round(level * 100)}%` }} />
        </div>
        <span className="voice-state">{muted && running ? "Muted." : STATE_TEXT[state]}</span>
      </div>
      </div>

      {error ? (
        <div className="error-banner voice-error" role="alert">
          {error}
        </div>
      ) : null}

      <ol className="voice-transcript" aria-label="Transcript">
        {lines.map((l) => (
          <li key={l.id} className={`voice-line ${l.role}`} data-role={l.role} data-final={l.final}>
            <span className="voice-who">{l.role === "user" ? "You" : "Aya"}</span>
            {l.role === "assistant" && l.final ? (
              // Aya's final line is her whole written answer (as saved in the thread): render its markdown safely
              <Markdown text={l.text} className="voice-text" />
            ) : (
              <span className="voice-text">{l.text}</span>
            )}
            {l.role === "user" && l.final && client ? (
              <button type="button" className="text-button voice-correct" aria-label={`Correct “${l.text}”`} onClick={() => correct(l)}>
                Edit
              </button>
            ) : null}
          </li>
        ))}
      </ol>

      {products.length || widget ? (
        <section className="voice-products" aria-label="Products Aya mentioned">
          {widget ? (
            <Widget widget={widget} itemId={widgetItemId} theme={theme} onAction={onCardAction} busy={busy} />
          ) : (
            <Cards products={products} />
          )}
        </section>
      ) : null}

      {client ? (
        <form
          className="voice-type"
          onSubmit={(e) => {
            e.preventDefault();
            void sendTypedText();
          }}
        >
          <label htmlFor="voice-typed">Misheard, or rather type? Write to Aya here</label>
          <div className="voice-type-row">
            <input
              id="voice-typed"
              ref={typedRef}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              placeholder="e.g. grain free food for my senior cat"
              autoComplete="off"
            />
            <button type="submit" className="voice-button start" disabled={busy || !typed.trim()}>
              {busy ? "Sending…" : "Send"}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
