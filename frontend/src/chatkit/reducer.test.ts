import { describe, expect, it } from "vitest";
import { applyEvent, emptyThreadState, findComponent, reduceEvents, reduceThread, type ThreadState } from "./reducer";
import { parseEventData } from "./sse";
import { fixture, fixtureNames } from "./testing";
import type { AssistantMessageItem, ThreadItem, ThreadStreamEvent, WidgetItem } from "./types";

function events(name: string): ThreadStreamEvent[] {
  return fixture(name)
    .split("\n\n")
    .filter((f) => f.startsWith("data: "))
    .map((f) => parseEventData(f.slice(6)));
}

function item<T extends ThreadItem>(state: ThreadState, id: string): T {
  const found = state.items.find((i) => i.id === id);
  if (!found) throw new Error(`no item ${id}`);
  return found as T;
}

describe("every event type the SDK defines", () => {
  const sdk = JSON.parse(fixture("sdk_event_types.json")) as { stream_events: string[]; item_updates: string[] };
  const all = [...events("synthetic_conversation.sse"), ...events("synthetic_misc.sse")];

  it("appears in the fixtures built from the SDK's types", () => {
    expect(new Set(all.map((e) => e.type))).toEqual(new Set(sdk.stream_events));
    const updates = new Set(all.flatMap((e) => (e.type === "thread.item.updated" ? [e.update.type] : [])));
    expect(updates).toEqual(new Set(sdk.item_updates));
  });

  it("changes the state (none is silently dropped)", () => {
    let state = emptyThreadState;
    for (const e of all) {
      const next = applyEvent(state, e);
      expect(next, `${e.type}${e.type === "thread.item.updated" ? ` ${e.update.type}` : ""}`).not.toBe(state);
      state = next;
    }
  });
});

describe("a streamed conversation", () => {
  const seq = events("synthetic_conversation.sse");
  const final = reduceEvents(seq);

  it("builds the thread, the messages and the widgets", () => {
    expect(final.thread?.id).toBe("thr_syn");
    expect(final.thread?.title).toBe("Senior cat food");
    expect(final.items.map((i) => i.id)).toEqual(["msg_u1", "msg_a1", "wid_1", "wid_2"]);
    const answer = item<AssistantMessageItem>(final, "msg_a1");
    expect(answer.content[0].text).toBe("Here are **two** picks.");
    const card = item<WidgetItem>(final, "wid_1");
    expect(card.copy_text).toBe("Salmon Senior Cat Food");
    expect(findComponent(card.widget, "desc")?.value).toBe("Gentle on kidneys.");
    expect(item<WidgetItem>(final, "wid_2").widget.type).toBe("ListView");
    expect(final.openItems).toEqual(["wid_2"]);
  });

  it("streams text token by token and clears progress when the answer starts", () => {
    const states: ThreadState[] = [];
    seq.reduce((s, e) => {
      const next = applyEvent(s, e);
      states.push(next);
      return next;
    }, emptyThreadState);
    const texts = states
      .map((s) => s.items.find((i) => i.id === "msg_a1") as AssistantMessageItem | undefined)
      .map((m) => m?.content[0]?.text);
    expect(texts).toContain("Here are ");
    expect(texts).toContain("Here are **two**");
    const progressIndex = seq.findIndex((e) => e.type === "progress_update");
    expect(states[progressIndex].progress?.text).toBe("Searching senior cat food…");
    expect(states[progressIndex + 1].progress).toBeNull();
  });

  it("applies widget streaming deltas, then component and root updates", () => {
    const after = (n: number) => reduceEvents(seq.slice(0, n));
    const deltaAt = seq.findIndex((e) => e.type === "thread.item.updated" && e.update.type === "widget.streaming_text.value_delta");
    const mid = findComponent(item<WidgetItem>(after(deltaAt + 1), "wid_1").widget, "desc");
    expect(mid?.value).toBe("Gentle on");
    expect(mid?.streaming).toBe(true);
    const updatedAt = seq.findIndex((e) => e.type === "thread.item.updated" && e.update.type === "widget.component.updated");
    expect(findComponent(item<WidgetItem>(after(updatedAt + 1), "wid_1").widget, "desc")?.value).toBe("Kidney care.");
  });
});

