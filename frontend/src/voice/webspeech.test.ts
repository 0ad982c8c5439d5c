import { describe, expect, it } from "vitest";
import type { TranscriptLine, VoiceCallbacks, VoiceState } from "./types";
import {
  forTheEar,
  speechSupport,
  usableSpeech,
  WebSpeechVoice,
  type Recognition,
  type RecognitionResultEvent,
} from "./webspeech";

/** Scripted stand-ins for the browser's SpeechRecognition and speechSynthesis (this module's only boundary). */
class ScriptedRecognition implements Recognition {
  static last: ScriptedRecognition | null = null;
  continuous = false;
  interimResults = false;
  lang = "";
  onresult: ((event: RecognitionResultEvent) => void) | null = null;
  onerror: ((event: { error: string }) => void) | null = null;
  onend: (() => void) | null = null;
  starts = 0;
  aborts = 0;
  constructor() {
    ScriptedRecognition.last = this;
  }
  start() {
    this.starts++;
  }
  stop() {
    this.onend?.();
  }
  abort() {
    this.aborts++;
  }
  hear(text: string, isFinal: boolean) {
    this.onresult?.({ resultIndex: 0, results: [{ isFinal, 0: { transcript: text } }] });
  }
}

class ScriptedUtterance {
  lang = "";
  onend: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly text: string) {}
}

