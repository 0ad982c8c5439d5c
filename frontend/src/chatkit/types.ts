/**
 * The ChatKit wire protocol, as defined by the Python SDK (`openai-chatkit` 1.6.5, `chatkit/types.py` and
 * `chatkit/widgets.py`). Field names are the wire names. Servers serialize with `exclude_none`, so optional fields
 * may be absent.
 */

// ---------------------------------------------------------------------------------------------------------------
// Pages, threads, items
// ---------------------------------------------------------------------------------------------------------------

export interface Page<T> {
  data: T[];
  has_more: boolean;
  after?: string | null;
}

export type ThreadStatus =
  | { type: "active" }
  | { type: "locked"; reason?: string | null }
  | { type: "closed"; reason?: string | null };

export interface ThreadMetadata {
  id: string;
  title?: string | null;
  created_at: string;
  status?: ThreadStatus;
  allowed_image_domains?: string[] | null;
  metadata?: Record<string, unknown>;
}

export interface Thread extends ThreadMetadata {
  items: Page<ThreadItem>;
}

interface ItemBase {
  id: string;
  thread_id: string;
  created_at: string;
}

export interface UserMessageTextContent {
  type: "input_text";
  text: string;
}

export interface UserMessageTagContent {
  type: "input_tag";
  id: string;
  text: string;
  data: Record<string, unknown>;
  group?: string | null;
  interactive?: boolean;
}

export type UserMessageContent = UserMessageTextContent | UserMessageTagContent;

export interface InferenceOptions {
  tool_choice?: { id: string } | null;
  model?: string | null;
}

export interface AttachmentBase {
  id: string;
  name: string;
  mime_type: string;
  upload_descriptor?: { url: string; method: "POST" | "PUT"; headers?: Record<string, string> } | null;
  thread_id?: string | null;
}

export type Attachment = (AttachmentBase & { type: "file" }) | (AttachmentBase & { type: "image"; preview_url: string });

export interface UserMessageItem extends ItemBase {
  type: "user_message";
  content: UserMessageContent[];
  attachments?: Attachment[];
  quoted_text?: string | null;
  inference_options?: InferenceOptions;
}

export interface URLSource {
  type: "url";
  title: string;
  url: string;
  description?: string | null;
  attribution?: string | null;
}
export interface FileSource {
  type: "file";
  title: string;
  filename: string;
  description?: string | null;
}
export interface EntitySource {
  type: "entity";
  id: string;
  title: string;
  description?: string | null;
  label?: string | null;
  data?: Record<string, unknown>;
}
export type Source = URLSource | FileSource | EntitySource;

export interface Annotation {
  type: "annotation";
  source: Source;
  index?: number | null;
}

export interface AssistantMessageContent {
  type: "output_text";
  text: string;
  annotations?: Annotation[];
}

export interface AssistantMessageItem extends ItemBase {
  type: "assistant_message";
  content: AssistantMessageContent[];
}

export interface ClientToolCallItem extends ItemBase {
  type: "client_tool_call";
  status: "pending" | "completed";
  call_id: string;
  name: string;
  arguments: Record<string, unknown>;
  output?: unknown;
}

export interface WidgetItem extends ItemBase {
  type: "widget";
  widget: WidgetRoot;
  copy_text?: string | null;
}

export interface GeneratedImage {
  id: string;
  url: string;
}

export interface GeneratedImageItem extends ItemBase {
  type: "generated_image";
  image?: GeneratedImage | null;
}

export interface StructuredInput {
  type: "multiple_choice" | "freeform";
  id: string;
  question: string;
  options?: { value: string }[];
  multiple?: boolean;
  description?: string | null;
  answer?: { values: string[]; skipped: boolean } | null;
}

export interface StructuredInputItem extends ItemBase {
  type: "structured_input";
  status: "pending" | "answered" | "skipped";
  inputs: StructuredInput[];
}

export interface Task {
  type: "custom" | "web_search" | "thought" | "file" | "image";
  status_indicator?: "none" | "loading" | "complete";
  title?: string | null;
  content?: string | null;
  icon?: string | null;
  [extra: string]: unknown;
}

export interface Workflow {
  type: "custom" | "reasoning";
  tasks: Task[];
  summary?: { title: string; icon?: string | null } | { duration: number } | null;
  expanded?: boolean;
}

export interface WorkflowItem extends ItemBase {
  type: "workflow";
  workflow: Workflow;
}

export interface TaskItem extends ItemBase {
  type: "task";
  task: Task;
}

export interface EndOfTurnItem extends ItemBase {
  type: "end_of_turn";
}

/** Never sent by a well-behaved server (the SDK swallows them), kept so the union is complete. */
export interface HiddenContextItem extends ItemBase {
  type: "hidden_context_item" | "sdk_hidden_context";
  content: unknown;
}

export type ThreadItem =
  | UserMessageItem
  | AssistantMessageItem
  | ClientToolCallItem
  | WidgetItem
  | GeneratedImageItem
  | StructuredInputItem
  | WorkflowItem
  | TaskItem
  | HiddenContextItem
  | EndOfTurnItem;

// ---------------------------------------------------------------------------------------------------------------
// Widgets
// ---------------------------------------------------------------------------------------------------------------

