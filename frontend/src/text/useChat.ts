/**
 * The Text tab's state: the thread list (paginated), rename, delete and feedback here; the open thread (send, stop,
 * retry, actions) in a ThreadSession. All protocol work goes through ChatKitClient.
 */

import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { ChatKitClient } from "../chatkit/client";
import type { ClientEffect } from "../chatkit/reducer";
import { ThreadSession } from "../chatkit/session";
import type { ActionConfig, Attachment, Thread } from "../chatkit/types";

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

export function useChat(client: ChatKitClient, onEffect?: EffectHandler) {
  const [list, setList] = useState<ThreadList>({ threads: [], hasMore: false, after: null, loading: false, error: null });
  const [feedback, setFeedback] = useState<Record<string, "positive" | "negative">>({});
  const effectRef = useRef(onEffect);
  effectRef.current = onEffect;

  const upsertListed = useCallback((thread: Thread, atTop: boolean) => {
    setList((l) => {
      const index = l.threads.findIndex((t) => t.id === thread.id);
      if (index === -1) return atTop ? { ...l, threads: [thread, ...l.threads] } : l;
      const threads = l.threads.slice();
      threads[index] = { ...threads[index], ...thread, items: threads[index].items };
      return { ...l, threads };
    });
  }, []);

  const session = useMemo(
    () =>
      new ThreadSession(client, {
        onThreadCreated: (thread) => {
          localStorage.setItem(LAST_THREAD_KEY, thread.id);
          upsertListed(thread, true);
        },
        onThreadUpdated: (thread) => upsertListed(thread, false),
        onEffect: (effect) => effectRef.current?.(effect),
      }),
    [client, upsertListed],
  );
  const state = useSyncExternalStore(session.subscribe, session.getState);

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

  // --- open thread ----------------------------------------------------------------------------------------------

  const openThread = useCallback(
    async (threadId: string) => {
      try {
        await session.open(threadId);
        localStorage.setItem(LAST_THREAD_KEY, threadId);
        setFeedback({});
      } catch (e) {
        if (localStorage.getItem(LAST_THREAD_KEY) === threadId) localStorage.removeItem(LAST_THREAD_KEY);
        session.reset();
        session.dispatch({ type: "local_error", message: `Could not open the conversation: ${message(e)}`, allowRetry: false });
      }
    },
    [session],
  );

  const newThread = useCallback(() => {
    localStorage.removeItem(LAST_THREAD_KEY);
    session.reset();
    setFeedback({});
  }, [session]);

  const sendFeedback = useCallback(
    async (itemId: string, kind: "positive" | "negative") => {
      const threadId = session.getState().thread?.id;
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
        session.dispatch({ type: "local_error", message: `Feedback was not saved: ${message(e)}`, allowRetry: false });
      }
    },
    [client, session],
  );

  const rename = useCallback(
    async (threadId: string, title: string) => {
      const updated = await client.renameThread(threadId, title);
      upsertListed(updated, false);
      if (session.getState().thread?.id === threadId) {
        session.dispatch({ type: "event", event: { type: "thread.updated", thread: updated } });
      }
    },
    [client, session, upsertListed],
  );

  const remove = useCallback(
    async (threadId: string) => {
      await client.deleteThread(threadId);
      setList((l) => ({ ...l, threads: l.threads.filter((t) => t.id !== threadId) }));
      if (session.getState().thread?.id === threadId) newThread();
    },
    [client, session, newThread],
  );

  const send = useCallback((text: string, attachments: Attachment[] = []) => session.send(text, attachments), [session]);
  const stop = useCallback(() => session.stop(), [session]);
  const retry = useCallback(() => session.retry(), [session]);
  const action = useCallback((config: ActionConfig, itemId: string | null) => session.action(config, itemId), [session]);
  const answer = useCallback(
    (itemId: string, answers: Record<string, string[]>, status: "answered" | "skipped") =>
      session.answer(itemId, answers, status),
    [session],
  );

  // First load: the thread list, and the last conversation.
  useEffect(() => {
    void loadThreads(false);
    const last = localStorage.getItem(LAST_THREAD_KEY);
    if (last) void openThread(last);
    return () => session.stop();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session]);

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
    answer,
    sendFeedback,
    rename,
    remove,
    dismissError: () => session.dispatch({ type: "dismiss_error" }),
    dismissNotice: (index: number) => session.dispatch({ type: "dismiss_notice", index }),
  };
}

export type Chat = ReturnType<typeof useChat>;
