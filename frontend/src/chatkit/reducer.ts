/**
 * Thread state and the pure reducer that folds ChatKit stream events (and a few local actions) into it.
 * Every `ThreadStreamEvent` and every `ThreadItemUpdate` of the SDK is handled; the switch statements are checked
 * for exhaustiveness by the compiler, and an unknown type from a newer server is ignored at run time.
 */

import type {
  AssistantMessageContent,
  AssistantMessageItem,
  ThreadItem,
  ThreadItemUpdate,
  ThreadMetadata,
  ThreadStreamEvent,
  Thread,
  UserMessageItem,
  WidgetComponent,
  WidgetItem,
} from "./types";

export interface StreamError {
  code: string;
  message: string;
  allowRetry: boolean;
}

export interface Notice {
  level: "info" | "warning" | "danger";
  message: string;
  title?: string | null;
}

export type FeedbackKind = "positive" | "negative";

export interface ClientEffect {
  name: string;
  data: Record<string, unknown>;
}

export interface ThreadState {
  thread: ThreadMetadata | null;
  items: ThreadItem[];
  /** The user's message, shown at once, until the server echoes the stored item. */
  pendingUser: UserMessageItem | null;
  /** The pending message never reached the server: it stays in place, marked, with Retry. */
  pendingFailed: boolean;
  /** The user's feedback by item id (loaded with the thread, then as given). */
  feedback: Record<string, FeedbackKind>;
  /** Items after which the user stopped the answer (loaded with the thread, then as stopped). */
  stopped: string[];
  /** Text to put back in the composer (a message that cannot be sent); `nonce` changes each time. */
  draft: { text: string; nonce: number } | null;
  streaming: boolean;
  allowCancel: boolean;
  progress: { text: string; icon?: string | null } | null;
  error: StreamError | null;
  notices: Notice[];
  /** Client effects received, in order (the UI runs each once). */
  effects: ClientEffect[];
  /** Items still being streamed (added, not yet done). */
  openItems: string[];
}

export const emptyThreadState: ThreadState = {
  thread: null,
  items: [],
  pendingUser: null,
  pendingFailed: false,
  feedback: {},
  stopped: [],
  draft: null,
  streaming: false,
  allowCancel: true,
  progress: null,
  error: null,
  notices: [],
  effects: [],
  openItems: [],
};

export type ThreadAction =
  | { type: "event"; event: ThreadStreamEvent }
  | { type: "reset" }
  | { type: "loaded"; thread: Thread }
  | { type: "stream_started"; pendingUser?: UserMessageItem | null; retryAfterItemId?: string }
  | { type: "stream_ended"; aborted?: boolean }
  | { type: "local_error"; message: string; allowRetry: boolean; unsent?: boolean }
  | { type: "restore_unsent"; pendingUser: UserMessageItem; message: string }
  | { type: "discard_unsent" }
  | { type: "return_draft"; text: string }
  | { type: "feedback"; itemId: string; kind: FeedbackKind | null }
  | { type: "dismiss_error" }
  | { type: "dismiss_notice"; index: number }
  | { type: "item_replaced"; item: ThreadItem };

const HIDDEN_ITEM_TYPES = new Set(["hidden_context_item", "sdk_hidden_context"]);

function visible(item: ThreadItem): boolean {
  return !HIDDEN_ITEM_TYPES.has(item.type);
}

/** What the server sends with a stored thread for the client (`metadata.feedback`, `metadata.stopped`). */
function loadedExtras(thread: Thread): Pick<ThreadState, "feedback" | "stopped"> {
  const meta = thread.metadata ?? {};
  const feedback: Record<string, FeedbackKind> = {};
  const given = meta.feedback;
  if (given && typeof given === "object") {
    for (const [id, kind] of Object.entries(given as Record<string, unknown>)) {
      if (kind === "positive" || kind === "negative") feedback[id] = kind;
    }
  }
  const stopped = Array.isArray(meta.stopped) ? meta.stopped.filter((id): id is string => typeof id === "string") : [];
  return { feedback, stopped };
}

