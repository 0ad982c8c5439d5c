/**
 * The Voice tab's text side: a typed message (instead of speaking, or correcting a misheard one) and the product
 * cards' actions, sent to the same ChatKit thread the voice turns go to, and folded with the same reducer as the
 * Text tab. What comes back is what the Voice tab shows: Aya's answer and the newest product widget.
 */

import type { ChatKitClient } from "../chatkit/client";
import { applyEvent, assistantText, emptyThreadState } from "../chatkit/reducer";
import { userInput } from "../chatkit/session";
import type { ActionConfig, StreamingRequest, WidgetComponent } from "../chatkit/types";

export interface VoiceTextResult {
  threadId: string | null;
  text: string;
  widget: WidgetComponent | null;
  widgetItemId: string | null;
  /** Every widget of the answer in its latest state (Aya Ops' task cards), in order. */
  widgets: { itemId: string; widget: WidgetComponent }[];
}

/** The follow-up chips' widget key (not product cards). */
const FOLLOWUPS_KEY = "aya.followups";

async function run(client: ChatKitClient, request: StreamingRequest, threadId: string | null): Promise<VoiceTextResult> {
  let state = emptyThreadState;
  for await (const event of client.stream(request)) state = applyEvent(state, event);
  if (state.error) throw new Error(state.error.message);
  const text = state.items
    .filter((i) => i.type === "assistant_message")
    .map((i) => (i.type === "assistant_message" ? assistantText(i) : ""))
    .join("\n\n");
  const widgets = state.items.filter((i) => i.type === "widget" && i.widget.key !== FOLLOWUPS_KEY);
  const last = widgets.at(-1);
  return {
    threadId: state.thread?.id ?? threadId,
    text,
    widget: last?.type === "widget" ? last.widget : null,
    widgetItemId: last?.id ?? null,
    widgets: widgets.flatMap((i) => (i.type === "widget" ? [{ itemId: i.id, widget: i.widget }] : [])),
  };
}

/** A typed message to the thread (a new thread when there is none yet). */
export function sendTyped(client: ChatKitClient, threadId: string | null, text: string): Promise<VoiceTextResult> {
  const input = userInput(text.trim());
  const request: StreamingRequest = threadId
    ? { type: "threads.add_user_message", params: { thread_id: threadId, input } }
    : { type: "threads.create", params: { input } };
  return run(client, request, threadId);
}

/** A server action from a product card shown in the Voice tab (Details, More like this, Compare selected). */
export function sendAction(
  client: ChatKitClient,
  threadId: string,
  action: ActionConfig,
  itemId: string | null,
): Promise<VoiceTextResult> {
  return run(
    client,
    {
      type: "threads.custom_action",
      params: { thread_id: threadId, item_id: itemId, action: { type: action.type, payload: action.payload ?? null } },
    },
    threadId,
  );
}
