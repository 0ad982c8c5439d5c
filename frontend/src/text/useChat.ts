/**
 * The Text tab's state: the thread list (paginated), rename, delete and feedback here; the open thread (send, stop,
 * retry, actions) in a ThreadSession. All protocol work goes through ChatKitClient.
 */

import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { ChatKitClient } from "../chatkit/client";
import type { ClientEffect } from "../chatkit/reducer";
import { ThreadSession, type UnsentMessage } from "../chatkit/session";
import type { ActionConfig, Attachment, Thread } from "../chatkit/types";

/**
 * Where the last open thread and an unsent message are kept: the shop's keys for "/chatkit" (the Voice tab shares
 * the last thread), keys of their own for another endpoint (Aya Ops' threads never open in the shop's Text tab).
 */
export function storageKeys(endpoint: string): { lastThread: string; unsent: string } {
  const suffix = endpoint === "/chatkit" ? "" : `:${endpoint}`;
  return { lastThread: `aya.last_thread${suffix}`, unsent: `aya.unsent${suffix}` };
}
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

function storedUnsent(key: string): UnsentMessage | null {
  try {
    const raw = JSON.parse(localStorage.getItem(key) ?? "null") as UnsentMessage | null;
    if (raw && typeof raw.text === "string" && Array.isArray(raw.attachments)) return raw;
  } catch {
    /* damaged: forget it */
  }
  return null;
}

function storeUnsent(key: string, unsent: UnsentMessage | null): void {
  if (unsent) localStorage.setItem(key, JSON.stringify(unsent));
  else localStorage.removeItem(key);
}

export function useChat(client: ChatKitClient, onEffect?: EffectHandler) {
  const [list, setList] = useState<ThreadList>({ threads: [], hasMore: false, after: null, loading: false, error: null });
  const effectRef = useRef(onEffect);
  effectRef.current = onEffect;
  const keys = useMemo(() => storageKeys(client.endpoint), [client]);

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
          localStorage.setItem(keys.lastThread, thread.id);
          upsertListed(thread, true);
        },
        onThreadUpdated: (thread) => upsertListed(thread, false),
        onEffect: (effect) => effectRef.current?.(effect),
        onUnsent: (unsent) => storeUnsent(keys.unsent, unsent),
      }),
    [client, keys, upsertListed],
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
        localStorage.setItem(keys.lastThread, threadId);
        const unsent = storedUnsent(keys.unsent);
        if (unsent) session.restoreUnsent(unsent);
      } catch (e) {
        if (localStorage.getItem(keys.lastThread) === threadId) localStorage.removeItem(keys.lastThread);
        session.reset();
        session.dispatch({ type: "local_error", message: `Could not open the conversation: ${message(e)}`, allowRetry: false });
      }
    },
    [session, keys],
  );

  const newThread = useCallback(() => {
    localStorage.removeItem(keys.lastThread);
    session.reset();
    // A first message that never reached the server belongs here (no thread yet).
    const unsent = storedUnsent(keys.unsent);
    if (unsent && unsent.threadId === null) session.restoreUnsent(unsent);
  }, [session, keys]);

  /** Resolves true when the server stored the feedback (the UI acknowledges it), false when it failed (shown). */
  const sendFeedback = useCallback(
    async (itemId: string, kind: "positive" | "negative", reason?: string): Promise<boolean> => {
      try {
        await session.feedback(itemId, kind, reason);
        return true;
      } catch {
        return false;
      }
    },
    [session],
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
  const regenerate = useCallback(() => session.regenerate(), [session]);
  const discardUnsent = useCallback((edit: boolean) => session.discardUnsent(edit), [session]);
  const action = useCallback((config: ActionConfig, itemId: string | null) => session.action(config, itemId), [session]);
  const answer = useCallback(
    (itemId: string, answers: Record<string, string[]>, status: "answered" | "skipped") =>
      session.answer(itemId, answers, status),
    [session],
  );

  // First load: the thread list, and the last conversation.
  useEffect(() => {
    void loadThreads(false);
    const last = localStorage.getItem(keys.lastThread);
    if (last) void openThread(last);
    else {
      const unsent = storedUnsent(keys.unsent);
      if (unsent && unsent.threadId === null) session.restoreUnsent(unsent);
    }
    return () => session.stop();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session]);

  return {
    state,
    list,
    loadThreads,
    openThread,
    newThread,
    send,
    stop,
    retry,
    regenerate,
    discardUnsent,
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
