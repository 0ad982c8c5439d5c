/**
 * The Voice tab: pick a microphone, start talking, see both sides transcribed and the products Aya mentions.
 *
 * The engine follows the server's configuration (`mode` from /api/config): "realtime" uses OpenAI Realtime over
 * WebRTC (the server mints the ephemeral secret and runs the tools); anything else uses the server's own offline
 * pipeline over `/voice/ws`. Offline turns are saved in the shopper's ChatKit thread, so the Text tab shows them.
 *
 * Staff (only) also get a "Talk to" switch: Aya Ops, the staff assistant, over the same engines (`/voice/ws?assistant=
 * ops`, or a Realtime session with Aya Ops' tools relayed to `/api/ops/tools/{name}`); its task cards appear and are
 * replaced in place as their tasks move on, and their buttons (Approve, Deny, Cancel, Retry) act on the Aya Ops thread.
 * Where the browser has the Web Speech API, its own recognition and speech can be chosen as the engine instead.
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
import type { ProductCard, TranscriptLine, VoiceAssistant, VoiceEngine, VoiceState } from "./types";
import { usableSpeech, WebSpeechVoice, type SpeechSupport } from "./webspeech";
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
  /** The caller is staff or admin (the server said so): the tab offers Aya Ops. Shoppers never see the switch. */
  staff?: boolean;
  /** The ChatKit client of Aya Ops (`/ops/chatkit`), for staff. */
  opsClient?: ChatKitClient;
}

interface Card {
  itemId: string;
  widget: WidgetComponent;
}

/** Cards in order of first appearance; a card with a known id replaces the old one in place. */
function withCard(cards: Card[], card: Card): Card[] {
  const at = cards.findIndex((c) => c.itemId === card.itemId);
  if (at < 0) return [...cards, card].slice(-12);
  const next = cards.slice();
  next[at] = card;
  return next;
}

const DEVICE_KEY = "aya.voice.device";
/** The Text tab's current conversation: voice turns continue it (and a thread voice starts becomes it). */
const THREAD_KEY = "aya.last_thread";
/** Aya Ops' voice conversation (staff): kept apart from the shopper-side thread. */
const OPS_THREAD_KEY = "aya.ops.voice_thread";
const ASSISTANT_KEY = "aya.voice.assistant";
const ENGINE_KEY = "aya.voice.engine";
type EngineChoice = "server" | "browser";

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

