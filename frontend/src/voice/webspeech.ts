/**
 * The browser's own voice engine (Web Speech API): `SpeechRecognition` hears the user, each final phrase goes to the
 * assistant as a typed turn (the same ChatKit thread and tools as the other engines), and `speechSynthesis` reads
 * the answer aloud. Offered only where the browser can do both (`usableSpeech`): a `SpeechRecognition` that does not
 * call itself unavailable for the language, and at least one speechSynthesis voice. Chrome and Edge send the audio
 * to their vendor's speech service; Safari recognizes on the device. Headless Chromium 156 defines
 * `SpeechRecognition` but has no synthesis voice (and no speech service key), so there the choice is hidden.
 *
 * Turn-taking is simple: recognition pauses while the answer is spoken (so it does not hear itself) and resumes
 * after; speaking while the answer plays is not heard. The engine talks to the server only through `respond`.
 */

import type { VoiceCallbacks, VoiceEngine } from "./types";

/** The parts of `SpeechRecognition` this engine uses (the DOM types do not ship it everywhere). */
export interface Recognition {
  continuous: boolean;
  interimResults: boolean;
  lang: string;
  onresult: ((event: RecognitionResultEvent) => void) | null;
  onerror: ((event: { error: string }) => void) | null;
  onend: (() => void) | null;
  start(): void;
  stop(): void;
  abort(): void;
}

export interface RecognitionResultEvent {
  resultIndex: number;
  results: ArrayLike<{ isFinal: boolean; 0: { transcript: string } }>;
}

export interface Synthesis {
  speak(utterance: SpeechSynthesisUtterance): void;
  cancel(): void;
  getVoices?(): ArrayLike<unknown>;
  addEventListener?(type: "voiceschanged", listener: () => void): void;
  removeEventListener?(type: "voiceschanged", listener: () => void): void;
}

export interface SpeechSupport {
  Recognition: new () => Recognition;
  synthesis: Synthesis;
  Utterance: new (text: string) => SpeechSynthesisUtterance;
}

/** What this window offers, or null when either half is missing (then the engine is not offered). */
export function speechSupport(win: unknown = typeof window === "undefined" ? undefined : window): SpeechSupport | null {
  if (!win || typeof win !== "object") return null;
  const w = win as Record<string, unknown>;
  const Recognition = (w.SpeechRecognition ?? w.webkitSpeechRecognition) as (new () => Recognition) | undefined;
  const synthesis = w.speechSynthesis as Synthesis | undefined;
  const Utterance = w.SpeechSynthesisUtterance as (new (text: string) => SpeechSynthesisUtterance) | undefined;
  if (typeof Recognition !== "function" || !synthesis || typeof Utterance !== "function") return null;
  return { Recognition, synthesis, Utterance };
}

/** Chrome's `SpeechRecognition.available()` (where it exists): "available", "downloadable", … or "unavailable". */
type Availability = (options: { langs: string[]; processLocally?: boolean }) => Promise<string>;

function voiceCount(synthesis: Synthesis): number {
  return synthesis.getVoices ? synthesis.getVoices().length : 0;
}

/** Voices load asynchronously in some browsers: wait for `voiceschanged` (at most `waitMs`). */
function voicesLoaded(synthesis: Synthesis, waitMs: number): Promise<number> {
  if (voiceCount(synthesis) > 0 || !synthesis.addEventListener) return Promise.resolve(voiceCount(synthesis));
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      synthesis.removeEventListener?.("voiceschanged", done);
      resolve(voiceCount(synthesis));
    };
    const timer = setTimeout(done, waitMs);
    synthesis.addEventListener?.("voiceschanged", done);
  });
}

/**
 * What this browser can really do, or null: both halves present, recognition not "unavailable" for `lang` (asked
 * where the browser can say), and at least one synthesis voice (a speechSynthesis without voices speaks nothing).
 */
export async function usableSpeech(
  win: unknown = typeof window === "undefined" ? undefined : window,
  lang = "en-US",
  waitMs = 1500,
): Promise<SpeechSupport | null> {
  const support = speechSupport(win);
  if (!support) return null;
  const available = (support.Recognition as unknown as { available?: Availability }).available;
  if (typeof available === "function") {
    const answer = await available.call(support.Recognition, { langs: [lang] }).catch(() => "unavailable");
    if (answer === "unavailable") return null;
  }
  return (await voicesLoaded(support.synthesis, waitMs)) > 0 ? support : null;
}

