import { describe, expect, it } from "vitest";
import interruption from "../../../tests/fixtures/recorded/realtime_webrtc/interruption.json";
import toolCall from "../../../tests/fixtures/recorded/realtime_webrtc/tool_call_late_transcript.json";
import serverError from "../../../tests/fixtures/recorded/realtime_webrtc/server_error.json";
import { messagesOf, RealtimeStates, readableError, TranscriptOrder, type HistoryItem, type ServerEvent } from "./realtimeEvents";

type Step = { send?: ServerEvent; expect?: string; state?: string };

/** Replays a recorded sequence; the tool runs (as the SDK runs it) between the function call and its output. */
function replay(steps: Step[]): { expected: string[]; seen: string[] } {
  const states = new RealtimeStates();
  const expected: string[] = [];
  const seen: string[] = [];
  let current = states.state;
  for (const step of steps) {
    if (step.send) {
      current = states.onServerEvent(step.send);
      const item = step.send.item as { type?: string; status?: string } | undefined;
      if (step.send.type === "response.output_item.done" && item?.type === "function_call") current = states.toolStarted();
    } else if (step.expect === "conversation.item.create") {
      current = states.toolFinished();
    } else if (step.state) {
      expected.push(step.state);
      seen.push(current);
    }
  }
  return { expected, seen };
}

describe("Voice tab states follow the WebRTC transport's server events", () => {
  it("through a tool call, and while the answer still plays after response.done", () => {
    const { expected, seen } = replay(toolCall.steps as Step[]);
    expect(seen).toEqual(expected);
    expect(seen).toContain("speaking");
  });

  it("when the shopper interrupts Aya", () => {
    const { expected, seen } = replay(interruption.steps as Step[]);
    expect(seen).toEqual(expected);
  });
});

describe("a tool called while Aya is still talking", () => {
  it("stays speaking while the audio plays, then thinking until the tool's answer starts", () => {
    const states = new RealtimeStates();
    states.onServerEvent({ type: "response.created" });
    expect(states.onServerEvent({ type: "output_audio_buffer.started" })).toBe("speaking");
    expect(states.toolStarted()).toBe("speaking"); // "let me look that up" is still playing
    expect(states.onServerEvent({ type: "response.done", response: { output: [{ type: "function_call" }] } })).toBe("speaking");
    expect(states.onServerEvent({ type: "output_audio_buffer.stopped" })).toBe("thinking");
    expect(states.toolFinished()).toBe("thinking");
    expect(states.onServerEvent({ type: "response.created" })).toBe("thinking");
    expect(states.onServerEvent({ type: "output_audio_buffer.started" })).toBe("speaking");
    expect(states.onServerEvent({ type: "output_audio_buffer.stopped" })).toBe("listening");
  });

  it("goes back to listening after a response without audio or tools", () => {
    const states = new RealtimeStates();
    states.onServerEvent({ type: "input_audio_buffer.speech_stopped" });
    expect(states.onServerEvent({ type: "response.done", response: { output: [] } })).toBe("listening");
  });
});

describe("transcripts are saved in conversation order", () => {
  const user = (transcript: string | null): HistoryItem => ({
    type: "message", itemId: "u1", role: "user", status: "completed", content: [{ type: "input_audio", transcript }],
  });
  const aya: HistoryItem = {
    type: "message", itemId: "a1", role: "assistant", status: "completed",
    content: [{ type: "output_audio", transcript: "Here are three." }],
  };

  it("waits for the shopper's late transcription before saving Aya's answer", () => {
    const order = new TranscriptOrder();
    expect(order.ready(messagesOf([user(null), aya]))).toEqual([]);
    expect(order.ready(messagesOf([user("grain free for my cat"), aya])).map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(order.ready(messagesOf([user("grain free for my cat"), aya]))).toEqual([]); // each once
  });

  it("does not wait for a transcription that failed, and flushes what finished at the end", () => {
    expect(new TranscriptOrder().ready(messagesOf([user(null), aya], new Set(["u1"]))).map((m) => m.id)).toEqual(["a1"]);
    const order = new TranscriptOrder();
    expect(order.flush(messagesOf([user(null), aya])).map((m) => m.id)).toEqual(["a1"]);
  });
});

describe("errors are readable", () => {
  it("shows the server error's message, not [object Object]", () => {
    const event = (serverError.steps as Step[]).at(-1)!.send!;
    expect(readableError({ type: "error", error: event })).toBe(serverError.message);
    expect(readableError({ type: "error", error: new Error("boom") })).toBe("boom");
    expect(readableError({ type: "error", error: { code: "x" } })).toBe("x");
  });
});
