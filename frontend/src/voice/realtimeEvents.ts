/**
 * What the Voice tab makes of an OpenAI Realtime session over WebRTC, as pure code (tested on recorded sequences).
 *
 * - States follow the server events of the WebRTC transport (`transport_event`): `input_audio_buffer.speech_started`
 *   / `speech_stopped`, `response.created` / `response.done`, and `output_audio_buffer.started` / `stopped` /
 *   `cleared`, which say when Aya's audio really plays in the browser. The session's `audio_start`, `audio_stopped` and
 *   `audio_interrupted` are not used: over WebRTC the first never comes (audio travels on the media track) and
 *   `audio_stopped` means the model finished generating, while the audio still plays.
 * - Transcripts are saved in conversation order: the shopper's words are transcribed asynchronously and may complete
 *   after Aya's reply, so nothing is saved past a message still waiting for its transcript.
 * - Errors are made readable: server errors arrive as `{type: "error", error: <server event>}` whose own `error`
 *   carries the message.
 */

import type { VoiceState } from "./types";

export interface ServerEvent {
  type: string;
  [key: string]: unknown;
}

/** The Voice tab's state, driven by the WebRTC transport's server events and the tools running in the browser. */
export class RealtimeStates {
  state: VoiceState = "listening";
  private playing = false;
  private tools = 0;

  onServerEvent(event: ServerEvent): VoiceState {
    switch (event.type) {
      case "input_audio_buffer.speech_started":
        this.state = "user_speaking";
        break;
      case "input_audio_buffer.speech_stopped":
        this.state = "thinking";
        break;
      case "response.created":
        if (!this.playing) this.state = "thinking";
        break;
      case "output_audio_buffer.started":
        this.playing = true;
        this.state = "speaking";
        break;
      case "output_audio_buffer.stopped":
        // playback finished: Aya is done talking, unless a tool she called is still running
        this.playing = false;
        this.state = this.tools > 0 ? "thinking" : "listening";
        break;
      case "output_audio_buffer.cleared":
        // interrupted: the shopper is (usually) already speaking
        this.playing = false;
        if (this.state !== "user_speaking") this.state = this.tools > 0 ? "thinking" : "listening";
        break;
      case "response.done":
        // a response without audio (say, only a tool call) leaves Aya thinking while its tool runs
        if (!this.playing && this.state === "thinking" && this.tools === 0 && !callsATool(event)) {
          this.state = "listening";
        }
        break;
    }
    return this.state;
  }

  toolStarted(): VoiceState {
    this.tools += 1;
    if (!this.playing) this.state = "thinking";
    return this.state;
  }

  toolFinished(): VoiceState {
    this.tools = Math.max(0, this.tools - 1);
    return this.state; // the model's next response (response.created) moves the state on
  }
}

function callsATool(event: ServerEvent): boolean {
  const response = event.response as { output?: { type?: string }[] } | undefined;
  return (response?.output ?? []).some((item) => item?.type === "function_call");
}

/** The message items of the session's history the Voice tab cares about (the SDK's `RealtimeItem`s). */
export interface HistoryItem {
  type: string;
  itemId: string;
  role?: string;
  status?: string;
  content?: { type: string; text?: string | null; transcript?: string | null }[];
}

export interface Message {
  id: string;
  role: "user" | "assistant";
  text: string;
  /** Still changing: an assistant reply in progress, or the shopper's words not transcribed yet. */
  pending: boolean;
}

/** User and assistant messages of the history, in conversation order. `failed`: transcriptions that failed. */
export function messagesOf(history: readonly HistoryItem[], failed: ReadonlySet<string> = new Set()): Message[] {
  const out: Message[] = [];
  for (const item of history) {
    if (item.type !== "message" || (item.role !== "user" && item.role !== "assistant")) continue;
    const content = item.content ?? [];
    const text = content
      .map((c) => c.transcript || c.text || "")
      .join(" ")
      .trim();
    const waitingForTranscript =
      item.role === "user" &&
      !failed.has(item.itemId) &&
      content.some((c) => c.type === "input_audio" && (c.transcript === null || c.transcript === undefined));
    out.push({ id: item.itemId, role: item.role, text, pending: item.status === "in_progress" || waitingForTranscript });
  }
  return out;
}

/** Which finished messages to save now, oldest first, never past one still pending; each message once. */
export class TranscriptOrder {
  private done = new Set<string>();

  ready(messages: readonly Message[]): Message[] {
    const out: Message[] = [];
    for (const m of messages) {
      if (this.done.has(m.id)) continue;
      if (m.pending) break;
      this.done.add(m.id);
      if (m.text) out.push(m);
    }
    return out;
  }

  /** At the end of the session: whatever is finished, in order, skipping what never finished. */
  flush(messages: readonly Message[]): Message[] {
    const out: Message[] = [];
    for (const m of messages) {
      if (this.done.has(m.id) || m.pending || !m.text) continue;
      this.done.add(m.id);
      out.push(m);
    }
    return out;
  }
}

/** A readable message for a Realtime session error (`{type: "error", error}`; the server's event nests its own). */
export function readableError(e: unknown): string {
  let cause: unknown = e;
  if (cause && typeof cause === "object" && "error" in cause) cause = (cause as { error: unknown }).error;
  if (cause instanceof Error) return cause.message;
  if (cause && typeof cause === "object") {
    const inner = (cause as { error?: unknown }).error ?? cause;
    if (inner && typeof inner === "object") {
      const { message, code } = inner as { message?: unknown; code?: unknown };
      if (typeof message === "string" && message) return message;
      if (typeof code === "string" && code) return code;
    }
    try {
      return JSON.stringify(cause);
    } catch {
      return "unknown error";
    }
  }
  return typeof cause === "string" && cause ? cause : "unknown error";
}
