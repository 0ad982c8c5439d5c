/**
 * The Text tab's state machine: the thread list (paginated), the open thread (reduced from stream events), sending,
 * stopping, retrying, actions, feedback, rename and delete. All protocol work goes through ChatKitClient.
 */

import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { ChatKitClient, ChatKitHttpError } from "../chatkit/client";
import { emptyThreadState, lastUserMessage, reduceThread, type ClientEffect } from "../chatkit/reducer";
import type { ActionConfig, Attachment, StreamingRequest, Thread, UserMessageInput, UserMessageItem } from "../chatkit/types";

const LAST_THREAD_KEY = "aya.last_thread";
const PAGE_SIZE = 20;

export interface ThreadList {
  threads: Thread[];
  hasMore: boolean;
  after: string | null;
  loading: boolean;
  error: string | null;
}

export type EffectHandler = (effect: ClientEffect) => void;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function userInput(text: string, attachments: Attachment[]): UserMessageInput {
  return {
    content: [{ type: "input_text", text }],
    attachments: attachments.map((a) => a.id),
    quoted_text: null,
    inference_options: {},
  };
}

export function useChat(client: ChatKitClient, onEffect?: EffectHandler) {
  const [state, dispatch] = useReducer(reduceThread, emptyThreadState);
  const [list, setList] = useState<ThreadList>({ threads: [], hasMore: false, after: null, loading: false, error: null });
  const [feedback, setFeedback] = useState<Record<string, "positive" | "negative">>({});
  const abortRef = useRef<AbortController | null>(null);
  const lastRequestRef = useRef<{ request: StreamingRequest; pendingUser: UserMessageItem | null } | null>(null);
  const stateRef = useRef(state);
  stateRef.current = state;
  const effectsSeen = useRef(0);

  // --- thread list ----------------------------------------------------------------------------------------------

  const loadThreads = useCallback(
    async (more = false) => {
      setList((l) => ({ ...l, loading: true, error: null }));
      try {
        const after = more ? list.after : null;
        const page = await client.listThreads({ limit: PAGE_SIZE, after });
        setList((l) => {
          const known = more ? l.threads : [];
          const ids = new Set(known.map((t) => t.id));
          return {
            threads: [...known, ...page.data.filter((t) => !ids.has(t.id))],
            hasMore: page.has_more,
            after: page.after ?? page.data.at(-1)?.id ?? null,
            loading: false,
            error: null,
          };
        });
      } catch (e) {
        setList((l) => ({ ...l, loading: false, error: message(e) }));
      }
    },
    [client, list.after],
  );

  const upsertListed = useCallback((thread: Thread, atTop: boolean) => {
    setList((l) => {
      const index = l.threads.findIndex((t) => t.id === thread.id);
      if (index === -1) return atTop ? { ...l, threads: [thread, ...l.threads] } : l;
      const threads = l.threads.slice();
      threads[index] = { ...threads[index], ...thread, items: threads[index].items };
      return { ...l, threads };
    });
  }, []);

  // --- open thread ----------------------------------------------------------------------------------------------

  const openThread = useCallback(
    async (threadId: string) => {
      abortRef.current?.abort();
      try {
        const thread = await client.getThread(threadId);
        dispatch({ type: "loaded", thread });
        localStorage.setItem(LAST_THREAD_KEY, threadId);
        setFeedback({});
      } catch (e) {
        if (localStorage.getItem(LAST_THREAD_KEY) === threadId) localStorage.removeItem(LAST_THREAD_KEY);
        dispatch({ type: "reset" });
        dispatch({ type: "local_error", message: `Could not open the conversation: ${message(e)}`, allowRetry: false });
      }
    },
    [client],
  );

  const newThread = useCallback(() => {
    abortRef.current?.abort();
    localStorage.removeItem(LAST_THREAD_KEY);
    dispatch({ type: "reset" });
    setFeedback({});
  }, []);

  // --- streaming ------------------------------------------------------------------------------------------------

  const run = useCallback(
    async (request: StreamingRequest, pendingUser: UserMessageItem | null, retryAfterItemId?: string) => {
      abortRef.current?.abort();
      const controller = new AbortController();
      abortRef.current = controller;
      lastRequestRef.current = { request, pendingUser };
      dispatch({ type: "stream_started", pendingUser, retryAfterItemId });
      try {
        for await (const event of client.stream(request, controller.signal)) {
          if (controller.signal.aborted) break;
          dispatch({ type: "event", event });
          if (event.type === "thread.created") {
            localStorage.setItem(LAST_THREAD_KEY, event.thread.id);
            upsertListed(event.thread, true);
          } else if (event.type === "thread.updated") {
            upsertListed(event.thread, false);
          }
        }
        if (controller.signal.aborted) dispatch({ type: "stream_ended", aborted: true });
        else dispatch({ type: "stream_ended" });
      } catch (e) {
        if (controller.signal.aborted) {
          dispatch({ type: "stream_ended", aborted: true });
        } else {
          dispatch({ type: "stream_ended" });
          // The server refused the request (4xx): say why; retrying the same request cannot help.
          // A network failure or a server error (5xx) may pass: offer a retry.
          const refused = e instanceof ChatKitHttpError && e.status < 500;
          dispatch({
            type: "local_error",
            message: refused ? message(e) : `The connection failed: ${message(e)}`,
            allowRetry: !refused,
          });
        }
      } finally {
        if (abortRef.current === controller) abortRef.current = null;
      }
    },
    [client, upsertListed],
  );

  const send = useCallback(
    async (text: string, attachments: Attachment[] = []) => {
      const trimmed = text.trim();
      if (!trimmed && attachments.length === 0) return;
      const input = userInput(trimmed, attachments);
      const threadId = stateRef.current.thread?.id;
      const pendingUser: UserMessageItem = {
        id: `pending_${Date.now()}`,
        type: "user_message",
        thread_id: threadId ?? "",
        created_at: new Date().toISOString(),
        content: input.content,
        attachments,
        inference_options: {},
      };
      const request: StreamingRequest = threadId
        ? { type: "threads.add_user_message", params: { thread_id: threadId, input } }
        : { type: "threads.create", params: { input } };
      await run(request, pendingUser);
    },
    [run],
  );

  const stop = useCallback(() => {
    abortRef.current?.abort();
  }, []);

  const retry = useCallback(async () => {
    const s = stateRef.current;
    const lastUser = lastUserMessage(s.items);
    if (s.thread && lastUser) {
      await run({ type: "threads.retry_after_item", params: { thread_id: s.thread.id, item_id: lastUser.id } }, null, lastUser.id);
    } else if (lastRequestRef.current) {
      await run(lastRequestRef.current.request, lastRequestRef.current.pendingUser);
    }
  }, [run]);

  const action = useCallback(
    async (config: ActionConfig, itemId: string | null) => {
      if (config.handler === "client") {
        onEffect?.({ name: config.type, data: (config.payload as Record<string, unknown>) ?? {} });
        return;
      }
      const threadId = stateRef.current.thread?.id;
      if (!threadId) return;
      await run(
        {
          type: "threads.custom_action",
          params: { thread_id: threadId, item_id: itemId, action: { type: config.type, payload: config.payload ?? null } },
        },
        null,
      );
    },
    [run, onEffect],
  );

  const sendFeedback = useCallback(
    async (itemId: string, kind: "positive" | "negative") => {
      const threadId = stateRef.current.thread?.id;
      if (!threadId) return;
      setFeedback((f) => ({ ...f, [itemId]: kind }));
      try {
        await client.feedback(threadId, [itemId], kind);
      } catch (e) {
        setFeedback((f) => {
          const next = { ...f };
          delete next[itemId];
          return next;
        });
        dispatch({ type: "local_error", message: `Feedback was not saved: ${message(e)}`, allowRetry: false });
      }
    },
    [client],
  );

  const rename = useCallback(
    async (threadId: string, title: string) => {
      const updated = await client.renameThread(threadId, title);
      upsertListed(updated, false);
      if (stateRef.current.thread?.id === threadId) {
        dispatch({ type: "event", event: { type: "thread.updated", thread: updated } });
      }
    },
    [client, upsertListed],
  );

  const remove = useCallback(
    async (threadId: string) => {
      await client.deleteThread(threadId);
      setList((l) => ({ ...l, threads: l.threads.filter((t) => t.id !== threadId) }));
      if (stateRef.current.thread?.id === threadId) newThread();
    },
    [client, newThread],
  );

  // Client effects: each one once, in order.
  useEffect(() => {
    const effects = state.effects;
    if (effects.length < effectsSeen.current) effectsSeen.current = 0; // a new thread started a new list
    for (let i = effectsSeen.current; i < effects.length; i++) onEffect?.(effects[i]);
    effectsSeen.current = effects.length;
  }, [state.effects, onEffect]);

  // First load: the thread list, and the last conversation.
  useEffect(() => {
    void loadThreads(false);
    const last = localStorage.getItem(LAST_THREAD_KEY);
    if (last) void openThread(last);
    return () => abortRef.current?.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client]);

  return {
    state,
    list,
    feedback,
    loadThreads,
    openThread,
    newThread,
    send,
    stop,
    retry,
    action,
    sendFeedback,
    rename,
    remove,
    dismissError: () => dispatch({ type: "dismiss_error" }),
    dismissNotice: (index: number) => dispatch({ type: "dismiss_notice", index }),
  };
}

export type Chat = ReturnType<typeof useChat>;