export interface ActionConfig {
  type: string;
  payload?: unknown;
  handler?: "client" | "server";
  loadingBehavior?: "auto" | "none" | "self" | "container";
  streaming?: boolean;
}

export interface Action {
  type: string;
  payload?: unknown;
}

/**
 * A widget component. The SDK's set is open (templates may add fields and unknown component types), so components
 * are loosely typed records with a `type`; the renderer narrows them.
 */
export interface WidgetComponent {
  type: string;
  id?: string;
  key?: string;
  children?: WidgetComponent[] | WidgetComponent | null;
  [prop: string]: unknown;
}

export type WidgetRoot = WidgetComponent & { type: "Card" | "ListView" | "Basic" | string };

// ---------------------------------------------------------------------------------------------------------------
// Stream events
// ---------------------------------------------------------------------------------------------------------------

export type ThreadItemUpdate =
  | { type: "assistant_message.content_part.added"; content_index: number; content: AssistantMessageContent }
  | { type: "assistant_message.content_part.text_delta"; content_index: number; delta: string }
  | {
      type: "assistant_message.content_part.annotation_added";
      content_index: number;
      annotation_index: number;
      annotation: Annotation;
    }
  | { type: "assistant_message.content_part.done"; content_index: number; content: AssistantMessageContent }
  | { type: "widget.streaming_text.value_delta"; component_id: string; delta: string; done: boolean }
  | { type: "widget.component.updated"; component_id: string; component: WidgetComponent }
  | { type: "widget.root.updated"; widget: WidgetRoot }
  | { type: "workflow.task.added"; task_index: number; task: Task }
  | { type: "workflow.task.updated"; task_index: number; task: Task }
  | { type: "generated_image.updated"; image: GeneratedImage; progress?: number | null };

export type ThreadStreamEvent =
  | { type: "thread.created"; thread: Thread }
  | { type: "thread.updated"; thread: Thread }
  | { type: "thread.item.added"; item: ThreadItem }
  | { type: "thread.item.done"; item: ThreadItem }
  | { type: "thread.item.updated"; item_id: string; update: ThreadItemUpdate }
  | { type: "thread.item.removed"; item_id: string }
  | { type: "thread.item.replaced"; item: ThreadItem }
  | { type: "stream_options"; stream_options: { allow_cancel: boolean } }
  | { type: "progress_update"; text: string; icon?: string | null }
  | { type: "client_effect"; name: string; data?: Record<string, unknown> }
  | { type: "error"; code?: string; message?: string | null; allow_retry?: boolean }
  | { type: "notice"; level: "info" | "warning" | "danger"; message: string; title?: string | null };

export type ThreadStreamEventType = ThreadStreamEvent["type"];

// ---------------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------------

export interface UserMessageInput {
  content: UserMessageContent[];
  attachments: string[];
  quoted_text?: string | null;
  inference_options: InferenceOptions;
}

export type StreamingRequest =
  | { type: "threads.create"; params: { input: UserMessageInput } }
  | { type: "threads.add_user_message"; params: { thread_id: string; input: UserMessageInput } }
  | { type: "threads.add_client_tool_output"; params: { thread_id: string; result: unknown } }
  | {
      type: "threads.add_structured_input";
      params: {
        thread_id: string;
        item_id: string;
        input: { status: "answered" | "skipped"; answers: Record<string, { values: string[]; skipped?: boolean }> };
      };
    }
  | { type: "threads.retry_after_item"; params: { thread_id: string; item_id: string } }
  | { type: "threads.custom_action"; params: { thread_id: string; item_id?: string | null; action: Action } };

export type NonStreamingRequest =
  | { type: "threads.get_by_id"; params: { thread_id: string } }
  | { type: "threads.list"; params: { limit?: number; order?: "asc" | "desc"; after?: string | null } }
  | {
      type: "items.list";
      params: { thread_id: string; limit?: number; order?: "asc" | "desc"; after?: string | null };
    }
  | { type: "items.feedback"; params: { thread_id: string; item_ids: string[]; kind: "positive" | "negative" } }
  | { type: "attachments.create"; params: { name: string; size: number; mime_type: string } }
  | { type: "attachments.delete"; params: { attachment_id: string } }
  | { type: "threads.update"; params: { thread_id: string; title: string } }
  | { type: "threads.delete"; params: { thread_id: string } }
  | { type: "input.transcribe"; params: { audio_base64: string; mime_type: string } }
  | { type: "threads.sync_custom_action"; params: { thread_id: string; item_id?: string | null; action: Action } };

export type ChatKitRequest = (StreamingRequest | NonStreamingRequest) & { metadata?: Record<string, unknown> };

/** Responses of the non-streaming requests, by request type. */
export interface NonStreamingResponses {
  "threads.get_by_id": Thread;
  "threads.list": Page<Thread>;
  "items.list": Page<ThreadItem>;
  "items.feedback": Record<string, never>;
  "attachments.create": Attachment;
  "attachments.delete": Record<string, never>;
  "threads.update": Thread;
  "threads.delete": Record<string, never>;
  "input.transcribe": { text: string };
  "threads.sync_custom_action": { updated_item?: ThreadItem | null };
}
