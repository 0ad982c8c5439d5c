/** Incremental parsing of a ChatKit SSE body (`data: {json}\n\n` frames) into typed stream events. */

import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { ThreadStreamEvent } from "./types";

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

/** Decode one SSE `data` payload. Throws ProtocolError on anything that is not a JSON object with a string `type`. */
export function parseEventData(data: string): ThreadStreamEvent {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw new ProtocolError(`stream event is not JSON: ${data.slice(0, 80)}`);
  }
  if (typeof value !== "object" || value === null || typeof (value as { type?: unknown }).type !== "string") {
    throw new ProtocolError("stream event has no type");
  }
  return value as ThreadStreamEvent;
}

/**
 * Turn a stream of byte chunks (split anywhere, even inside a UTF-8 character or a frame) into events, yielding each
 * as soon as its frame is complete.
 */
export async function* parseEventStream(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<ThreadStreamEvent> {
  const decoder = new TextDecoder();
  const ready: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => ready.push(message) });
  for await (const chunk of chunks) {
    parser.feed(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
    while (ready.length > 0) {
      const message = ready.shift()!;
      if (message.data) yield parseEventData(message.data);
    }
  }
  parser.feed(decoder.decode() + "\n\n"); // flush a final frame that lacks its blank line
  for (const message of ready) if (message.data) yield parseEventData(message.data);
}

/** Adapt a fetch body (a ReadableStream) to an async iterable of chunks; releases the reader when done. */
export async function* readableChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (value) yield value;
    }
  } finally {
    // On early exit (the consumer stopped or the request was aborted) tell the server we are gone.
    reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
