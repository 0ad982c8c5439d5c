/**
 * The OpenAI Realtime engine: the server mints an ephemeral client secret (`POST /voice/realtime/session`; the API
 * key never reaches the browser), the browser talks to OpenAI over WebRTC with `@openai/agents-realtime`, and every
 * tool call runs on our server (`POST /api/tools/{name}`, authenticated and validated there).
 *
 * The session is configured from the mint answer, so the browser's `session.update` repeats the server's choices
 * instead of the SDK's defaults: transcription model and language, and tracing (off unless the server says so; the
 * SDK would otherwise turn it on with "auto"). States, transcripts and errors: see `realtimeEvents.ts`.
 */

import { openMicrophone, VoiceError } from "./microphone";
import { messagesOf, RealtimeStates, readableError, TranscriptOrder, type HistoryItem, type Message } from "./realtimeEvents";
import type { WidgetComponent } from "../chatkit/types";
import type { ProductCard, VoiceAssistant, VoiceCallbacks, VoiceEngine } from "./types";

export interface RealtimeOptions {
  deviceId: string | null;
  headers: () => Record<string, string>;
  /** The shopper's current thread: finished transcripts are saved into it (a new one when null). */
  threadId: string | null;
  /** "ops": Aya Ops' session (staff): its tools run through `POST /api/ops/tools/{name}` in the ops thread. */
  assistant?: VoiceAssistant;
}

/** What the Aya Ops relay answers: the tool's output for the model, the thread, the task cards. */
export interface RelayAnswer {
  thread_id: string;
  output: string;
  cards: { item_id: string; widget: WidgetComponent }[];
}

/** Where a tool call goes: the shop's tools, or Aya Ops' relay in the staff member's ops thread. */
export function toolUrl(name: string, assistant: VoiceAssistant, threadId: string | null): string {
  const tool = encodeURIComponent(name);
  if (assistant !== "ops") return `/api/tools/${tool}`;
  return threadId ? `/api/ops/tools/${tool}?thread_id=${encodeURIComponent(threadId)}` : `/api/ops/tools/${tool}`;
}

interface MintedSession {
  client_secret: string;
  expires_at: number;
  model: string;
  voice: string;
  instructions: string;
  tools: { name: string; description: string; parameters: Record<string, unknown> }[];
  turn_detection: Record<string, unknown>;
  transcription: { model: string; language?: string };
  tracing: boolean;
  tracing_workflow?: string | null;
}

/** Products inside a tool result (search results, recommendation picks, comparisons, similar products). */
export function productsInResult(result: unknown): ProductCard[] {
  if (!result || typeof result !== "object") return [];
  const r = result as Record<string, unknown>;
  const list: unknown[] = [];
  if (Array.isArray(r.products)) list.push(...r.products);
  if (Array.isArray(r.picks)) list.push(...r.picks.map((p) => (p as { product?: unknown }).product));
  if (r.base) list.push(r.base);
  if (typeof r.id === "string" && typeof r.title === "string") list.push(r);
  return list.filter((p): p is ProductCard => !!p && typeof (p as ProductCard).id === "string");
}

async function mint(headers: Record<string, string>, assistant: VoiceAssistant): Promise<MintedSession> {
  let response: Response;
  try {
    const url = assistant === "ops" ? "/voice/realtime/session?assistant=ops" : "/voice/realtime/session";
    response = await fetch(url, { method: "POST", headers });
  } catch {
    throw new VoiceError("Cannot reach the voice server. Check that Aya is running and try again.");
  }
  const body = (await response.json().catch(() => ({}))) as Partial<MintedSession> & { message?: string };
  if (!response.ok) throw new VoiceError(body.message ?? `Could not start a voice session (HTTP ${response.status}).`);
  return body as MintedSession;
}

export class RealtimeVoice implements VoiceEngine {
  private stream: MediaStream | null = null;
  private ctx: AudioContext | null = null;
  private timer: number | null = null;
  private session: { close(): void; mute(m: boolean): void } | null = null;
  private muted = false;
  private order = new TranscriptOrder();
  private history: HistoryItem[] = [];
  private failedTranscripts = new Set<string>();
  private states = new RealtimeStates();
  private saving: Promise<void> = Promise.resolve();
  private threadId: string | null;
  private readonly assistant: VoiceAssistant;

  constructor(
    private readonly options: RealtimeOptions,
    private readonly cb: VoiceCallbacks,
  ) {
    this.threadId = options.threadId;
    this.assistant = options.assistant ?? "aya";
  }

  /** An Aya Ops tool's answer: its cards on screen, its thread remembered; the model reads the tool's output. */
  private relayed(body: RelayAnswer): string {
    if (body.thread_id && body.thread_id !== this.threadId) {
      this.threadId = body.thread_id;
      this.cb.onThread?.(body.thread_id);
    }
    for (const card of body.cards ?? []) this.cb.onCard?.(card.item_id, card.widget);
    return body.output;
  }

  /** Show the history's transcripts and save the finished ones, in conversation order. */
  private onHistory(history: HistoryItem[]): void {
    this.history = history;
    const messages = messagesOf(history, this.failedTranscripts);
    for (const m of messages) {
      // The shopper's line appears (as "…") as soon as they spoke, so lines stay in conversation order even when
      // the transcription completes after Aya's answer.
      const text = m.text || (m.role !== "user" ? "" : m.pending ? "…" : this.failedTranscripts.has(m.id) ? "(not transcribed)" : "");
      if (text) this.cb.onTranscript({ id: m.id, role: m.role, text, final: !m.pending });
    }
    for (const m of this.order.ready(messages)) this.save(m);
  }

