import { createContext, Fragment, memo, useContext, useEffect, useRef, useState } from "react";
import type { ChatKitClient } from "../chatkit/client";
import { assistantText, lastUserMessage, userText } from "../chatkit/reducer";
import type {
  AssistantMessageItem,
  StructuredInputItem,
  ThreadItem,
  UserMessageItem,
  WidgetComponent,
  WorkflowItem,
} from "../chatkit/types";
import { Markdown } from "../components/Markdown";
import { Widget, widgetText, type ActionHandler } from "../widgets/Widget";
import type { Theme } from "../theme";
import { Icon } from "../components/Icon";

export type FeedbackHandler = (itemId: string, kind: "positive" | "negative", reason?: string) => Promise<boolean>;

interface Props {
  items: ThreadItem[];
  pendingUser: UserMessageItem | null;
  /** The pending message never reached the server: marked, with Retry and Edit. */
  pendingFailed?: boolean;
  streaming: boolean;
  openItems: string[];
  theme: Theme;
  feedback: Record<string, "positive" | "negative">;
  /** Items after which the shopper stopped the answer. */
  stopped?: string[];
  onAction: ActionHandler;
  onFeedback: FeedbackHandler;
  onAnswer?: AnswerHandler;
  onRetryUnsent?: () => void;
  onEditUnsent?: () => void;
  onRegenerate?: () => void;
  /** A follow-up chip was tapped: send its message as the shopper's. */
  onFollowUp?: (message: string) => void;
}

/** The widget key of Aya's follow-up suggestions (`aya.shop.followups`). */
export const FOLLOWUPS_KEY = "aya.followups";

interface FollowUp {
  label: string;
  message: string;
}

/** The chips of a follow-up widget: its buttons' labels and the messages their client actions carry. */
export function followUpsOf(widget: WidgetComponent): FollowUp[] {
  const out: FollowUp[] = [];
  const walk = (node: WidgetComponent) => {
    const action = node.onClickAction as { type?: string; payload?: { message?: unknown } } | undefined;
    if (node.type === "Button" && action?.type === "aya.followup" && typeof action.payload?.message === "string") {
      out.push({ label: String(node.label ?? action.payload.message), message: action.payload.message });
    }
    const children = node.children;
    if (Array.isArray(children)) children.forEach(walk);
    else if (children && typeof children === "object") walk(children);
  };
  walk(widget);
  return out;
}

/** Suggestions under the newest answer; tapping one sends it as the shopper's next message. */
function FollowUps({ followUps, onFollowUp }: { followUps: FollowUp[]; onFollowUp: (message: string) => void }) {
  return (
    <div className="msg followups" role="group" aria-label="Suggested follow-ups">
      {followUps.map((f) => (
        <button key={f.message} type="button" className="chip" onClick={() => onFollowUp(f.message)}>
          {f.label}
        </button>
      ))}
    </div>
  );
}

export type AnswerHandler = (itemId: string, answers: Record<string, string[]>, status: "answered" | "skipped") => void;

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard API unavailable (plain http): fall back to a hidden textarea.
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    setCopied(true);
    window.setTimeout(() => setCopied(false), 1500);
  };
  return (
    <button type="button" className="icon-button" aria-label="Copy message" title="Copy" onClick={copy}>
      <Icon name={copied ? "check" : "copy"} size={16} />
    </button>
  );
}