describe("replace, remove, options, effects, notices, errors", () => {
  const start = reduceEvents(events("synthetic_conversation.sse"));
  const final = reduceEvents(events("synthetic_misc.sse"), start);

  it("replaces and removes items", () => {
    expect(item<AssistantMessageItem>(final, "msg_a1").content[0].text).toBe("Replaced.");
    expect(final.items.some((i) => i.id === "wid_2")).toBe(false);
  });

  it("tracks workflow tasks and generated images", () => {
    const wf = final.items.find((i) => i.id === "wf_1");
    expect(wf?.type === "workflow" && wf.workflow.tasks.map((t) => t.status_indicator)).toEqual(["complete"]);
    const img = final.items.find((i) => i.id === "img_1");
    expect(img?.type === "generated_image" && img.image?.url).toBe("https://example.test/i.png");
  });

  it("records stream options, client effects, notices and retryable errors", () => {
    expect(final.allowCancel).toBe(false);
    expect(final.effects).toEqual([{ name: "open_url", data: { url: "https://example.test/p1" } }]);
    expect(final.notices).toEqual([{ level: "warning", message: "Prices may have **changed**.", title: "Heads up" }]);
    expect(final.error).toMatchObject({ code: "stream.error", allowRetry: true });
  });
});

describe("local actions", () => {
  const conversation = reduceEvents(events("synthetic_conversation.sse"));

  it("a cancelled stream drops unfinished widgets and empty messages, keeps partial text", () => {
    const partial = reduceEvents(events("synthetic_conversation.sse").slice(0, 8)); // mid-answer
    const ended = reduceThread({ ...partial, streaming: true }, { type: "stream_ended", aborted: true });
    expect(ended.streaming).toBe(false);
    expect(item<AssistantMessageItem>(ended, "msg_a1").content[0].text).toBe("Here are **two**");
    const cut = reduceThread({ ...conversation, streaming: true }, { type: "stream_ended", aborted: true });
    expect(cut.items.some((i) => i.id === "wid_2")).toBe(false);
  });

  it("retry removes what followed the retried message", () => {
    const retried = reduceThread(conversation, { type: "stream_started", retryAfterItemId: "msg_u1" });
    expect(retried.items.map((i) => i.id)).toEqual(["msg_u1"]);
    expect(retried.streaming).toBe(true);
    expect(retried.error).toBeNull();
  });

  it("the pending user message is replaced by the stored one", () => {
    const pending = {
      id: "pending_1",
      type: "user_message" as const,
      thread_id: "",
      created_at: "",
      content: [{ type: "input_text" as const, text: "food for my senior cat" }],
    };
    const started = reduceThread(emptyThreadState, { type: "stream_started", pendingUser: pending });
    expect(started.pendingUser?.id).toBe("pending_1");
    const echoed = reduceEvents(events("synthetic_conversation.sse").slice(0, 2), started);
    expect(echoed.pendingUser).toBeNull();
    expect(echoed.items.map((i) => i.id)).toEqual(["msg_u1"]);
  });

  it("hidden context items never reach the state", () => {
    const hidden = { id: "hc_1", thread_id: "t", created_at: "", type: "sdk_hidden_context" as const, content: "x" };
    expect(applyEvent(emptyThreadState, { type: "thread.item.done", item: hidden }).items).toEqual([]);
  });

  it("ignores an event type from a newer server", () => {
    const unknown = { type: "thread.something_new" } as unknown as ThreadStreamEvent;
    expect(applyEvent(conversation, unknown)).toBe(conversation);
  });
});

describe("streams recorded from the real server", () => {
  const names = fixtureNames("real_");
  it.runIf(names.length > 0)("reduce to complete turns: no open items, text equals its final content", () => {
    let state = emptyThreadState;
    for (const name of names) {
      const seq = events(name);
      state = reduceThread(state, { type: "stream_started" });
      state = reduceEvents(seq, state);
      state = reduceThread(state, { type: "stream_ended" });
      expect(state.error, name).toBeNull();
      for (const e of seq) {
        if (e.type === "thread.item.done" && e.item.type === "assistant_message") {
          expect(item<AssistantMessageItem>(state, e.item.id).content, name).toEqual(e.item.content);
        }
      }
    }
    expect(state.thread?.id).toMatch(/^thr_/);
    expect(state.items.filter((i) => i.type === "user_message").length).toBeGreaterThanOrEqual(4);
    expect(state.items.some((i) => i.type === "widget")).toBe(true);
  });
});

describe("recorded follow-ups and thread extras", () => {
  it("a products answer ends with the follow-up chips widget; a loaded thread carries its feedback", () => {
    const events = fixture("real_turn2_products.sse")
      .split("\n\n")
      .filter((f) => f.startsWith("data: "))
      .map((f) => parseEventData(f.slice(6)));
    const state = reduceEvents(events);
    const last = state.items.at(-1);
    expect(last?.type === "widget" && last.widget.key).toBe("aya.followups");
    const thread = JSON.parse(fixture("real_thread.json"));
    const loaded = reduceThread(emptyThreadState, { type: "loaded", thread });
    expect(loaded.feedback).toEqual({});
    expect(loaded.stopped).toEqual([]);
  });
});
