/**
 * One open thread driven over the protocol: sends messages, actions and retries, streams their events through the
 * reducer, stops a stream on demand. Framework-free (React subscribes through `subscribe`/`getState`), so it is tested
 * in plain Node against recorded server streams.
 */

import { ChatKitClient, ChatKitHttpError } from "./client";
import {
  emptyThreadState,
  lastUserMessage,
  reduceThread,
  userText,
  type ClientEffect,
  type FeedbackKind,
  type ThreadAction,
  type ThreadState,
} from "./reducer";
import type { ActionConfig, Attachment, StreamingRequest, Thread, UserMessageInput, UserMessageItem } from "./types";

export interface SessionHooks {
  /** A new thread was created by the first message. */
  onThreadCreated?: (thread: Thread) => void;
  /** The server changed the thread (its title, usually). */
  onThreadUpdated?: (thread: Thread) => void;
  /** A `client_effect` event, or a widget action with `handler: "client"`. */
  onEffect?: (effect: ClientEffect) => void;
  /** The message that did not reach the server changed (null: none left), so the page can keep it across reloads. */
  onUnsent?: (unsent: UnsentMessage | null) => void;
}

/** A message the server never received: kept in place (and across reloads) until it is sent or discarded. */
export interface UnsentMessage {
  threadId: string | null;
  text: string;
  attachments: Attachment[];
}

