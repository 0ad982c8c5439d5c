/**
 * The OpenAI Realtime engine: the server mints an ephemeral client secret (`POST /voice/realtime/session`; the API
 * key never reaches the browser), the browser talks to OpenAI over WebRTC with `@openai/agents-realtime`, and every
 * tool call runs on our server (`POST /api/tools/{name}`, authenticated and validated there).
 */

import { openMicrophone, VoiceError } from "./microphone";
import type { ProductCard, VoiceCallbacks, VoiceEngine } from "./types";

export interface RealtimeOptions {
  deviceId: string | null;
  headers: () => Record<string, string>;
  /** The shopper's current thread: finished transcripts are saved into it (a new one when null). */
  threadId: string | null;
}

interface MintedSession {
  client_secret: string;
  expires_at: number;
  model: string;
  voice: string;
  instructions: string;
  tools: { name: string; description: string; parameters: Record<string, unknown> }[];
  turn_detection: Record<string, unknown>;
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

async function mint(headers: Record<string, string>): Promise<MintedSession> {
  let response: Response;
  try {
    response = await fetch("/voice/realtime/session", { method: "POST", headers });
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
  private saved = new Set<string>();
  private saving: Promise<void> = Promise.resolve();
  private threadId: string | null;

  constructor(
    private readonly options: RealtimeOptions,
    private readonly cb: VoiceCallbacks,
  ) {
    this.threadId = options.threadId;
  }

  /** Save a finished transcript into the shopper's ChatKit thread, in order (one request at a time). */
  private save(itemId: string, role: "user" | "assistant", text: string): void {
    if (this.saved.has(itemId)) return;
    this.saved.add(itemId);
    this.saving = this.saving.then(async () => {
      try {
        const response = await fetch("/voice/realtime/items", {
          method: "POST",
          headers: { ...this.options.headers(), "content-type": "application/json" },
          body: JSON.stringify({ thread_id: this.threadId, role, text }),
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

  async start(): Promise<void> {
    this.cb.onState("connecting");
    this.stream = await openMicrophone(this.options.deviceId);
    this.meter(this.stream);
    const minted = await mint(this.options.headers());
    const { RealtimeAgent, RealtimeSession, OpenAIRealtimeWebRTC, tool } = await import("@openai/agents-realtime");
    const tools = minted.tools.map((t) =>
      tool({
        name: t.name,
        description: t.description,
        parameters: t.parameters as never,
        strict: true,
        execute: async (args: unknown) => {
          this.cb.onState("thinking");
          const response = await fetch(`/api/tools/${encodeURIComponent(t.name)}`, {
            method: "POST",
            headers: { ...this.options.headers(), "content-type": "application/json" },
            body: JSON.stringify(args ?? {}),
          });
          const body: unknown = await response.json().catch(() => ({}));
          if (!response.ok) return `The tool failed: ${(body as { message?: string }).message ?? response.status}`;
          const products = productsInResult(body);
          if (products.length) this.cb.onProducts(products, null);
          return JSON.stringify(body);
        },
      }),
    );
    const agent = new RealtimeAgent({ name: "Aya", instructions: minted.instructions, tools });
    const session = new RealtimeSession(agent, {
      transport: new OpenAIRealtimeWebRTC({ mediaStream: this.stream }),
      model: minted.model,
      config: {
        audio: {
          input: { turnDetection: minted.turn_detection, transcription: { model: "gpt-4o-mini-transcribe" } },
          output: { voice: minted.voice },
        },
      },
    });
    session.on("history_updated", (history) => {
      for (const item of history) {
        if (item.type !== "message" || (item.role !== "user" && item.role !== "assistant")) continue;
        const text = item.content
          .map((c) => ("transcript" in c && c.transcript) || ("text" in c && c.text) || "")
          .join(" ")
          .trim();
        if (!text) continue;
        const final = item.status !== "in_progress";
        this.cb.onTranscript({ id: item.itemId, role: item.role, text, final });
        if (final) this.save(item.itemId, item.role, text);
      }
    });
    session.on("audio_start", () => this.cb.onState("speaking"));
    session.on("audio_stopped", () => this.cb.onState("listening"));
    session.on("audio_interrupted", () => this.cb.onState("user_speaking"));
    session.on("error", (e) => this.cb.onError(`Realtime session error: ${String((e as { error?: unknown }).error ?? e)}`));
    await session.connect({ apiKey: minted.client_secret });
    this.session = session;
    session.mute(this.muted);
    this.cb.onState("listening");
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
    this.session?.close();
    this.session = null;
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    await this.ctx?.close().catch(() => undefined);
    this.ctx = null;
    this.cb.onState("idle");
    this.cb.onLevel(0);
  }
}