  /** Save a finished transcript into the shopper's ChatKit thread, in order (one request at a time). */
  private save({ role, text }: Message): void {
    this.saving = this.saving.then(async () => {
      try {
        const response = await fetch("/voice/realtime/items", {
          method: "POST",
          headers: { ...this.options.headers(), "content-type": "application/json" },
          body: JSON.stringify({ thread_id: this.threadId, role, text, assistant: this.assistant }),
        });
        if (!response.ok) return;
        const { thread_id } = (await response.json()) as { thread_id: string };
        this.threadId = thread_id;
        this.cb.onThread?.(thread_id);
      } catch {
        /* the transcript stays on screen; saving is best effort */
      }
    });
  }

  /** Aya Ops' tool calls join the transcripts' queue: one thread, and its items in conversation order. */
  private inOrder<T>(work: () => Promise<T>): Promise<T> {
    const run = this.saving.then(work);
    this.saving = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** One tool call on our server (authenticated and validated there); its answer is what the model reads. */
  private async callTool(name: string, args: unknown): Promise<string> {
    try {
      const response = await fetch(toolUrl(name, this.assistant, this.threadId), {
        method: "POST",
        headers: { ...this.options.headers(), "content-type": "application/json" },
        body: JSON.stringify(args ?? {}),
      });
      const body: unknown = await response.json().catch(() => ({}));
      if (!response.ok) return `The tool failed: ${(body as { message?: string }).message ?? response.status}`;
      if (this.assistant === "ops") return this.relayed(body as RelayAnswer);
      const products = productsInResult(body);
      if (products.length) this.cb.onProducts(products, null);
      return JSON.stringify(body);
    } catch {
      return "The tool failed: the store's server did not answer.";
    }
  }

  async start(): Promise<void> {
    this.cb.onState("connecting");
    this.stream = await openMicrophone(this.options.deviceId);
    this.meter(this.stream);
    const minted = await mint(this.options.headers(), this.assistant);
    const { RealtimeAgent, RealtimeSession, OpenAIRealtimeWebRTC, tool } = await import("@openai/agents-realtime");
    const tools = minted.tools.map((t) =>
      tool({
        name: t.name,
        description: t.description,
        parameters: t.parameters as never,
        strict: true,
        execute: async (args: unknown) => {
          this.cb.onState(this.states.toolStarted());
          try {
            return this.assistant === "ops" ? await this.inOrder(() => this.callTool(t.name, args)) : await this.callTool(t.name, args);
          } finally {
            this.cb.onState(this.states.toolFinished());
          }
        },
      }),
    );
    const agent = new RealtimeAgent({ name: this.assistant === "ops" ? "Aya Ops" : "Aya", instructions: minted.instructions, tools });
    const session = new RealtimeSession(agent, {
      transport: new OpenAIRealtimeWebRTC({ mediaStream: this.stream }),
      model: minted.model,
      // Realtime tracing only when the server enables it (the SDK's default would send tracing "auto").
      tracingDisabled: !minted.tracing,
      ...(minted.tracing && minted.tracing_workflow ? { workflowName: minted.tracing_workflow } : {}),
      config: {
        audio: {
          input: { turnDetection: minted.turn_detection, transcription: minted.transcription },
          output: { voice: minted.voice },
        },
      },
    });
    session.on("history_updated", (history) => this.onHistory(history as HistoryItem[]));
    session.on("transport_event", (event) => {
      const e = event as { type: string; item_id?: string };
      if (e.type === "conversation.item.input_audio_transcription.failed" && e.item_id) {
        this.failedTranscripts.add(e.item_id); // its words are lost: save what follows anyway
        this.onHistory(this.history);
      }
      const state = this.states.onServerEvent(e);
      if (this.session) this.cb.onState(state);
    });
    session.on("error", (e) => this.cb.onError(`Realtime session error: ${readableError(e)}`));
    await session.connect({ apiKey: minted.client_secret });
    this.session = session;
    session.mute(this.muted);
    this.cb.onState(this.states.state);
  }

  private meter(stream: MediaStream): void {
    const ctx = new AudioContext();
    this.ctx = ctx;
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    ctx.createMediaStreamSource(stream).connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    this.timer = window.setInterval(() => {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const s of buf) sum += s * s;
      const rms = Math.sqrt(sum / buf.length);
      this.cb.onLevel(this.muted || rms <= 0 ? 0 : Math.max(0, Math.min(1, (20 * Math.log10(rms) + 60) / 60)));
    }, 60);
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    this.session?.mute(muted);
  }

  async stop(): Promise<void> {
    for (const m of this.order.flush(messagesOf(this.history, this.failedTranscripts))) this.save(m);
    this.session?.close();
    this.session = null;
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    await this.ctx?.close().catch(() => undefined);
    this.ctx = null;
    await this.saving; // the last transcripts reach the thread before the tab says it stopped
    this.cb.onState("idle");
    this.cb.onLevel(0);
  }
}