/** The sources an answer cites (annotations): links for URLs, titles for files and entities. */
function Sources({ item }: { item: AssistantMessageItem }) {
  const seen = new Set<string>();
  const sources = item.content
    .flatMap((c) => c.annotations ?? [])
    .map((a) => a.source)
    .filter((src) => {
      const key = src.type === "url" ? src.url : `${src.type}:${src.title}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  if (sources.length === 0) return null;
  return (
    <ol className="sources" aria-label="Sources">
      {sources.map((src, i) => (
        <li key={i}>
          {src.type === "url" && /^https?:\/\//.test(src.url) ? (
            <a href={src.url} target="_blank" rel="noopener noreferrer">
              {src.title || src.url}
            </a>
          ) : (
            <span>{src.title}</span>
          )}
        </li>
      ))}
    </ol>
  );
}

/** The client, for components that fetch with the user's identity (attachment previews). */
export const ClientContext = createContext<ChatKitClient | null>(null);

/** An image attachment: fetched with the identity headers (an <img src> cannot send them), shown from a blob URL. */
function AttachmentImage({ src, alt }: { src: string; alt: string }) {
  const client = useContext(ClientContext);
  const [url, setUrl] = useState<string | null>(src.startsWith("blob:") ? src : null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (src.startsWith("blob:") || !client) return;
    const controller = new AbortController();
    let objectUrl: string | null = null;
    client
      .fetchAttachment(src, controller.signal)
      .then((blob) => {
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => setFailed(true));
    return () => {
      controller.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [src, client]);
  if (failed) return <span className="attachment-chip">{alt}</span>;
  return url ? <img src={url} alt={alt} className="attachment-thumb" /> : <span className="attachment-thumb loading" aria-label={alt} />;
}

function UserMessage({
  item,
  pending,
  failed,
  onRetry,
  onEdit,
}: {
  item: UserMessageItem;
  pending?: boolean;
  failed?: boolean;
  onRetry?: () => void;
  onEdit?: () => void;
}) {
  return (
    <div className={`msg user${pending ? " pending" : ""}${failed ? " failed" : ""}`} data-item-id={pending ? undefined : item.id}>
      {item.attachments?.length ? (
        <div className="msg-attachments">
          {item.attachments.map((a) =>
            a.type === "image" ? (
              <AttachmentImage key={a.id} src={a.preview_url} alt={a.name} />
            ) : (
              <span key={a.id} className="attachment-chip">
                <Icon name="clip" size={14} /> {a.name}
              </span>
            ),
          )}
        </div>
      ) : null}
      {userText(item) ? <div className="bubble">{userText(item)}</div> : null}
      {failed ? (
        <div className="unsent" role="group" aria-label="Message not sent">
          <span className="unsent-label">Not sent</span>
          {onRetry ? (
            <button type="button" className="text-button" onClick={onRetry}>
              Retry
            </button>
          ) : null}
          {onEdit ? (
            <button type="button" className="text-button" onClick={onEdit}>
              Edit
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

const REASONS = ["Not what I asked", "Wrong product for my pet", "Too long", "Incorrect information"];

/**
 * Thumbs up/down on an answer. The choice shows at once (aria-pressed), is acknowledged when stored, and a thumbs down
 * asks what went wrong: the reason is stored with the feedback.
 */
function FeedbackButtons({ itemId, given, onFeedback }: { itemId: string; given: "positive" | "negative" | undefined; onFeedback: FeedbackHandler }) {
  const [phase, setPhase] = useState<"idle" | "asking" | "thanks">("idle");
  const [reason, setReason] = useState("");
  const [chosen, setChosen] = useState<string | null>(null);
  const askRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (phase === "asking") askRef.current?.querySelector<HTMLElement>("button")?.focus();
  }, [phase]);
  const give = async (kind: "positive" | "negative") => {
    if (kind === "negative") setPhase("asking");
    const ok = await onFeedback(itemId, kind);
    if (!ok) setPhase("idle");
    else if (kind === "positive") setPhase("thanks");
  };
  const sendReason = async () => {
    const text = [chosen, reason.trim()].filter(Boolean).join(": ");
    const ok = text ? await onFeedback(itemId, "negative", text) : true;
    setPhase(ok ? "thanks" : "asking");
  };
  return (
    <>
      <button
        type="button"
        className={`icon-button${given === "positive" ? " chosen" : ""}`}
        aria-label="Good answer"
        aria-pressed={given === "positive"}
        title="Good answer"
        onClick={() => void give("positive")}
      >
        <Icon name="up" size={16} />
      </button>
      <button
        type="button"
        className={`icon-button${given === "negative" ? " chosen" : ""}`}
        aria-label="Bad answer"
        aria-pressed={given === "negative"}
        title="Bad answer"
        onClick={() => void give("negative")}
      >
        <Icon name="down" size={16} />
      </button>
      <span className="feedback-ack" role="status">
        {phase === "thanks" ? "Thanks for the feedback" : ""}
      </span>
      {phase === "asking" ? (
        <form
          ref={askRef}
          className="feedback-reason"
          aria-label="What went wrong?"
          onSubmit={(e) => {
            e.preventDefault();
            void sendReason();
          }}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.stopPropagation();
              setPhase("thanks");
            }
          }}
        >
          <p className="feedback-question">What went wrong?</p>
          <div className="choices">
            {REASONS.map((r) => (
              <button key={r} type="button" className={`chip${chosen === r ? " chosen" : ""}`} aria-pressed={chosen === r} onClick={() => setChosen(chosen === r ? null : r)}>
                {r}
              </button>
            ))}
          </div>
          <label className="sr-only" htmlFor={`reason-${itemId}`}>
            Tell us more
          </label>
          <textarea
            id={`reason-${itemId}`}
            className="w-input"
            rows={2}
            maxLength={900}
            placeholder="Tell us more (optional)"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          <div className="feedback-actions">
            <button type="button" className="text-button" onClick={() => setPhase("thanks")}>
              Skip
            </button>
            <button type="submit" className="w-button w-button-solid w-color-primary">
              Send feedback
            </button>
          </div>
        </form>
      ) : null}
    </>
  );
}

function WorkflowView({ item }: { item: WorkflowItem }) {
  const summary = item.workflow.summary;
  const title = summary && "title" in summary ? summary.title : summary && "duration" in summary ? `Worked for ${summary.duration}s` : "Working";
  return (
    <details className="msg workflow" open={item.workflow.expanded}>
      <summary>{title}</summary>
      <ul>
        {item.workflow.tasks.map((t, i) => (
          <li key={i} className={`task task-${t.status_indicator ?? "none"}`}>
            {t.title ? <strong>{t.title}</strong> : null} {typeof t.content === "string" ? t.content : null}
          </li>
        ))}
      </ul>
    </details>
  );
}

interface ItemProps {
  item: ThreadItem;
  /** Still streaming. */
  live: boolean;
  /** A response is streaming (server actions wait). */
  busy: boolean;
  given: "positive" | "negative" | undefined;
  theme: Theme;
  onAction: ActionHandler;
  onFeedback: FeedbackHandler;
  onAnswer?: AnswerHandler;
}

/** Questions the assistant asks with choices or a free answer (`structured_input`); answered once, then read-only. */
function StructuredInputView({ item, busy, onAnswer }: { item: StructuredInputItem; busy: boolean; onAnswer?: AnswerHandler }) {
  const [chosen, setChosen] = useState<Record<string, string[]>>({});
  const pending = item.status === "pending" && onAnswer;
  const toggle = (id: string, value: string, multiple: boolean) =>
    setChosen((c) => {
      const now = c[id] ?? [];
      const next = now.includes(value) ? now.filter((v) => v !== value) : multiple ? [...now, value] : [value];
      return { ...c, [id]: next };
    });
  return (
    <form
      className="msg structured-input"
      data-item-id={item.id}
      onSubmit={(e) => {
        e.preventDefault();
        if (pending) onAnswer(item.id, chosen, "answered");
      }}
    >
      {item.inputs.map((input) => {
        const answered = input.answer?.skipped ? "skipped" : input.answer?.values.join(", ");
        return (
          <fieldset key={input.id} disabled={!pending || busy}>
            <legend>{input.question}</legend>
            {input.description ? <p className="w-caption">{input.description}</p> : null}
            {!pending ? (
              <p className="answer">{answered || "—"}</p>
            ) : input.type === "multiple_choice" ? (
              <div className="choices">
                {(input.options ?? []).map((o) => (
                  <button
                    key={o.value}
                    type="button"
                    className={`w-button w-button-outline w-color-secondary w-size-sm${chosen[input.id]?.includes(o.value) ? " chosen" : ""}`}
                    aria-pressed={chosen[input.id]?.includes(o.value) ?? false}
                    onClick={() => toggle(input.id, o.value, Boolean(input.multiple))}
                  >
                    {o.value}
                  </button>
                ))}
              </div>
            ) : (
              <textarea
                className="w-input"
                aria-label={input.question}
                rows={2}
                value={chosen[input.id]?.[0] ?? ""}
                onChange={(e) => setChosen((c) => ({ ...c, [input.id]: e.target.value.trim() ? [e.target.value] : [] }))}
              />
            )}
          </fieldset>
        );
      })}
      {pending ? (
        <div className="w-card-footer">
          <button type="button" className="w-button w-button-outline w-color-secondary" disabled={busy} onClick={() => onAnswer(item.id, {}, "skipped")}>
            Skip
          </button>
          <button type="submit" className="w-button w-button-solid w-color-primary" disabled={busy}>
            Send answers
          </button>
        </div>
      ) : null}
    </form>
  );
}

/** One item; memoized, so a streaming token re-renders only the message it belongs to. */
const Item = memo(function Item({ item, live, busy: streaming, given, theme, onAction, onFeedback, onAnswer }: ItemProps) {
  switch (item.type) {
    case "user_message":
      return <UserMessage item={item} />;
    case "assistant_message": {
      const text = assistantText(item);
      return (
        <div className="msg assistant" data-item-id={item.id} aria-busy={live || undefined}>
          <Markdown text={text} className={live ? "streaming" : undefined} />
          <Sources item={item} />
          {!live && text.trim() ? (
            <div className="msg-tools" role="group" aria-label="Message actions">
              <CopyButton text={text} />
              <FeedbackButtons itemId={item.id} given={given} onFeedback={onFeedback} />
            </div>
          ) : null}
        </div>
      );
    }
    case "widget":
      return (
        <div className="msg widget-item" data-item-id={item.id}>
          <Widget widget={item.widget} itemId={item.id} theme={theme} onAction={onAction} busy={streaming} />
          {item.copy_text ? <span className="sr-only">{item.copy_text}</span> : null}
        </div>
      );
    case "workflow":
      return <WorkflowView item={item} />;
    case "task":
      return (
        <div className="msg task-item">
          {item.task.title ? <strong>{item.task.title}</strong> : null} {typeof item.task.content === "string" ? item.task.content : null}
        </div>
      );
    case "generated_image":
      return item.image ? (
        <div className="msg assistant">
          <img className="generated" src={item.image.url} alt="Generated" />
        </div>
      ) : (
        <div className="msg assistant progress">Creating an image…</div>
      );
    case "client_tool_call":
      return (
        <div className="msg tool-call">
          {item.status === "pending" ? "Running" : "Ran"} {item.name}
        </div>
      );
    case "structured_input":
      return <StructuredInputView item={item} busy={streaming} onAnswer={onAnswer} />;
    case "end_of_turn":
    case "hidden_context_item":
    case "sdk_hidden_context":
      return null;
    default: {
      const unknown = item as { type: string };
      return <div className="msg unknown">{unknown.type}</div>;
    }
  }
});

/** The live transcript for screen readers: the newest assistant text, announced politely as it grows. */
function LiveRegion({ items, streaming }: { items: ThreadItem[]; streaming: boolean }) {
  let text = "";
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item.type === "user_message") break;
    if (item.type === "assistant_message") {
      text = assistantText(item);
      break;
    }
    if (item.type === "widget") {
      if (item.widget.key === FOLLOWUPS_KEY) continue;
      text = item.copy_text ?? widgetText(item.widget);
      break;
    }
  }
  return (
    <div className="sr-only" aria-live="polite" aria-atomic="false" data-testid="live-region" aria-busy={streaming}>
      {text}
    </div>
  );
}

/** Where the shopper stopped an answer; the newest one can be answered again. */
function StoppedMark({ onRegenerate }: { onRegenerate?: () => void }) {
  return (
    <div className="stopped" role="group" aria-label="Answer stopped">
      <span className="stopped-label">Stopped</span>
      {onRegenerate ? (
        <button type="button" className="text-button" onClick={onRegenerate}>
          Regenerate
        </button>
      ) : null}
    </div>
  );
}

export function Messages(props: Props) {
  const { items, pendingUser, streaming } = props;
  const stopped = new Set(props.stopped ?? []);
  // Regenerate answers the last user message again: offered on a stop mark after it, when nothing is running.
  const lastUser = lastUserMessage(items);
  const lastUserIndex = lastUser ? items.indexOf(lastUser) : -1;
  return (
    <div className="messages" role="log" aria-live="off" aria-label="Conversation">
      {items.map((item, index) =>
        item.type === "widget" && item.widget.key === FOLLOWUPS_KEY ? (
          // Only the newest answer's suggestions are offered, and not while Aya is answering.
          index === items.length - 1 && !streaming && !pendingUser && props.onFollowUp ? (
            <FollowUps key={item.id} followUps={followUpsOf(item.widget)} onFollowUp={props.onFollowUp} />
          ) : null
        ) : (
        <Fragment key={item.id}>
          <Item
            item={item}
            live={props.openItems.includes(item.id)}
            busy={streaming}
            given={props.feedback[item.id]}
            theme={props.theme}
            onAction={props.onAction}
            onFeedback={props.onFeedback}
            onAnswer={props.onAnswer}
          />
          {stopped.has(item.id) ? (
            <StoppedMark
              onRegenerate={!streaming && !pendingUser && index >= lastUserIndex && lastUserIndex !== -1 ? props.onRegenerate : undefined}
            />
          ) : null}
        </Fragment>
        ),
      )}
      {pendingUser ? (
        <UserMessage
          item={pendingUser}
          pending
          failed={props.pendingFailed && !streaming}
          onRetry={props.onRetryUnsent}
          onEdit={props.onEditUnsent}
        />
      ) : null}
      {pendingUser && stopped.has(pendingUser.id) && !streaming ? <StoppedMark onRegenerate={props.onRegenerate} /> : null}
      <LiveRegion items={items} streaming={streaming} />
    </div>
  );
}
