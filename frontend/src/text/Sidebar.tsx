import { useEffect, useRef, useState, type FormEvent } from "react";
import type { Thread } from "../chatkit/types";
import type { ThreadList } from "./useChat";
import { Icon } from "../components/Icon";

interface Props {
  list: ThreadList;
  currentId: string | null;
  open: boolean;
  onClose: () => void;
  onNew: () => void;
  onOpen: (id: string) => void;
  onMore: () => void;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
}

function titleOf(thread: Thread): string {
  return thread.title?.trim() || "New conversation";
}

function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const today = new Date();
  return d.toDateString() === today.toDateString()
    ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleDateString([], { month: "short", day: "numeric" });
}

function ThreadRow({
  thread,
  current,
  onOpen,
  onRename,
  onDelete,
}: {
  thread: Thread;
  current: boolean;
  onOpen: () => void;
  onRename: (title: string) => Promise<void>;
  onDelete: () => Promise<void>;
}) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [draft, setDraft] = useState(titleOf(thread));
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const title = draft.trim();
    if (!title) return;
    try {
      await onRename(title);
      setEditing(false);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  if (editing) {
    return (
      <li className="thread-row editing">
        <form onSubmit={submit} className="rename-form">
          <input
            aria-label="Conversation title"
            value={draft}
            maxLength={200}
            autoFocus
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") setEditing(false);
            }}
          />
          <button type="submit" className="small">
            Save
          </button>
          <button type="button" className="small ghost" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
        {error ? <p className="row-error">{error}</p> : null}
      </li>
    );
  }

  return (
    <li className={`thread-row${current ? " current" : ""}`} data-thread-id={thread.id}>
      <button type="button" className="thread-open" aria-current={current ? "true" : undefined} onClick={onOpen}>
        <span className="thread-title">{titleOf(thread)}</span>
        <span className="thread-date">{when(thread.created_at)}</span>
      </button>
      {confirming ? (
        <span className="thread-confirm" role="group" aria-label="Confirm delete">
          <button
            type="button"
            className="small danger"
            onClick={() => {
              void onDelete().catch((err) => setError(String(err)));
              setConfirming(false);
            }}
          >
            Delete
          </button>
          <button type="button" className="small ghost" onClick={() => setConfirming(false)}>
            Keep
          </button>
        </span>
      ) : (
        <span className="thread-actions">
          <button
            type="button"
            className="icon-button"
            aria-label={`Rename ${titleOf(thread)}`}
            title="Rename"
            onClick={() => {
              setDraft(titleOf(thread));
              setEditing(true);
            }}
          >
            <Icon name="pencil" size={15} />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label={`Delete ${titleOf(thread)}`}
            title="Delete"
            onClick={() => setConfirming(true)}
          >
            <Icon name="trash" size={15} />
          </button>
        </span>
      )}
      {error ? <p className="row-error">{error}</p> : null}
    </li>
  );
}

export function Sidebar({ list, currentId, open, onClose, onNew, onOpen, onMore, onRename, onDelete }: Props) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    // As a drawer (phone), move the focus into it when it opens.
    if (open) ref.current?.querySelector<HTMLButtonElement>(".new-thread")?.focus();
  }, [open]);
  return (
    <aside ref={ref} className={`sidebar${open ? " open" : ""}`} aria-label="Conversations">
      <div className="sidebar-head">
        <button type="button" className="new-thread" onClick={onNew}>
          + New conversation
        </button>
        <button type="button" className="icon-button close-sidebar" aria-label="Close conversations" onClick={onClose}>
          <Icon name="x" />
        </button>
      </div>
      <h2 className="sidebar-title">History</h2>
      {list.error ? <p className="row-error">Could not load conversations: {list.error}</p> : null}
      {list.threads.length === 0 && !list.loading ? <p className="empty-history">No conversations yet.</p> : null}
      <ul className="thread-list">
        {list.threads.map((t) => (
          <ThreadRow
            key={t.id}
            thread={t}
            current={t.id === currentId}
            onOpen={() => onOpen(t.id)}
            onRename={(title) => onRename(t.id, title)}
            onDelete={() => onDelete(t.id)}
          />
        ))}
      </ul>
      {list.hasMore ? (
        <button type="button" className="ghost load-more" disabled={list.loading} onClick={onMore}>
          {list.loading ? "Loading…" : "Load more"}
        </button>
      ) : null}
    </aside>
  );
}
