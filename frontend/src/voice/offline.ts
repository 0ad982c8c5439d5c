/**
 * The offline engine: microphone → AudioWorklet (16 kHz PCM16, 20 ms) → `/voice/ws` → Aya's speech back into a
 * playback worklet. The server decides barge-in and sends `interrupt`; playback is flushed at once.
 */

import { identityQuery, openMicrophone, VoiceError, voiceTicket } from "./microphone";
import type { ServerEvent, VoiceAssistant, VoiceCallbacks, VoiceEngine } from "./types";
import { loadWorklets } from "./worklets";

export interface OfflineOptions {
  deviceId: string | null;
  headers: () => Record<string, string>;
  threadId: string | null;
  /** "ops": Aya Ops (the server refuses anyone but staff). */
  assistant?: VoiceAssistant;
}

let lineSeq = 0;

export class OfflineVoice implements VoiceEngine {
  private stream: MediaStream | null = null;
  private ctx: AudioContext | null = null;
  private ws: WebSocket | null = null;
  private playback: AudioWorkletNode | null = null;
  private muted = false;
  private outRate = 22050;
  private serverState: VoiceState2 = "listening";
  private playing = false;
  private stopped = false;
  private openLines: Record<"user" | "assistant", string | null> = { user: null, assistant: null };

  constructor(
    private readonly options: OfflineOptions,
    private readonly cb: VoiceCallbacks,
  ) {}

  async start(): Promise<void> {
    this.cb.onState("connecting");
    this.stream = await openMicrophone(this.options.deviceId);
    const ctx = new AudioContext({ latencyHint: "interactive" });
    this.ctx = ctx;
    await loadWorklets(ctx);
    const source = ctx.createMediaStreamSource(this.stream);
    const capture = new AudioWorkletNode(ctx, "aya-capture", { processorOptions: { targetRate: 16000 } });
    const sink = ctx.createGain();
    sink.gain.value = 0; // keeps the capture node pulled by the graph without playing the microphone back
    source.connect(capture).connect(sink).connect(ctx.destination);
    const playback = new AudioWorkletNode(ctx, "aya-playback", { outputChannelCount: [1] });
    playback.connect(ctx.destination);
    this.playback = playback;
    playback.port.onmessage = (e: MessageEvent<{ type: string; playing: boolean }>) => {
      if (e.data.type === "playing") {
        this.playing = e.data.playing;
        this.emitState();
      }
    };
    capture.port.onmessage = (e: MessageEvent<{ type: string; pcm?: ArrayBuffer; rms?: number }>) => {
      if (e.data.type === "level") {
        const rms = this.muted ? 0 : (e.data.rms ?? 0);
        this.cb.onLevel(rms > 0 ? Math.max(0, Math.min(1, (20 * Math.log10(rms) + 60) / 60)) : 0);
      } else if (e.data.type === "pcm" && e.data.pcm && !this.muted && this.ws?.readyState === WebSocket.OPEN) {
        this.ws.send(e.data.pcm);
      }
    };
    await ctx.resume();
    await this.connect();
  }

  private async connect(): Promise<void> {
    const headers = this.options.headers();
    const q = identityQuery(headers);
    const ticket = await voiceTicket(headers);
    if (ticket) q.set("ticket", ticket);
    if (this.options.threadId) q.set("thread_id", this.options.threadId);
    if (this.options.assistant === "ops") q.set("assistant", "ops");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/voice/ws?${q}`);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    return new Promise((resolve, reject) => {
      let ready = false;
      ws.onmessage = (e: MessageEvent<ArrayBuffer | string>) => {
        if (typeof e.data !== "string") {
          this.playback?.port.postMessage({ type: "pcm", pcm: e.data, rate: this.outRate }, [e.data]);
          return;
        }
        const event = JSON.parse(e.data) as ServerEvent;
        if (event.type === "ready") {
          ready = true;
          this.outRate = event.sample_rate_out;
          resolve();
        }
        this.handle(event);
      };
      ws.onerror = () => {
        if (!ready) reject(new VoiceError("Cannot reach the voice server. Check that Aya is running and try again."));
      };
      ws.onclose = (e) => {
        if (!ready) {
          reject(
            new VoiceError(
              e.code === 1006 || e.code === 1000
                ? "Cannot reach the voice server. Check that Aya is running and try again."
                : `The voice server refused the connection (${e.reason || e.code}).`,
            ),
          );
        } else if (!this.stopped) {
          this.cb.onError("The connection to the voice server was lost.");
          void this.stop();
        }
      };
    });
  }

  private handle(event: ServerEvent): void {
    switch (event.type) {
      case "ready":
        if (event.thread_id) this.cb.onThread?.(event.thread_id);
        break;
      case "state":
        this.serverState = event.state;
        this.emitState();
        break;
      case "transcript": {
                // Both sides' lines grow live (final: false replaces the open line); a final event closes it.
        const final = event.final ?? true;
        const open = this.openLines[event.role] ?? `l${++lineSeq}`;
        this.openLines[event.role] = final ? null : open;
        this.cb.onTranscript({ id: open, role: event.role, text: event.text, final });
        break;
      }
      case "products":
        this.cb.onProducts(event.products, event.widget ?? null);
        break;
      case "card":
        this.cb.onCard?.(event.item_id, event.widget);
        break;
      case "thread":
        this.cb.onThread?.(event.thread_id);
        break;
      case "interrupt":
        this.playback?.port.postMessage({ type: "flush" });
        this.openLines.assistant = null;
        break;
      case "response_done":
        break;
      case "error":
        this.cb.onError(event.message);
        break;
    }
  }

  private emitState(): void {
    if (this.stopped) return;
    if (this.serverState === "user_speaking") this.cb.onState("user_speaking");
    else if (this.playing) this.cb.onState("speaking");
    else this.cb.onState(this.serverState === "speaking" ? "thinking" : this.serverState);
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: "mute", muted }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) {
      if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: "stop" }));
      this.ws.close();
    }
    this.ws = null;
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    await this.ctx?.close().catch(() => undefined);
    this.ctx = null;
    this.cb.onState("idle");
    this.cb.onLevel(0);
  }
}

type VoiceState2 = "listening" | "user_speaking" | "thinking" | "speaking";