const UNSENT_MESSAGE = "Your message was not sent.";

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
  private unsent: UnsentMessage | null = null;
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
    this.unsent = null;
    this.dispatch({ type: "loaded", thread });
  }

  /** Back to the start screen (the next message creates a thread). */
  reset(): void {
    this.detach();
    this.unsent = null;
    this.dispatch({ type: "reset" });
  }

  /** Show a message that was not sent before (a reload) in place, with Retry, if it belongs to the open thread. */
  restoreUnsent(unsent: UnsentMessage): boolean {
    if ((this.state.thread?.id ?? null) !== unsent.threadId || this.streaming) return false;
    this.unsent = unsent;
    this.dispatch({ type: "restore_unsent", pendingUser: this.pendingItem(unsent.text, unsent.attachments), message: UNSENT_MESSAGE });
    return true;
  }

  /** Give up on the unsent message; with `edit`, its text goes back to the composer. */
  discardUnsent(edit = false): void {
    const unsent = this.unsent;
    this.setUnsent(null);
    this.dispatch({ type: "discard_unsent" });
    if (edit && unsent) this.dispatch({ type: "return_draft", text: unsent.text });
  }

  private setUnsent(unsent: UnsentMessage | null): void {
    if (unsent === null && this.unsent === null) return;
    this.unsent = unsent;
    this.hooks.onUnsent?.(unsent);
  }

  private pendingItem(text: string, attachments: Attachment[]): UserMessageItem {
    return {
      id: `pending_${++this.pendingCount}`,
      type: "user_message",
      thread_id: this.state.thread?.id ?? "",
      created_at: new Date().toISOString(),
      content: [{ type: "input_text", text }],
      attachments,
      inference_options: {},
    };
  }

  /** Record (or change) feedback on an item, optimistically; a thumbs down may carry the reason the user gave. */
  async feedback(itemId: string, kind: FeedbackKind, reason?: string): Promise<void> {
    const threadId = this.state.thread?.id;
    if (!threadId) return;
    const before = this.state.feedback[itemId] ?? null;
    this.dispatch({ type: "feedback", itemId, kind });
    try {
      await this.client.feedback(threadId, [itemId], kind, reason);
    } catch (e) {
      if (this.state.thread?.id !== threadId) return;
      this.dispatch({ type: "feedback", itemId, kind: before });
      this.dispatch({ type: "local_error", message: `Feedback was not saved: ${message(e)}`, allowRetry: false });
      throw e;
    }
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
    this.setUnsent(null);
    await this.deliver(trimmed, attachments, this.pendingItem(trimmed, attachments));
  }

  /** Send a user message to the open thread (or a new one); if it never reaches the server it is kept as unsent. */
  private async deliver(text: string, attachments: Attachment[], pendingUser: UserMessageItem): Promise<void> {
    const input = userInput(text, attachments);
    const threadId = this.state.thread?.id;
    await this.run(
      threadId
        ? { type: "threads.add_user_message", params: { thread_id: threadId, input } }
        : { type: "threads.create", params: { input } },
      pendingUser,
      undefined,
      { text, attachments },
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

  /**
   * Retry what failed: a message the server never received is sent again, the same message in the same place (to
   * the thread if it was created meanwhile); otherwise the last user message is answered again (`regenerate`).
   */
  async retry(): Promise<void> {
    const unsent = this.unsent;
    if (unsent && this.state.pendingUser) {
      await this.deliver(unsent.text, unsent.attachments, this.state.pendingUser);
      return;
    }
    await this.regenerate();
  }

  /**
   * Answer the last user message again (the server drops what followed it), or rerun what never started. A message
   * stopped before the server echoed it may or may not be stored: the thread is read again to find out, and the
   * message is answered again if it is there, sent if not.
   */
  async regenerate(): Promise<void> {
    const pending = this.state.pendingUser;
    if (pending && !this.streaming) {
      const text = userText(pending);
      const threadId = this.state.thread?.id;
      if (threadId) {
        const thread = await this.client.getThread(threadId);
        this.dispatch({ type: "loaded", thread });
        const stored = lastUserMessage(this.state.items);
        if (stored && userText(stored) === text) {
          await this.run({ type: "threads.retry_after_item", params: { thread_id: threadId, item_id: stored.id } }, null, stored.id);
          return;
        }
      }
      await this.deliver(text, pending.attachments ?? [], this.pendingItem(text, pending.attachments ?? []));
      return;
    }
    const threadId = this.state.thread?.id;
    const lastUser = lastUserMessage(this.state.items);
    if (threadId && lastUser) {
      await this.run({ type: "threads.retry_after_item", params: { thread_id: threadId, item_id: lastUser.id } }, null, lastUser.id);
    } else if (this.last) {
      await this.run(this.last.request, this.last.pendingUser);
    }
  }

  private async run(
    request: StreamingRequest,
    pendingUser: UserMessageItem | null,
    retryAfterItemId?: string,
    outgoing?: { text: string; attachments: Attachment[] },
  ): Promise<void> {
    this.detach();
    const controller = new AbortController();
    this.controller = controller;
    this.last = { request, pendingUser };
    this.dispatch({ type: "stream_started", pendingUser, retryAfterItemId });
    // A newer run (or open/reset) may replace this one: it then owns the state, and this run must not touch it.
    const current = () => this.controller === controller;
    // Whether the server stored the user's message (it echoes it): until then, a failure leaves it unsent.
    let received = pendingUser === null;
    try {
      for await (const event of this.client.stream(request, controller.signal)) {
        if (controller.signal.aborted) break;
        if (!received && (event.type === "thread.item.added" || event.type === "thread.item.done") && event.item.type === "user_message") {
          received = true;
          if (this.unsent) this.setUnsent(null);
        }
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
        // The server refused the request (4xx): say why; retrying the same request cannot help, so a message it
        // refused goes back to the composer. A network failure or a server error (5xx) may pass: offer a retry.
        const refused = e instanceof ChatKitHttpError && e.status < 500;
        const unsent = !received && outgoing !== undefined;
        if (unsent && !refused) this.setUnsent({ threadId: this.state.thread?.id ?? null, ...outgoing });
        this.dispatch({
          type: "local_error",
          message: refused ? message(e) : `${unsent ? `${UNSENT_MESSAGE} ` : ""}The connection failed: ${message(e)}`,
          allowRetry: !refused,
          unsent,
        });
        if (unsent && refused) this.dispatch({ type: "return_draft", text: outgoing.text });
      }
    } finally {
      if (current()) this.controller = null;
    }
  }
}
