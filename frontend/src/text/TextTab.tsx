import { useCallback, useEffect, useRef, useState } from "react";
import type { ChatKitClient } from "../chatkit/client";
import { assistantText, type ClientEffect } from "../chatkit/reducer";
import { Icon } from "../components/Icon";
import { Markdown } from "../components/Markdown";
import type { AppConfig } from "../config";
import type { Theme } from "../theme";
import type { ActionHandler } from "../widgets/Widget";
import { Composer } from "./Composer";
import { ClientContext, Messages, type AnswerHandler, type FeedbackHandler } from "./Messages";
import { Sidebar } from "./Sidebar";
import { useScrollFollow } from "./scrolling";
import { storageKeys, useChat } from "./useChat";

/**
 * Client effects Aya may send. Unknown effects are re-dispatched as a DOM event (`aya:client-effect`) so other
 * parts of the page (the Voice tab) can react to them.
 */
function runEffect(effect: ClientEffect, refreshThreads: () => void) {
  const data = effect.data;
  switch (effect.name) {
    case "open_url":
    case "open_link": {
      const url = typeof data.url === "string" ? data.url : null;
      if (url && /^https?:\/\//.test(url)) window.open(url, "_blank", "noopener,noreferrer");
      break;
    }
    case "copy_to_clipboard":
    case "copy": {
      const text = typeof data.text === "string" ? data.text : null;
      if (text) void navigator.clipboard?.writeText(text).catch(() => undefined);
      break;
    }
    case "refresh_threads":
    case "threads_changed":
      refreshThreads();
      break;
    default:
      break;
  }
  window.dispatchEvent(new CustomEvent("aya:client-effect", { detail: effect }));
}

/**
 * `active`: the tab is shown. Coming back to it (after talking in the Voice tab, say) refreshes the history and the
 * open thread; other parts of the page can ask for the same with a `aya:thread-changed` DOM event.
 */
export function TextTab({
  client,
  config,
  theme,
  active = true,
}: {
  client: ChatKitClient;
  config: AppConfig;
  theme: Theme;
  active?: boolean;
}) {
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [lastEffect, setLastEffect] = useState<string | null>(null);
  const refreshRef = useRef<() => void>(() => {});
  const onEffect = useCallback((effect: ClientEffect) => {
    setLastEffect(effect.name);
    runEffect(effect, () => refreshRef.current());
  }, []);
  const chat = useChat(client, onEffect);
  refreshRef.current = () => void chat.loadThreads(false);
  const { state } = chat;

  const { loadThreads, openThread } = chat;
  const refresh = useCallback(() => {
    void loadThreads(false);
    // The open thread, or the one the Voice tab started meanwhile.
    const open = chat.state.thread?.id ?? localStorage.getItem(storageKeys(client.endpoint).lastThread);
    if (open && !chat.state.streaming) void openThread(open);
  }, [loadThreads, openThread, chat.state.thread?.id, chat.state.streaming, client.endpoint]);
  const wasActive = useRef(active);
  useEffect(() => {
    if (active && !wasActive.current) refresh();
    wasActive.current = active;
  }, [active, refresh]);
  useEffect(() => {
    const onChanged = () => refresh();
    window.addEventListener("aya:thread-changed", onChanged);
    return () => window.removeEventListener("aya:thread-changed", onChanged);
  }, [refresh]);
  const { action, sendFeedback } = chat;
  const onAction = useCallback<ActionHandler>((a, itemId) => void action(a, itemId), [action]);
  const { answer } = chat;
  const onAnswer = useCallback<AnswerHandler>((id, answers, status) => void answer(id, answers, status), [answer]);
  const onFeedback = useCallback<FeedbackHandler>((id, kind, reason) => sendFeedback(id, kind, reason), [sendFeedback]);
  const empty = state.items.length === 0 && !state.pendingUser;

  // Scrolling: a new answer comes into view at its start; new text is followed only while the reader is at the bottom.
  const scrollRef = useRef<HTMLDivElement>(null);
  const last = state.items.at(-1);
  const lastSize = last?.type === "assistant_message" ? assistantText(last).length : 0;
  const changeKey = `${state.items.length}:${lastSize}:${state.pendingUser?.id}:${state.progress?.text}:${state.error?.message}:${state.notices.length}`;
  const { atBottom, jumpToLatest, toEnd } = useScrollFollow(scrollRef, state.streaming, changeKey);
  const openId = state.thread?.id;
  useEffect(() => {
    if (!state.streaming) toEnd();
    // Only when another thread is shown, not on every change of the stream.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [openId, toEnd]);

  // Esc stops a reply (unless a dialog or the drawer takes it first).
  const { stop } = chat;
  const streaming = state.streaming && state.allowCancel;
  useEffect(() => {
    if (!streaming) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented && !sidebarOpen) {
        e.preventDefault();
        stop();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [streaming, stop, sidebarOpen]);
  const locked = state.thread?.status && state.thread.status.type !== "active";

  return (
    <ClientContext.Provider value={client}>
    <div
      className="text-tab"
      data-last-effect={lastEffect ?? undefined}
      onKeyDown={(e) => {
        if (e.key === "Escape" && sidebarOpen) setSidebarOpen(false);
      }}
    >
      <Sidebar
        list={chat.list}
        currentId={state.thread?.id ?? null}
        open={sidebarOpen}
        onClose={() => setSidebarOpen(false)}
        onNew={() => {
          chat.newThread();
          setSidebarOpen(false);
          document.querySelector<HTMLTextAreaElement>(".composer-input")?.focus();
        }}
        onOpen={(id) => {
          void chat.openThread(id);
          setSidebarOpen(false);
        }}
        onMore={() => void chat.loadThreads(true)}
        onRename={chat.rename}
        onDelete={chat.remove}
      />
      {sidebarOpen ? <div className="scrim" onClick={() => setSidebarOpen(false)} aria-hidden="true" /> : null}
      <section className="chat" aria-label="Chat with Aya">
        <div className="chat-head">
          <button type="button" className="icon-button open-sidebar" aria-label="Show conversations" onClick={() => setSidebarOpen(true)}>
            <Icon name="menu" />
          </button>
          <h1 className="chat-title">{state.thread?.title?.trim() || (empty ? "Aya" : "New conversation")}</h1>
        </div>
        <div className="chat-scroll" ref={scrollRef}>
          <div className="chat-content">
          {empty ? (
            <div className="start-screen">
              <div className="avatar" aria-hidden="true">
                <Icon name="paw" size={34} />
              </div>
              <Markdown text={config.greeting} className="greeting" />
              <ul className="suggestions" aria-label="Suggestions">
                {config.prompts.map((p) => (
                  <li key={p.prompt}>
                    <button type="button" className="suggestion" onClick={() => void chat.send(p.prompt)} disabled={state.streaming}>
                      <strong>{p.label}</strong>
                      {p.label !== p.prompt ? <span>{p.prompt}</span> : null}
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          ) : (
            <Messages
              items={state.items}
              pendingUser={state.pendingUser}
              pendingFailed={state.pendingFailed}
              streaming={state.streaming}
              openItems={state.openItems}
              theme={theme}
              feedback={state.feedback}
              stopped={state.stopped}
              onAction={onAction}
              onFeedback={onFeedback}
              onAnswer={onAnswer}
              onRetryUnsent={state.error?.allowRetry === false ? undefined : () => void chat.retry()}
              onEditUnsent={() => chat.discardUnsent(true)}
              onRegenerate={() => void chat.regenerate()}
              onFollowUp={(message) => void chat.send(message)}
            />
          )}
          {state.streaming && (state.progress || state.pendingUser || last?.type === "user_message") ? (
            <div className="progress" role="status">
              <span className="dots" aria-hidden="true">
                <i />
                <i />
                <i />
              </span>
              {state.progress?.text ?? "Aya is thinking…"}
            </div>
          ) : null}
          {state.notices.map((n, i) => (
            <div key={i} className={`notice notice-${n.level}`} role="status">
              {n.title ? <strong>{n.title}</strong> : null}
              <Markdown text={n.message} />
              <button type="button" className="icon-button" aria-label="Dismiss notice" onClick={() => chat.dismissNotice(i)}>
                <Icon name="x" size={14} />
              </button>
            </div>
          ))}
          {state.error ? (
            <div className="error-banner" role="alert">
              <span>{state.error.message}</span>
              {state.error.allowRetry && state.error.code !== "unsent" ? (
                <button type="button" className="small" onClick={() => void chat.retry()}>
                  Retry
                </button>
              ) : null}
              <button type="button" className="icon-button" aria-label="Dismiss error" onClick={chat.dismissError}>
                <Icon name="x" size={14} />
              </button>
            </div>
          ) : null}
          </div>
        </div>
        {!atBottom && !empty ? (
          <button type="button" className="jump-latest" onClick={jumpToLatest}>
            <Icon name="down-arrow" size={16} /> Jump to latest
          </button>
        ) : null}
        {locked ? (
          <p className="locked">This conversation is {state.thread?.status?.type}. Start a new one to keep chatting.</p>
        ) : null}
        <Composer
          placeholder={config.placeholder}
          streaming={state.streaming}
          canStop={state.allowCancel}
          disabled={Boolean(locked)}
          attachments={config.attachments}
          onSend={(text, attachments) => void chat.send(text, attachments)}
          onStop={chat.stop}
          upload={(file) => client.uploadAttachment(file)}
          discard={(id) => client.deleteAttachment(id)}
          transcribe={(audio) => client.transcribe(audio)}
          draft={state.draft}
        />
      </section>
    </div>
    </ClientContext.Provider>
  );
}
