import { describe, expect, it } from "vitest";
import { ChatKitClient } from "./client";
import type { ClientEffect, ThreadState } from "./reducer";
import { ThreadSession, type UnsentMessage } from "./session";
import { fakeServer, fixture } from "./testing";
import type { AssistantMessageItem, Thread } from "./types";

function frames(name: string): string[] {
  return fixture(name)
    .split("\n\n")
    .filter((f) => f.startsWith("data: "))
    .map((f) => `${f}\n\n`);
}

/** Resolves when the session's state satisfies `predicate`. */
function until(session: ThreadSession, predicate: (s: ThreadState) => boolean): Promise<ThreadState> {
  return new Promise((resolve) => {
    if (predicate(session.getState())) return resolve(session.getState());
    const off = session.subscribe(() => {
      if (predicate(session.getState())) {
        off();
        resolve(session.getState());
      }
    });
  });
}

/** A fetch answering each request with the next scripted answer (SSE text, or a JSON error with a status). */
function scripted(answers: ({ sse: string; hang?: boolean } | { status: number; json: unknown } | Error)[]) {
  const servers = answers.map((a) => (a instanceof Error ? null : "sse" in a ? fakeServer({ sse: a.sse, hang: a.hang }) : fakeServer(a)));
  const bodies: { type: string; params: Record<string, unknown> }[] = [];
  let n = 0;
  const impl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    bodies.push(JSON.parse(String(init?.body)));
    const i = n++;
    const answer = answers[i];
    if (answer instanceof Error) throw answer;
    return servers[i]!.fetch(input, init);
  }) as typeof fetch;
  return { client: new ChatKitClient({ url: "/chatkit", fetch: impl }), bodies, servers };
}