function metadataOf(thread: Thread): ThreadMetadata {
  const { items: _items, ...meta } = thread;
  return meta;
}

/** Insert or replace an item by id, keeping the order of first appearance. */
function upsertItem(items: ThreadItem[], item: ThreadItem): ThreadItem[] {
  const index = items.findIndex((i) => i.id === item.id);
  if (index === -1) return [...items, item];
  const next = items.slice();
  next[index] = item;
  return next;
}

function mapItem(items: ThreadItem[], id: string, fn: (item: ThreadItem) => ThreadItem): ThreadItem[] {
  let changed = false;
  const next = items.map((item) => {
    if (item.id !== id) return item;
    changed = true;
    return fn(item);
  });
  return changed ? next : items;
}

function withContent(
  item: AssistantMessageItem,
  index: number,
  fn: (c: AssistantMessageContent) => AssistantMessageContent,
): AssistantMessageItem {
  const content = item.content.slice();
  while (content.length <= index) content.push({ type: "output_text", text: "", annotations: [] });
  content[index] = fn(content[index]);
  return { ...item, content };
}

// --- widget trees ------------------------------------------------------------------------------------------------

function childrenOf(component: WidgetComponent): WidgetComponent[] {
  const c = component.children;
  if (!c) return [];
  return Array.isArray(c) ? c : [c];
}

/** Return a copy of the tree with the component whose `id` matches replaced by `fn(component)`. */
export function updateComponent(
  root: WidgetComponent,
  componentId: string,
  fn: (c: WidgetComponent) => WidgetComponent,
): WidgetComponent {
  if (root.id === componentId) return fn(root);
  const children = root.children;
  if (!children) return root;
  if (Array.isArray(children)) {
    let changed = false;
    const next = children.map((child) => {
      const updated = updateComponent(child, componentId, fn);
      if (updated !== child) changed = true;
      return updated;
    });
    return changed ? { ...root, children: next } : root;
  }
  const updated = updateComponent(children, componentId, fn);
  return updated === children ? root : { ...root, children: updated };
}

export function findComponent(root: WidgetComponent, componentId: string): WidgetComponent | null {
  if (root.id === componentId) return root;
  for (const child of childrenOf(root)) {
    const found = findComponent(child, componentId);
    if (found) return found;
  }
  return null;
}

// --- item updates ------------------------------------------------------------------------------------------------

export function applyItemUpdate(item: ThreadItem, update: ThreadItemUpdate): ThreadItem {
  switch (update.type) {
    case "assistant_message.content_part.added":
    case "assistant_message.content_part.done":
      if (item.type !== "assistant_message") return item;
      return withContent(item, update.content_index, () => update.content);
    case "assistant_message.content_part.text_delta":
      if (item.type !== "assistant_message") return item;
      return withContent(item, update.content_index, (c) => ({ ...c, text: c.text + update.delta }));
    case "assistant_message.content_part.annotation_added":
      if (item.type !== "assistant_message") return item;
      return withContent(item, update.content_index, (c) => {
        const annotations = (c.annotations ?? []).slice();
        annotations.splice(Math.min(update.annotation_index, annotations.length), 0, update.annotation);
        return { ...c, annotations };
      });
    case "widget.root.updated":
      if (item.type !== "widget") return item;
      return { ...item, widget: update.widget };
    case "widget.component.updated":
      if (item.type !== "widget") return item;
      return { ...item, widget: updateComponent(item.widget, update.component_id, () => update.component) };
    case "widget.streaming_text.value_delta":
      if (item.type !== "widget") return item;
      return {
        ...item,
        widget: updateComponent(item.widget, update.component_id, (c) => ({
          ...c,
          value: String(c.value ?? "") + update.delta,
          streaming: !update.done,
        })),
      } satisfies WidgetItem;
    case "workflow.task.added": {
      if (item.type !== "workflow") return item;
      const tasks = item.workflow.tasks.slice();
      tasks.splice(Math.min(update.task_index, tasks.length), 0, update.task);
      return { ...item, workflow: { ...item.workflow, tasks } };
    }
    case "workflow.task.updated": {
      if (item.type !== "workflow") return item;
      const tasks = item.workflow.tasks.slice();
      tasks[update.task_index] = update.task;
      return { ...item, workflow: { ...item.workflow, tasks } };
    }
    case "generated_image.updated":
      if (item.type !== "generated_image") return item;
      return { ...item, image: update.image };
    default:
      return ignoreUnknown(update, item);
  }
}

