import { describe, expect, it } from "vitest";
import { parseEventStream, ProtocolError } from "./sse";
import { chunked, fixture } from "./testing";
import type { ThreadStreamEvent } from "./types";

async function collect(chunks: (Uint8Array | string)[]): Promise<ThreadStreamEvent[]> {
  async function* source() {
    yield* chunks;
  }
  const out: ThreadStreamEvent[] = [];
  for await (const e of parseEventStream(source())) out.push(e);
  return out;
}

describe("parseEventStream", () => {
  const body = fixture("synthetic_conversation.sse");
  const expected = body
    .split("\n\n")
    .filter((f) => f.startsWith("data: "))
    .map((f) => JSON.parse(f.slice(6)));

  it("yields every frame, whatever the chunk boundaries (inside frames and UTF-8 characters)", async () => {
    for (const sizes of [[1], [2, 3], [7, 64, 1, 300], [100000]]) {
      expect(await collect(chunked(body, sizes))).toEqual(expected);
    }
  });

  it("yields an event as soon as its frame is complete", async () => {
    const first = 'data: {"type":"progress_update","text":"Searching…"}\n\n';
    async function* source() {
      yield new TextEncoder().encode(first);
      throw new Error("the stream must not be read further before the first event is consumed");
    }
    const it = parseEventStream(source());
    const { value } = await it.next();
    expect(value).toEqual({ type: "progress_update", text: "Searching…" });
  });

  it("accepts CRLF line ends, comments and a last frame without its blank line", async () => {
    const events = await collect([': keep-alive\r\n\r\ndata: {"type":"notice","level":"info","message":"hi"}\r\n\r\n', 'data: {"type":"error"}']);
    expect(events.map((e) => e.type)).toEqual(["notice", "error"]);
  });

  it("rejects frames that are not events", async () => {
    await expect(collect(["data: not json\n\n"])).rejects.toBeInstanceOf(ProtocolError);
    await expect(collect(['data: {"no":"type"}\n\n'])).rejects.toBeInstanceOf(ProtocolError);
  });
});