describe("ThreadSession", () => {
  it("a first message creates the thread and streams the answer, reporting the thread to the list", async () => {
    const { client, bodies } = scripted([{ sse: fixture("real_turn1_create.sse") }]);
    const created: Thread[] = [];
    const updated: Thread[] = [];
    const session = new ThreadSession(client, { onThreadCreated: (t) => created.push(t), onThreadUpdated: (t) => updated.push(t) });
    const sending = session.send("  Hi! I need food for my cat  ");
    expect(session.getState().pendingUser?.content).toEqual([{ type: "input_text", text: "Hi! I need food for my cat" }]);
    expect(session.getState().streaming).toBe(true);
    await sending;
    const state = session.getState();
    expect(state.streaming).toBe(false);
    expect(state.pendingUser).toBeNull();
    expect(bodies[0].type).toBe("threads.create");
    expect(created.map((t) => t.id)).toEqual([state.thread?.id]);
    expect(updated.at(-1)?.title).toBeTruthy();
    const answer = state.items.find((i) => i.type === "assistant_message") as AssistantMessageItem;
    expect(answer.content[0].text).toContain("?");
  });

  it("the next message goes to the same thread", async () => {
    const { client, bodies } = scripted([{ sse: fixture("real_turn1_create.sse") }, { sse: fixture("real_turn2_products.sse") }]);
    const session = new ThreadSession(client);
    await session.send("Hi! I need food for my cat");
    await session.send("She is 12 years old and has kidney problems, dry food please");
    expect(bodies[1]).toMatchObject({ type: "threads.add_user_message", params: { thread_id: session.getState().thread?.id } });
    expect(session.getState().items.some((i) => i.type === "widget")).toBe(true);
  });

  it("stop cancels the stream mid-answer: the connection closes, the partial answer stays, no error", async () => {
    const turn2 = frames("real_turn2_products.sse");
    const cut = turn2.findIndex((f) => f.includes("text_delta")) + 3; // three tokens into the answer
    const { client, servers } = scripted([{ sse: fixture("real_turn1_create.sse") }, { sse: turn2.slice(0, cut).join(""), hang: true }]);
    const session = new ThreadSession(client);
    await session.send("Hi! I need food for my cat");
    const sending = session.send("She is 12 years old and has kidney problems, dry food please");
    const mid = await until(session, (s) => s.items.some((i) => i.type === "assistant_message" && s.openItems.includes(i.id) && i.content[0]?.text));
    expect(mid.streaming).toBe(true);
    session.stop();
    await sending;
    const state = session.getState();
    expect(state.streaming).toBe(false);
    expect(state.error).toBeNull();
    expect(servers[1]!.closed()).toBe(true);
    const partial = state.items.at(-1) as AssistantMessageItem;
    expect(partial.type).toBe("assistant_message");
    expect(partial.content[0].text.length).toBeGreaterThan(0);
  });

  it("a retryable error offers retry, which re-answers the last user message", async () => {
    const failed = fixture("real_turn1_create.sse").replace(/data: \{"type":"thread\.item\.added".*$/s, "") +
      'data: {"type":"error","code":"stream.error","allow_retry":true}\n\n';
    const { client, bodies } = scripted([{ sse: failed }, { sse: fixture("real_turn1_create.sse").split("\n\n").slice(3).join("\n\n") }]);
    const session = new ThreadSession(client);
    await session.send("Hi! I need food for my cat");
    expect(session.getState().error).toMatchObject({ allowRetry: true });
    const userId = session.getState().items.find((i) => i.type === "user_message")!.id;
    await session.retry();
    expect(bodies[1]).toEqual({
      metadata: {},
      type: "threads.retry_after_item",
      params: { thread_id: session.getState().thread?.id, item_id: userId },
    });
    expect(session.getState().error).toBeNull();
    expect(session.getState().items.map((i) => i.type)).toEqual(["user_message", "assistant_message"]);
  });

  it("a network failure before the thread exists is retried by resending the message", async () => {
    const { client, bodies } = scripted([new TypeError("Failed to fetch"), { sse: fixture("real_turn1_create.sse") }]);
    const session = new ThreadSession(client);
    await session.send("Hi! I need food for my cat");
    expect(session.getState().error).toMatchObject({
      allowRetry: true,
      message: "Your message was not sent. The connection failed: Failed to fetch",
    });
    expect(session.getState().pendingUser).not.toBeNull(); // what failed stays visible
    await session.retry();
    expect(bodies.map((b) => b.type)).toEqual(["threads.create", "threads.create"]);
    expect(session.getState().thread?.id).toMatch(/^thr_/);
  });

  it("a refused request shows the server's reason, offers no retry and gives the text back to the composer", async () => {
    const { client } = scripted([{ status: 404, json: { error: "not_found", message: "thread thr_x not found" } }]);
    const session = new ThreadSession(client);
    session.dispatch({ type: "loaded", thread: { id: "thr_x", created_at: "", items: { data: [], has_more: false } } });
    await session.send("hello?");
    expect(session.getState().error).toMatchObject({ message: "thread thr_x not found", allowRetry: false });
    expect(session.getState().draft?.text).toBe("hello?");
    expect(session.getState().pendingFailed).toBe(true);
  });

  it("a message lost to the network stays in place; Retry sends that same message, not the previous one again", async () => {
    const { client, bodies } = scripted([
      { sse: fixture("real_turn1_create.sse") },
      new TypeError("Failed to fetch"),
      { sse: fixture("real_turn2_products.sse") },
    ]);
    const unsent: (UnsentMessage | null)[] = [];
    const session = new ThreadSession(client, { onUnsent: (u) => unsent.push(u) });
    await session.send("Hi! I need food for my cat");
    const threadId = session.getState().thread?.id;
    await session.send("She is 12 years old and has kidney problems, dry food please");
    let state = session.getState();
    expect(state.pendingFailed).toBe(true);
    expect(state.pendingUser?.content[0].text).toBe("She is 12 years old and has kidney problems, dry food please");
    expect(state.items.filter((i) => i.type === "user_message")).toHaveLength(1);
    expect(unsent).toEqual([
      { threadId, text: "She is 12 years old and has kidney problems, dry food please", attachments: [] },
    ]);
    await session.retry();
    expect(bodies[2]).toMatchObject({
      type: "threads.add_user_message",
      params: { thread_id: threadId, input: { content: [{ type: "input_text", text: "She is 12 years old and has kidney problems, dry food please" }] } },
    });
    state = session.getState();
    expect(state.pendingUser).toBeNull();
    expect(state.pendingFailed).toBe(false);
    expect(state.error).toBeNull();
    expect(state.items.filter((i) => i.type === "user_message")).toHaveLength(2);
    expect(unsent.at(-1)).toBeNull(); // delivered: nothing left to keep across reloads
  });

  it("an unsent message kept across a reload comes back in place, with Retry", async () => {
    const { client, bodies } = scripted([{ sse: fixture("real_turn1_create.sse") }]);
    const session = new ThreadSession(client);
    expect(session.restoreUnsent({ threadId: "thr_other", text: "x", attachments: [] })).toBe(false);
    expect(session.restoreUnsent({ threadId: null, text: "Hi! I need food for my cat", attachments: [] })).toBe(true);
    expect(session.getState()).toMatchObject({ pendingFailed: true, error: { code: "unsent", allowRetry: true } });
    await session.retry();
    expect(bodies[0]).toMatchObject({ type: "threads.create", params: { input: { content: [{ text: "Hi! I need food for my cat" }] } } });
    expect(session.getState().pendingUser).toBeNull();
  });

  it("Edit gives the unsent text back to the composer and drops the failed bubble", () => {
    const { client } = scripted([]);
    const session = new ThreadSession(client);
    session.restoreUnsent({ threadId: null, text: "grain free please", attachments: [] });
    session.discardUnsent(true);
    expect(session.getState()).toMatchObject({ pendingUser: null, pendingFailed: false, error: null, draft: { text: "grain free please" } });
  });

  it("a stopped answer is marked where it ends, and Regenerate answers the last message again", async () => {
    const turn2 = frames("real_turn2_products.sse");
    const cut = turn2.findIndex((f) => f.includes("text_delta")) + 3;
    const { client, bodies } = scripted([
      { sse: fixture("real_turn1_create.sse") },
      { sse: turn2.slice(0, cut).join(""), hang: true },
      { sse: "" },
    ]);
    const session = new ThreadSession(client);
    await session.send("Hi! I need food for my cat");
    const sending = session.send("She is 12 years old and has kidney problems, dry food please");
    await until(session, (s) => s.items.some((i) => i.type === "assistant_message" && s.openItems.includes(i.id) && i.content[0]?.text));
    session.stop();
    await sending;
    const state = session.getState();
    expect(state.stopped).toEqual([state.items.at(-1)!.id]);
    const lastUser = state.items.filter((i) => i.type === "user_message").at(-1)!;
    await session.regenerate();
    expect(bodies[2]).toMatchObject({ type: "threads.retry_after_item", params: { item_id: lastUser.id } });
  });

  it("feedback comes with the loaded thread; a thumbs down carries the reason in the request metadata", async () => {
    const { client, bodies } = scripted([{ status: 200, json: {} }, { status: 200, json: {} }]);
    const session = new ThreadSession(client);
    session.dispatch({
      type: "loaded",
      thread: { id: "thr_f", created_at: "", items: { data: [], has_more: false }, metadata: { feedback: { msg_1: "positive", msg_2: "bogus" }, stopped: ["msg_3"] } },
    });
    expect(session.getState().feedback).toEqual({ msg_1: "positive" });
    expect(session.getState().stopped).toEqual(["msg_3"]);
    await session.feedback("msg_1", "negative", "Too expensive");
    expect(session.getState().feedback).toEqual({ msg_1: "negative" });
    expect(bodies[0]).toEqual({
      type: "items.feedback",
      params: { thread_id: "thr_f", item_ids: ["msg_1"], kind: "negative" },
      metadata: { reason: "Too expensive" },
    });
  });

  it("widget actions: server actions stream as threads.custom_action, client actions become effects", async () => {
    const { client, bodies } = scripted([{ sse: fixture("real_turn1_create.sse") }, { sse: fixture("real_action.sse") }]);
    const effects: ClientEffect[] = [];
    const session = new ThreadSession(client, { onEffect: (e) => effects.push(e) });
    await session.send("Hi! I need food for my cat");
    await session.action({ type: "open_product", payload: { url: "https://example.test" }, handler: "client" }, "wid_1");
    expect(effects).toEqual([{ name: "open_product", data: { url: "https://example.test" } }]);
    expect(bodies).toHaveLength(1);
    await session.action({ type: "aya.details", payload: { product_id: "p1", compare_0: true }, handler: "server" }, "wid_1");
    expect(bodies[1]).toEqual({
      metadata: {},
      type: "threads.custom_action",
      params: {
        thread_id: session.getState().thread?.id,
        item_id: "wid_1",
        action: { type: "aya.details", payload: { product_id: "p1", compare_0: true } },
      },
    });
    expect(session.getState().items.some((i) => i.type === "widget")).toBe(true);
  });

  it("client_effect events reach the page", async () => {
    const { client } = scripted([{ sse: fixture("synthetic_misc.sse") }]);
    const effects: ClientEffect[] = [];
    const session = new ThreadSession(client, { onEffect: (e) => effects.push(e) });
    session.dispatch({ type: "loaded", thread: { id: "thr_syn", created_at: "", items: { data: [], has_more: false } } });
    await session.send("anything");
    expect(effects).toEqual([{ name: "open_url", data: { url: "https://example.test/p1" } }]);
  });

  it("opening another thread mid-stream detaches the old stream: it never touches the new state", async () => {
    const { client, servers } = scripted([{ sse: frames("real_turn1_create.sse").slice(0, 6).join(""), hang: true }]);
    const session = new ThreadSession(client);
    const sending = session.send("Hi! I need food for my cat");
    await until(session, (s) => s.thread !== null);
    session.reset();
    await sending;
    expect(servers[0]!.closed()).toBe(true);
    expect(session.getState()).toMatchObject({ thread: null, items: [], streaming: false, pendingUser: null, error: null });
  });

  it("answers a structured input item (or skips it) with threads.add_structured_input", async () => {
    const { client, bodies } = scripted([{ sse: fixture("real_turn1_create.sse") }, { sse: "" }, { sse: "" }]);
    const session = new ThreadSession(client);
    await session.send("Hi! I need food for my cat");
    const threadId = session.getState().thread?.id;
    await session.answer("si_1", { age: ["senior"], note: [] });
    expect(bodies[1]).toEqual({
      metadata: {},
      type: "threads.add_structured_input",
      params: {
        thread_id: threadId,
        item_id: "si_1",
        input: { status: "answered", answers: { age: { values: ["senior"], skipped: false }, note: { values: [], skipped: true } } },
      },
    });
    await session.answer("si_1", {}, "skipped");
    expect(bodies[2]).toMatchObject({ params: { input: { status: "skipped", answers: {} } } });
  });
});