/** Compile-time exhaustiveness; at run time an unknown type (newer server) leaves the state unchanged. */
function ignoreUnknown<T>(_: never, unchanged: T): T {
  return unchanged;
}

// --- events ------------------------------------------------------------------------------------------------------

function closeItem(state: ThreadState, id: string): string[] {
  return state.openItems.includes(id) ? state.openItems.filter((i) => i !== id) : state.openItems;
}

export function applyEvent(state: ThreadState, event: ThreadStreamEvent): ThreadState {
  switch (event.type) {
    case "thread.created":
      return { ...state, thread: metadataOf(event.thread), items: (event.thread.items?.data ?? []).filter(visible) };
    case "thread.updated":
      return { ...state, thread: metadataOf(event.thread) };
    case "thread.item.added": {
      if (!visible(event.item)) return state;
      const progress = event.item.type === "assistant_message" || event.item.type === "widget" ? null : state.progress;
      const pendingUser = event.item.type === "user_message" ? null : state.pendingUser;
      return {
        ...state,
        items: upsertItem(state.items, event.item),
        openItems: [...closeItem(state, event.item.id), event.item.id],
        progress,
        pendingUser,
        pendingFailed: pendingUser ? state.pendingFailed : false,
      };
    }
    case "thread.item.done": {
      if (!visible(event.item)) return state;
      const pendingUser = event.item.type === "user_message" ? null : state.pendingUser;
      const progress = event.item.type === "user_message" ? state.progress : null;
      return {
        ...state,
        items: upsertItem(state.items, event.item),
        openItems: closeItem(state, event.item.id),
        pendingUser,
        pendingFailed: pendingUser ? state.pendingFailed : false,
        progress,
      };
    }
    case "thread.item.updated":
      return { ...state, items: mapItem(state.items, event.item_id, (item) => applyItemUpdate(item, event.update)) };
    case "thread.item.removed":
      return {
        ...state,
        items: state.items.filter((i) => i.id !== event.item_id),
        openItems: closeItem(state, event.item_id),
      };
    case "thread.item.replaced":
      if (!visible(event.item)) return { ...state, items: state.items.filter((i) => i.id !== event.item.id) };
      return { ...state, items: upsertItem(state.items, event.item), openItems: closeItem(state, event.item.id) };
    case "stream_options":
      return { ...state, allowCancel: event.stream_options.allow_cancel };
    case "progress_update":
      return { ...state, progress: { text: event.text, icon: event.icon ?? null } };
    case "client_effect":
      return { ...state, effects: [...state.effects, { name: event.name, data: event.data ?? {} }] };
    case "error":
      return {
        ...state,
        progress: null,
        error: {
          code: event.code ?? "custom",
          message: event.message || "Something went wrong while answering.",
          allowRetry: event.allow_retry ?? false,
        },
      };
    case "notice":
      return {
        ...state,
        notices: [...state.notices, { level: event.level, message: event.message, title: event.title ?? null }],
      };
    default:
      return ignoreUnknown(event, state);
  }
}