function harness(respond: (text: string) => Promise<string>) {
  const spoken: ScriptedUtterance[] = [];
  const synthesis = {
    cancelled: 0,
    speak(u: SpeechSynthesisUtterance) {
      const utterance = u as unknown as ScriptedUtterance;
      spoken.push(utterance);
      queueMicrotask(() => utterance.onend?.());
    },
    cancel() {
      this.cancelled++;
    },
  };
  const states: VoiceState[] = [];
  const lines: TranscriptLine[] = [];
  const errors: string[] = [];
  const cb: VoiceCallbacks = {
    onState: (s) => states.push(s),
    onTranscript: (l) => lines.push(l),
    onProducts: () => undefined,
    onLevel: () => undefined,
    onError: (m) => errors.push(m),
  };
  const support = {
    Recognition: ScriptedRecognition,
    synthesis,
    Utterance: ScriptedUtterance as unknown as new (text: string) => SpeechSynthesisUtterance,
  };
  const voice = new WebSpeechVoice({ support, respond }, cb);
  return { voice, spoken, synthesis, states, lines, errors };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("speechSupport", () => {
  it("is null without SpeechRecognition (headless Chromium, Firefox) or without speechSynthesis", () => {
    expect(speechSupport(undefined)).toBeNull();
    expect(speechSupport({ speechSynthesis: {}, SpeechSynthesisUtterance: ScriptedUtterance })).toBeNull();
    expect(speechSupport({ SpeechRecognition: ScriptedRecognition, SpeechSynthesisUtterance: ScriptedUtterance })).toBeNull();
  });

  it("finds the prefixed webkitSpeechRecognition too", () => {
    const support = speechSupport({
      webkitSpeechRecognition: ScriptedRecognition,
      speechSynthesis: { speak() {}, cancel() {} },
      SpeechSynthesisUtterance: ScriptedUtterance,
    });
    expect(support?.Recognition).toBe(ScriptedRecognition);
  });
});

describe("forTheEar", () => {
  it("drops markdown, links and list marks but keeps the words", () => {
    expect(forTheEar("**Task 3** (Run the tests): [log](https://x.test/a)\n- passed")).toBe("Task 3 (Run the tests): log passed");
    expect(forTheEar("See https://shop.test/p/1 now")).toBe("See now");
  });
});

describe("WebSpeechVoice", () => {
  it("sends a final phrase as one turn, shows both lines and speaks the answer without hearing itself", async () => {
    const asked: string[] = [];
    const h = harness(async (text) => {
      asked.push(text);
      return "Task 1 (**Run the tests**): succeeded.";
    });
    await h.voice.start();
    const rec = ScriptedRecognition.last!;
    expect(rec.continuous && rec.interimResults).toBe(true);
    rec.hear("run the", false);
    rec.hear("run the tests", true);
    await settle();
    await settle();
    expect(asked).toEqual(["run the tests"]);
    expect(h.lines.map((l) => [l.role, l.text, l.final])).toEqual([
      ["user", "run the", false],
      ["user", "run the tests", true],
      ["assistant", "Task 1 (**Run the tests**): succeeded.", true],
    ]);
    expect(h.lines[0].id).toBe(h.lines[1].id); // the live line is replaced, not repeated
    expect(h.spoken.map((u) => u.text)).toEqual(["Task 1 (Run the tests): succeeded."]);
    expect(rec.aborts).toBe(1); // recognition paused while the answer played...
    expect(rec.starts).toBe(2); // ...and resumed after
    expect(h.states).toEqual(["connecting", "listening", "user_speaking", "thinking", "speaking", "listening"]);
  });

  it("ignores what it hears while answering or muted", async () => {
    let release: (v: string) => void = () => undefined;
    const asked: string[] = [];
    const h = harness((text) => {
      asked.push(text);
      return new Promise((r) => (release = r));
    });
    await h.voice.start();
    const rec = ScriptedRecognition.last!;
    rec.hear("list tasks", true);
    rec.hear("cancel task two", true);
    release("No tasks.");
    await settle();
    h.voice.setMuted(true);
    rec.hear("retry task one", true);
    expect(asked).toEqual(["list tasks"]);
  });

  it("reports a refused microphone and a failed answer as errors", async () => {
    const h = harness(() => Promise.reject(new Error("HTTP 502")));
    await h.voice.start();
    const rec = ScriptedRecognition.last!;
    rec.hear("show catalog stats", true);
    await settle();
    expect(h.errors[0]).toContain("HTTP 502");
    rec.onerror?.({ error: "no-speech" }); // silence is not an error
    expect(h.errors).toHaveLength(1);
    rec.onerror?.({ error: "not-allowed" });
    expect(h.errors[1]).toContain("not allowed");
    await settle();
    expect(h.states.at(-1)).toBe("idle");
    expect(h.synthesis.cancelled).toBeGreaterThan(0);
  });

  it("keeps listening when recognition ends by itself, and stops for good on stop()", async () => {
    const h = harness(async () => "ok");
    await h.voice.start();
    const rec = ScriptedRecognition.last!;
    rec.stop(); // the browser ended the session (a long silence)
    expect(rec.starts).toBe(2);
    await h.voice.stop();
    rec.hear("run the tests", true);
    expect(h.lines).toEqual([]);
    expect(h.states.at(-1)).toBe("idle");
  });
});

describe("usableSpeech", () => {
  const synth = (voices: number) => ({ speak() {}, cancel() {}, getVoices: () => Array.from({ length: voices }) });

  it("is null where synthesis has no voice (headless Chromium 156 has SpeechRecognition but no voices)", async () => {
    const win = { SpeechRecognition: ScriptedRecognition, speechSynthesis: synth(0), SpeechSynthesisUtterance: ScriptedUtterance };
    expect(await usableSpeech(win, "en-US", 10)).toBeNull();
  });

  it("waits for voices that load late", async () => {
    let listener: () => void = () => undefined;
    let voices = 0;
    const speechSynthesis = {
      speak() {},
      cancel() {},
      getVoices: () => Array.from({ length: voices }),
      addEventListener: (_: string, l: () => void) => (listener = l),
      removeEventListener: () => undefined,
    };
    const found = usableSpeech({ SpeechRecognition: ScriptedRecognition, speechSynthesis, SpeechSynthesisUtterance: ScriptedUtterance }, "en-US", 5000);
    voices = 2;
    listener();
    expect(await found).not.toBeNull();
  });

  it("asks SpeechRecognition.available() where the browser has it", async () => {
    const asked: unknown[] = [];
    class Unavailable extends ScriptedRecognition {
      static available(options: unknown) {
        asked.push(options);
        return Promise.resolve("unavailable");
      }
    }
    class Available extends ScriptedRecognition {
      static available() {
        return Promise.resolve("available");
      }
    }
    const base = { speechSynthesis: synth(3), SpeechSynthesisUtterance: ScriptedUtterance };
    expect(await usableSpeech({ ...base, SpeechRecognition: Unavailable }, "en-GB", 10)).toBeNull();
    expect(asked).toEqual([{ langs: ["en-GB"] }]);
    expect(await usableSpeech({ ...base, webkitSpeechRecognition: Available }, "en-US", 10)).not.toBeNull();
  });
});