/** Markdown and links out, for the ear (the written answer stays on screen). */
export function forTheEar(text: string): string {
  return text
    .replace(/!\[[^\]]*\]\([^)]*\)/g, "")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/https?:\/\/\S+/g, "")
    .replace(/[*_`#>|]+/g, "")
    .replace(/^\s*[-•]\s+/gm, "")
    .replace(/\s+/g, " ")
    .trim();
}

export interface WebSpeechOptions {
  support: SpeechSupport;
  /** One user turn to the assistant; resolves with the answer's text. */
  respond(text: string): Promise<string>;
  lang?: string;
}

let seq = 0;

export class WebSpeechVoice implements VoiceEngine {
  private recognition: Recognition | null = null;
  private muted = false;
  private stopped = false;
  private busy = false;
  private listening = false;
  private openLine: string | null = null;

  constructor(
    private readonly options: WebSpeechOptions,
    private readonly cb: VoiceCallbacks,
  ) {}

  async start(): Promise<void> {
    this.cb.onState("connecting");
    const recognition = new this.options.support.Recognition();
    recognition.continuous = true;
    recognition.interimResults = true;
    recognition.lang = this.options.lang ?? "en-US";
    recognition.onresult = (e) => this.onResult(e);
    recognition.onerror = (e) => {
      if (e.error === "no-speech" || e.error === "aborted") return;
      this.cb.onError(
        e.error === "not-allowed" || e.error === "service-not-allowed"
          ? "The browser's speech recognition was not allowed. Allow the microphone, or choose the server's voice."
          : `The browser's speech recognition failed (${e.error}).`,
      );
      void this.stop();
    };
    // Recognition ends by itself after a while: keep listening until stopped (but not while the answer plays).
    recognition.onend = () => {
      this.listening = false;
      if (!this.stopped && !this.busy && !this.muted) this.listen();
    };
    this.recognition = recognition;
    this.listen();
  }

  private listen(): void {
    if (!this.recognition || this.listening) return;
    try {
      this.recognition.start();
      this.listening = true;
      this.cb.onState("listening");
    } catch {
      /* already started */
    }
  }

  private pause(): void {
    if (!this.recognition || !this.listening) return;
    this.listening = false;
    this.recognition.abort();
  }

  private onResult(event: RecognitionResultEvent): void {
    if (this.busy || this.muted) return;
    let heard = "";
    let final = false;
    for (let i = event.resultIndex; i < event.results.length; i++) {
      heard += event.results[i][0].transcript;
      final = final || event.results[i].isFinal;
    }
    heard = heard.trim();
    if (!heard) return;
    const id = this.openLine ?? `ws${++seq}`;
    this.openLine = final ? null : id;
    this.cb.onTranscript({ id, role: "user", text: heard, final });
    this.cb.onState(final ? "thinking" : "user_speaking");
    if (final) void this.turn(heard);
  }

  private async turn(text: string): Promise<void> {
    this.busy = true;
    this.pause();
    try {
      const answer = await this.options.respond(text);
      if (this.stopped) return;
      if (answer) {
        this.cb.onTranscript({ id: `ws${++seq}`, role: "assistant", text: answer, final: true });
        await this.say(forTheEar(answer));
      }
    } catch (e) {
      this.cb.onError(`The assistant could not answer: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.busy = false;
      if (!this.stopped && !this.muted) this.listen();
    }
  }

  private say(text: string): Promise<void> {
    if (!text || this.stopped) return Promise.resolve();
    const { synthesis, Utterance } = this.options.support;
    return new Promise((resolve) => {
      const utterance = new Utterance(text);
      utterance.lang = this.options.lang ?? "en-US";
      utterance.onend = () => resolve();
      utterance.onerror = () => resolve();
      this.cb.onState("speaking");
      synthesis.speak(utterance);
    });
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    if (muted) this.pause();
    else if (!this.busy && !this.stopped) this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.options.support.synthesis.cancel();
    this.pause();
    if (this.recognition) {
      this.recognition.onresult = null;
      this.recognition.onend = null;
      this.recognition.onerror = null;
    }
    this.recognition = null;
    this.cb.onState("idle");
    this.cb.onLevel(0);
  }
}
