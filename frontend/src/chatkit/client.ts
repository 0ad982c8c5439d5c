/**
 * The ChatKit protocol client: sends requests to a ChatKit endpoint (`POST /chatkit`), returns JSON answers for the
 * non-streaming requests and typed events, as they arrive, for the streaming ones. No UI, no state: see reducer.ts.
 */

import { parseEventStream, readableChunks } from "./sse";
import type {
  Attachment,
  ChatKitRequest,
  NonStreamingRequest,
  NonStreamingResponses,
  Page,
  StreamingRequest,
  Thread,
  ThreadItem,
  ThreadStreamEvent,
} from "./types";

export type HeadersProvider = () => Record<string, string>;

export interface ChatKitClientOptions {
  /** URL of the ChatKit endpoint, e.g. "/chatkit". */
  url: string;
  /** Extra headers for every request (identity: `user-id`/`username` or `Authorization`). */
  headers?: HeadersProvider;
  fetch?: typeof fetch;
}

/** An HTTP-level failure: the server answered with a non-2xx status (its JSON `message` when there is one). */
export class ChatKitHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = "ChatKitHttpError";
  }
}

const STREAMING_TYPES = new Set<string>([
  "threads.create",
  "threads.add_user_message",
  "threads.add_client_tool_output",
  "threads.add_structured_input",
  "threads.retry_after_item",
  "threads.custom_action",
]);

export function isStreamingRequest(request: ChatKitRequest): request is StreamingRequest {
  return STREAMING_TYPES.has(request.type);
}

async function errorFrom(response: Response): Promise<ChatKitHttpError> {
  const text = await response.text().catch(() => "");
  let body: unknown = text;
  let message = text.trim() || response.statusText || `HTTP ${response.status}`;
  try {
    body = JSON.parse(text);
    const b = body as { message?: unknown; detail?: unknown; error?: unknown };
    const candidate = b.message ?? b.detail ?? b.error;
    if (typeof candidate === "string") message = candidate;
  } catch {
    /* not JSON: keep the text */
  }
  return new ChatKitHttpError(response.status, message, body);
}

export class ChatKitClient {
  private readonly url: string;

  /** The endpoint this client talks to ("/chatkit", "/ops/chatkit"). */
  get endpoint(): string {
    return this.url;
  }
  private readonly headers: HeadersProvider;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ChatKitClientOptions) {
    this.url = options.url;
    this.headers = options.headers ?? (() => ({}));
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  private async post(request: ChatKitRequest, signal?: AbortSignal): Promise<Response> {
    const response = await this.fetchImpl(this.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...this.headers() },
      body: JSON.stringify({ metadata: {}, ...request }),
      signal,
    });
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  /** Send a non-streaming request and return its JSON answer. */
  async send<R extends NonStreamingRequest>(
    request: R,
    signal?: AbortSignal,
  ): Promise<NonStreamingResponses[R["type"]]> {
    const response = await this.post(request, signal);
    const text = await response.text();
    return (text ? JSON.parse(text) : {}) as NonStreamingResponses[R["type"]];
  }

  /**
   * Send a streaming request and yield its events as they arrive. Aborting `signal` (or breaking out of the loop)
   * closes the connection, which the server treats as a cancellation.
   */
  async *stream(request: StreamingRequest, signal?: AbortSignal): AsyncGenerator<ThreadStreamEvent> {
    const response = await this.post(request, signal);
    if (!response.body) throw new ChatKitHttpError(response.status, "the server sent no stream");
    const contentType = response.headers.get("content-type") ?? "";
    if (!contentType.includes("text/event-stream")) {
      throw new ChatKitHttpError(response.status, `expected an event stream, got ${contentType || "no content type"}`);
    }
    yield* parseEventStream(readableChunks(response.body));
  }

  // --- conveniences over `send` ---------------------------------------------------------------------------------

  listThreads(params: { limit?: number; after?: string | null; order?: "asc" | "desc" } = {}): Promise<Page<Thread>> {
    return this.send({ type: "threads.list", params: { order: "desc", ...params } });
  }

  /** Load a thread with every item (the server sends the first page; the rest come from `items.list`). */
  async getThread(threadId: string, signal?: AbortSignal): Promise<Thread> {
    const thread = await this.send({ type: "threads.get_by_id", params: { thread_id: threadId } }, signal);
    const items: ThreadItem[] = [...(thread.items?.data ?? [])];
    let page: Page<ThreadItem> = thread.items ?? { data: [], has_more: false };
    let after = page.after ?? items.at(-1)?.id ?? null;
    while (page.has_more && after) {
      page = await this.send(
        { type: "items.list", params: { thread_id: threadId, order: "asc", after, limit: 100 } },
        signal,
      );
      items.push(...page.data);
      after = page.after ?? page.data.at(-1)?.id ?? null;
    }
    return { ...thread, items: { data: items, has_more: false, after: null } };
  }

  renameThread(threadId: string, title: string): Promise<Thread> {
    return this.send({ type: "threads.update", params: { thread_id: threadId, title } });
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.send({ type: "threads.delete", params: { thread_id: threadId } });
  }

  /** Feedback on items; a reason (why an answer was bad) travels in the request's `metadata.reason`. */
  async feedback(threadId: string, itemIds: string[], kind: "positive" | "negative", reason?: string): Promise<void> {
    await this.send({
      type: "items.feedback",
      params: { thread_id: threadId, item_ids: itemIds, kind },
      ...(reason ? { metadata: { reason } } : {}),
    });
  }

  /**
   * Register an attachment and upload its bytes. With a two-phase upload descriptor the file goes to the URL the
   * server gave; otherwise the server stored it on creation (direct upload is not part of the JSON protocol).
   */
  async uploadAttachment(file: File): Promise<Attachment> {
    const attachment = await this.send({
      type: "attachments.create",
      params: { name: file.name, size: file.size, mime_type: file.type || "application/octet-stream" },
    });
    const upload = attachment.upload_descriptor;
    if (upload) {
      const form = new FormData();
      form.append("file", file, file.name);
      const response = await this.fetchImpl(upload.url, {
        method: upload.method,
        headers: { ...this.headers(), ...(upload.headers ?? {}) },
        body: form,
      });
      if (!response.ok) throw await errorFrom(response);
      const text = await response.text();
      if (text) {
        try {
          return { ...attachment, ...(JSON.parse(text) as Partial<Attachment>), upload_descriptor: null } as Attachment;
        } catch {
          /* a body that is not JSON: keep the attachment as created */
        }
      }
    }
    return { ...attachment, upload_descriptor: null } as Attachment;
  }

  /** Dictation: recorded audio to text (`input.transcribe`). */
  async transcribe(audio: Blob, signal?: AbortSignal): Promise<string> {
    const bytes = new Uint8Array(await audio.arrayBuffer());
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    const result = await this.send(
      { type: "input.transcribe", params: { audio_base64: btoa(binary), mime_type: audio.type || "audio/webm" } },
      signal,
    );
    return result.text;
  }

  /** An attachment's bytes (previews are served only to their owner, so they need the identity headers). */
  async fetchAttachment(url: string, signal?: AbortSignal): Promise<Blob> {
    const response = await this.fetchImpl(url, { headers: this.headers(), signal });
    if (!response.ok) throw await errorFrom(response);
    return response.blob();
  }

  async deleteAttachment(attachmentId: string): Promise<void> {
    await this.send({ type: "attachments.delete", params: { attachment_id: attachmentId } });
  }
}