export function reduceThread(state: ThreadState, action: ThreadAction): ThreadState {
  switch (action.type) {
    case "event":
      return applyEvent(state, action.event);
    case "reset":
      return emptyThreadState;
    case "loaded":
      return {
        ...emptyThreadState,
        thread: metadataOf(action.thread),
        items: (action.thread.items?.data ?? []).filter(visible),
        ...loadedExtras(action.thread),
      };
    case "stream_started": {
      let items = state.items;
      if (action.retryAfterItemId) {
        // The server removes every item after the retried user message; mirror it.
        const index = items.findIndex((i) => i.id === action.retryAfterItemId);
        if (index !== -1) items = items.slice(0, index + 1);
      }
      return {
        ...state,
        items,
        streaming: true,
        allowCancel: true,
        progress: null,
        error: null,
        notices: [],
        openItems: [],
        pendingUser: action.pendingUser ?? null,
        pendingFailed: false,
      };
    }
    case "stream_ended": {
      // Items left open by a cancelled stream: the server keeps non-empty assistant messages only.
      const dropped = new Set(
        action.aborted
          ? state.openItems.filter((id) => {
              const item = state.items.find((i) => i.id === id);
              return !(item?.type === "assistant_message" && item.content.some((c) => c.text.trim()));
            })
          : [],
      );
      const items = dropped.size ? state.items.filter((i) => !dropped.has(i.id)) : state.items;
      // A stopped answer is marked where it ends: its kept message, or the last item shown before it.
      // Stopped before the server echoed the message: it stays shown (the server may have it), marked stopped.
      let stopped = state.stopped;
      if (action.aborted) {
        const kept = state.openItems.filter((id) => !dropped.has(id));
        const at = kept.at(-1) ?? state.pendingUser?.id ?? items.at(-1)?.id;
        if (at && !stopped.includes(at)) stopped = [...stopped, at];
      }
      return {
        ...state,
        items,
        stopped,
        streaming: false,
        progress: null,
        openItems: [],
      };
    }
    case "local_error":
      return {
        ...state,
        streaming: false,
        progress: null,
        pendingFailed: Boolean(action.unsent && state.pendingUser),
        error: { code: action.unsent ? "unsent" : "client", message: action.message, allowRetry: action.allowRetry },
      };
    case "restore_unsent":
      return {
        ...state,
        pendingUser: action.pendingUser,
        pendingFailed: true,
        error: { code: "unsent", message: action.message, allowRetry: true },
      };
    case "discard_unsent":
      return { ...state, pendingUser: null, pendingFailed: false, error: state.error?.code === "unsent" ? null : state.error };
    case "return_draft":
      return { ...state, draft: { text: action.text, nonce: (state.draft?.nonce ?? 0) + 1 } };
    case "feedback": {
      const feedback = { ...state.feedback };
      if (action.kind) feedback[action.itemId] = action.kind;
      else delete feedback[action.itemId];
      return { ...state, feedback };
    }
    case "dismiss_error":
      return { ...state, error: null };
    case "dismiss_notice":
      return { ...state, notices: state.notices.filter((_, i) => i !== action.index) };
    case "item_replaced":
      return { ...state, items: upsertItem(state.items, action.item) };
    default:
      return ignoreUnknown(action, state);
  }
}

/** Fold a whole event sequence (tests and replay). */
export function reduceEvents(events: Iterable<ThreadStreamEvent>, state: ThreadState = emptyThreadState): ThreadState {
  let s = state;
  for (const event of events) s = applyEvent(s, event);
  return s;
}

/** The last user message of the thread (what `threads.retry_after_item` retries). */
export function lastUserMessage(items: ThreadItem[]): UserMessageItem | null {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item.type === "user_message") return item;
  }
  return null;
}

/** Plain text of an assistant message (copy button, aria-live). */
export function assistantText(item: AssistantMessageItem): string {
  return item.content.map((c) => c.text).join("\n\n");
}

/** Plain text of a user message. */
export function userText(item: UserMessageItem): string {
  return item.content.map((c) => c.text).join(" ");
}