export function VoiceTab({ mode, headers, theme, client, staff = false, opsClient }: VoiceTabProps) {
  const realtime = mode === "realtime";
  const [chosenAssistant, setChosenAssistant] = useState<VoiceAssistant>(() =>
    localStorage.getItem(ASSISTANT_KEY) === "ops" ? "ops" : "aya",
  );
  // Aya Ops only for staff with its client: for anyone else the choice does not exist, whatever was stored.
  const assistant: VoiceAssistant = staff && opsClient && chosenAssistant === "ops" ? "ops" : "aya";
  const ops = assistant === "ops";
  const threadKey = ops ? OPS_THREAD_KEY : THREAD_KEY;
  const chat = ops ? opsClient : client;
  // The browser's own speech, found out once after mounting (undefined: still checking).
  const [speech, setSpeech] = useState<SpeechSupport | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void usableSpeech().then((s) => live && setSpeech(s));
    return () => {
      live = false;
    };
  }, []);
  const [engineChoice, setEngineChoice] = useState<EngineChoice>(() =>
    localStorage.getItem(ENGINE_KEY) === "browser" ? "browser" : "server",
  );
  const browserEngine = !!speech && engineChoice === "browser" && chat !== undefined;
  const [cards, setCards] = useState<Card[]>([]);
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
    (result: VoiceTextResult, showText = true) => {
      if (result.threadId) localStorage.setItem(threadKey, result.threadId);
      if (result.text && showText) {
        addLine({ id: `typed-a-${++typedCount}`, role: "assistant", text: result.text, final: true });
      }
      if (ops) {
        setCards((old) => result.widgets.reduce(withCard, old));
        return;
      }
      if (result.widget) {
        setWidget(result.widget);
        setWidgetItemId(result.widgetItemId);
      }
      window.dispatchEvent(new CustomEvent("aya:thread-changed"));
    },
    [addLine, ops, threadKey],
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
    if (!text || !chat || busy) return;
    setTyped("");
    addLine({ id: `typed-u-${++typedCount}`, role: "user", text, final: true });
    await runText(() => sendTyped(chat, localStorage.getItem(threadKey), text));
  };

  const onCardAction = (action: ActionConfig, itemId: string | null) => {
    const threadId = localStorage.getItem(threadKey);
    if (!chat || !threadId || action.handler === "client" || busy) return;
    void runText(() => sendAction(chat, threadId, action, itemId ?? widgetItemId));
  };

  /** Aya or Aya Ops (staff): a new conversation on screen; each keeps its own thread. */
  const chooseAssistant = (next: VoiceAssistant) => {
    setChosenAssistant(next);
    localStorage.setItem(ASSISTANT_KEY, next);
    setLines([]);
    setProducts([]);
    setWidget(null);
    setCards([]);
    setError(null);
  };

  const chooseEngine = (next: EngineChoice) => {
    setEngineChoice(next);
    localStorage.setItem(ENGINE_KEY, next);
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
      onThread: (id: string) => localStorage.setItem(threadKey, id),
      onProducts: (p: ProductCard[], w: WidgetComponent | null) => {
        setProducts(p);
        setWidget(w);
        setWidgetItemId(null);
      },
      onCard: (itemId: string, w: WidgetComponent) => setCards((old) => withCard(old, { itemId, widget: w })),
      onTranscript: addLine,
    };
    const chosen = deviceId || null;
    const options = { deviceId: chosen, headers, threadId: localStorage.getItem(threadKey), assistant };
    let voice: VoiceEngine;
    if (browserEngine && speech && chat) {
      // The browser hears and speaks; each phrase is a typed turn on the same thread (cards and all).
      const respond = async (text: string) => {
        const result = await sendTyped(chat, localStorage.getItem(threadKey), text);
        showResult(result, false);
        return result.text;
      };
      voice = new WebSpeechVoice({ support: speech, respond }, callbacks);
    } else {
      voice = realtime ? new RealtimeVoice(options, callbacks) : new OfflineVoice(options, callbacks);
    }
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
    <section
      className="voice-tab"
      aria-label={ops ? "Talk with Aya Ops" : "Talk with Aya"}
      data-voice-mode={browserEngine ? "browser" : realtime ? "realtime" : "offline"}
      data-assistant={assistant}
      data-browser-speech={speech === undefined ? "checking" : speech ? "available" : "unavailable"}
    >
      {/* Controls and status stay on screen however long the transcript grows. */}
      <div className="voice-bar">
      <div className="voice-head">
        <h1>{ops ? "Talk with Aya Ops" : "Talk with Aya"}</h1>
        <span className="voice-mode">
          {browserEngine ? "Browser speech" : realtime ? "OpenAI Realtime" : "Offline voice"}
        </span>
      </div>

      {staff && opsClient ? (
        <div className="voice-assistant" role="radiogroup" aria-label="Talk to">
          {(["aya", "ops"] as const).map((a) => (
            <button
              key={a}
              type="button"
              role="radio"
              aria-checked={assistant === a}
              className={`voice-choice${assistant === a ? " active" : ""}`}
              disabled={running}
              onClick={() => chooseAssistant(a)}
            >
              {a === "ops" ? "Aya Ops (staff)" : "Aya"}
            </button>
          ))}
        </div>
      ) : null}

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
        {speech && chat ? (
          <label className="voice-device voice-engine">
            <span>Voice engine</span>
            <select value={engineChoice} onChange={(e) => chooseEngine(e.target.value as EngineChoice)} disabled={running}>
              <option value="server">{realtime ? "OpenAI Realtime" : "The store's (offline)"}</option>
              <option value="browser">This browser's speech</option>
            </select>
          </label>
        ) : null}
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
            <span className="voice-who">{l.role === "user" ? "You" : ops ? "Aya Ops" : "Aya"}</span>
            {l.role === "assistant" && l.final ? (
              // Aya's final line is her whole written answer (as saved in the thread): render its markdown safely
              <Markdown text={l.text} className="voice-text" />
            ) : (
              <span className="voice-text">{l.text}</span>
            )}
            {l.role === "user" && l.final && chat ? (
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

      {ops && cards.length ? (
        <section className="voice-products voice-task-cards" aria-label="Tasks Aya Ops started">
          {cards.map((c) => (
            <div key={c.itemId} className="voice-task-card" data-item-id={c.itemId}>
              <Widget widget={c.widget} itemId={c.itemId} theme={theme} onAction={onCardAction} busy={busy} />
            </div>
          ))}
        </section>
      ) : null}

      {chat ? (
        <form
          className="voice-type"
          onSubmit={(e) => {
            e.preventDefault();
            void sendTypedText();
          }}
        >
          <label htmlFor="voice-typed">Misheard, or rather type? Write to {ops ? "Aya Ops" : "Aya"} here</label>
          <div className="voice-type-row">
            <input
              id="voice-typed"
              ref={typedRef}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              placeholder={ops ? "e.g. run the tests" : "e.g. grain free food for my senior cat"}
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
