/**
 * One open thread driven over the protocol: sends messages, actions and retries, streams their events through the
 * reducer, stops a stream on demand. Framework-free (React subscribes through `subscribe`/`getState`), so it is tested
 * in plain Node against recorded server streams.
 */

import { ChatKitClient, ChatKitHttpError } from "./client";
import { emptyThreadState, lastUserMessage, reduceThread, type ClientEffect, type ThreadAction, type ThreadState } from "./reducer";
import type { ActionConfig, Attachment, StreamingRequest, Thread, UserMessageInput, UserMessageItem } from "./types";

export interface SessionHooks {
  /** A new thread was created by the first message. */
  onThreadCreated?: (thread: Thread) => void;
  /** The server changed the thread (its title, usually). */
  onThreadUpdated?: (thread: Thread) => void;
  /** A `client_effect` event, or a widget action with `handler: "client"`. */
  onEffect?: (effect: ClientEffect) => void;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function userInput(text: string, attachments: Attachment[] = []): UserMessageInput {
  return {
    content: [{ type: "input_text", text }],
    attachments: attachments.map((a) => a.id),
    quoted_text: null,
    inference_options: {},
  };
}

export class ThreadSession {
  private state: ThreadState = emptyThreadState;
  private readonly listeners = new Set<() => void>();
  private controller: AbortController | null = null;
  private last: { request: StreamingRequest; pendingUser: UserMessageItem | null } | null = null;
  private pendingCount = 0;

  constructor(
    private readonly client: ChatKitClient,
    private readonly hooks: SessionHooks = {},
  ) {}

  getState = (): ThreadState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  dispatch(action: ThreadAction): void {
    this.state = reduceThread(this.state, action);
    this.listeners.forEach((l) => l());
  }

  /** Show a stored thread (every item, all pages). */
  async open(threadId: string): Promise<void> {
    this.detach();
    const thread = await this.client.getThread(threadId);
    this.dispatch({ type: "loaded", thread });
  }

  /** Back to the start screen (the next message creates a thread). */
  reset(): void {
    this.detach();
    this.dispatch({ type: "reset" });
  }

  /** Cancel the running stream, if any: the connection closes and the server saves what was said. */
  stop(): void {
    this.controller?.abort();
  }

  /** Stop the running stream and forget it (another thread is about to be shown). */
  private detach(): void {
    const controller = this.controller;
    this.controller = null;
    controller?.abort();
  }

  get streaming(): boolean {
    return this.controller !== null;
  }

  async send(text: string, attachments: Attachment[] = []): Promise<void> {
    const trimmed = text.trim();
    if (!trimmed && attachments.length === 0) return;
    const input = userInput(trimmed, attachments);
    const threadId = this.state.thread?.id;
    const pendingUser: UserMessageItem = {
      id: `pending_${++this.pendingCount}`,
      type: "user_message",
      thread_id: threadId ?? "",
      created_at: new Date().toISOString(),
      content: input.content,
      attachments,
      inference_options: {},
    };
    await this.run(
      threadId
        ? { type: "threads.add_user_message", params: { thread_id: threadId, input } }
        : { type: "threads.create", params: { input } },
      pendingUser,
    );
  }

  /** A widget action: server actions stream back as `threads.custom_action`; client actions go to `onEffect`. */
  async action(config: ActionConfig, itemId: string | null): Promise<void> {
    if (config.handler === "client") {
      this.hooks.onEffect?.({ name: config.type, data: (config.payload as Record<string, unknown>) ?? {} });
      return;
    }
    const threadId = this.state.thread?.id;
    if (!threadId) return;
    await this.run(
      {
        type: "threads.custom_action",
        params: { thread_id: threadId, item_id: itemId, action: { type: config.type, payload: config.payload ?? null } },
      },
      null,
    );
  }

  /** Answer a pending structured input item (questions the assistant asked), or skip it. */
  async answer(
    itemId: string,
    answers: Record<string, string[]>,
    status: "answered" | "skipped" = "answered",
  ): Promise<void> {
    const threadId = this.state.thread?.id;
    if (!threadId) return;
    const submission = Object.fromEntries(
      Object.entries(answers).map(([id, values]) => [id, { values, skipped: values.length === 0 }]),
    );
    await this.run(
      {
        type: "threads.add_structured_input",
        params: { thread_id: threadId, item_id: itemId, input: { status, answers: status === "skipped" ? {} : submission } },
      },
      null,
    );
  }

  /** Answer the last user message again (the server drops what followed it), or resend what never arrived. */
  async retry(): Promise<void> {
    const threadId = this.state.thread?.id;
    const lastUser = lastUserMessage(this.state.items);
    if (threadId && lastUser) {
      await this.run({ type: "threads.retry_after_item", params: { thread_id: threadId, item_id: lastUser.id } }, null, lastUser.id);
    } else if (this.last) {
      await this.run(this.last.request, this.last.pendingUser);
    }
  }

  private async run(request: StreamingRequest, pendingUser: UserMessageItem | null, retryAfterItemId?: string): Promise<void> {
    this.detach();
    const controller = new AbortController();
    this.controller = controller;
    this.last = { request, pendingUser };
    this.dispatch({ type: "stream_started", pendingUser, retryAfterItemId });
    // A newer run (or open/reset) may replace this one: it then owns the state, and this run must not touch it.
    const current = () => this.controller === controller;
    try {
      for await (const event of this.client.stream(request, controller.signal)) {
        if (controller.signal.aborted) break;
        this.dispatch({ type: "event", event });
        if (event.type === "thread.created") this.hooks.onThreadCreated?.(event.thread);
        else if (event.type === "thread.updated") this.hooks.onThreadUpdated?.(event.thread);
        else if (event.type === "client_effect") this.hooks.onEffect?.({ name: event.name, data: event.data ?? {} });
      }
      if (current()) this.dispatch({ type: "stream_ended", aborted: controller.signal.aborted });
    } catch (e) {
      if (!current()) return;
      if (controller.signal.aborted) {
        this.dispatch({ type: "stream_ended", aborted: true });
      } else {
        this.dispatch({ type: "stream_ended" });
        // The server refused the request (4xx): say why; retrying the same request cannot help.
        // A network failure or a server error (5xx) may pass: offer a retry.
        const refused = e instanceof ChatKitHttpError && e.status < 500;
        this.dispatch({
          type: "local_error",
          message: refused ? message(e) : `The connection failed: ${message(e)}`,
          allowRetry: !refused,
        });
      }
    } finally {
      if (current()) this.controller = null;
    }
  }
}
