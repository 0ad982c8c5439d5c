import { describe, expect, it } from "vitest";
import { ChatKitClient, ChatKitHttpError } from "./client";
import { fakeServer, fixture } from "./testing";
import type { ThreadStreamEvent } from "./types";

const identity = () => ({ "user-id": "dev_test", username: "Sam" });
const message = { content: [{ type: "input_text" as const, text: "hi" }], attachments: [], inference_options: {} };

describe("ChatKitClient", () => {
  it("posts the request with identity headers and streams typed events", async () => {
    const server = fakeServer({ sse: fixture("synthetic_conversation.sse") });
    const client = new ChatKitClient({ url: "/chatkit", headers: identity, fetch: server.fetch });
    const types: string[] = [];
    for await (const e of client.stream({ type: "threads.create", params: { input: message } })) types.push(e.type);
    expect(types[0]).toBe("thread.created");
    expect(types).toContain("thread.item.updated");
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req.url).toBe("/chatkit");
    expect(req.headers["user-id"]).toBe("dev_test");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.body).toEqual({ metadata: {}, type: "threads.create", params: { input: message } });
  });

  it("aborting the signal stops the stream and releases the connection", async () => {
    const server = fakeServer({ sse: fixture("synthetic_conversation.sse"), hang: true });
    const client = new ChatKitClient({ url: "/chatkit", fetch: server.fetch });
    const controller = new AbortController();
    const seen: ThreadStreamEvent[] = [];
    const run = (async () => {
      for await (const e of client.stream({ type: "threads.create", params: { input: message } }, controller.signal)) {
        seen.push(e);
        if (seen.length === 20) controller.abort(); // every recorded event arrived; the server keeps the stream open
      }
    })();
    await expect(run).rejects.toThrow(/abort/i);
    expect(seen).toHaveLength(20);
    expect(server.aborted()).toBe(true); // fetch closes the connection: the server sees the client leave
  });

  it("breaking out of the loop cancels the response body", async () => {
    const server = fakeServer({ sse: fixture("synthetic_conversation.sse"), hang: true });
    const client = new ChatKitClient({ url: "/chatkit", fetch: server.fetch });
    for await (const e of client.stream({ type: "threads.create", params: { input: message } })) {
      if (e.type === "progress_update") break;
    }
    expect(server.cancelled()).toBe(true);
  });

  it("turns an HTTP error into ChatKitHttpError with the server's message", async () => {
    const server = fakeServer({ json: { error: "not_found", message: "thread thr_x not found" }, status: 404 });
    const client = new ChatKitClient({ url: "/chatkit", fetch: server.fetch });
    const err = await client.send({ type: "threads.get_by_id", params: { thread_id: "thr_x" } }).catch((e) => e);
    expect(err).toBeInstanceOf(ChatKitHttpError);
    expect(err.status).toBe(404);
    expect(err.message).toBe("thread thr_x not found");
    const streamErr = await (async () => {
      for await (const _ of client.stream({ type: "threads.add_user_message", params: { thread_id: "thr_x", input: message } })) {
        /* nothing */
      }
    })().catch((e) => e);
    expect(streamErr).toBeInstanceOf(ChatKitHttpError);
  });

  it("refuses a 200 answer that is not an event stream", async () => {
    const server = fakeServer({ json: { type: "not a stream" } });
    const client = new ChatKitClient({ url: "/chatkit", fetch: server.fetch });
    await expect(
      (async () => {
        for await (const _ of client.stream({ type: "threads.create", params: { input: message } })) {
          /* nothing */
        }
      })(),
    ).rejects.toThrow(/event stream/);
  });

  it("loads every page of a long thread", async () => {
    const item = (i: number) => ({
      id: `msg_${i}`,
      thread_id: "thr_1",
      created_at: "2026-01-01T00:00:00",
      type: "assistant_message",
      content: [{ type: "output_text", text: `m${i}` }],
    });
    const calls: unknown[] = [];
    const fetchImpl = (async (_url: RequestInfo | URL, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body));
      calls.push(body);
      const answer =
        body.type === "threads.get_by_id"
          ? { id: "thr_1", created_at: "2026-01-01T00:00:00", items: { data: [item(1), item(2)], has_more: true, after: "msg_2" } }
          : body.params.after === "msg_2"
            ? { data: [item(3), item(4)], has_more: true, after: "msg_4" }
            : { data: [item(5)], has_more: false };
      return new Response(JSON.stringify(answer), { headers: { "content-type": "application/json" } });
    }) as typeof fetch;
    const thread = await new ChatKitClient({ url: "/chatkit", fetch: fetchImpl }).getThread("thr_1");
    expect(thread.items.data.map((i) => i.id)).toEqual(["msg_1", "msg_2", "msg_3", "msg_4", "msg_5"]);
    expect(calls).toHaveLength(3);
  });
});
