/**
 * The Aya Ops API (`/api/ops`, `/api/tasks…`): staff and admins only (404 for everyone else, which is how the app
 * knows whether to show the Staff tab).
 */

export type TaskState = "awaiting_approval" | "queued" | "running" | "succeeded" | "failed" | "cancelled";

export interface Task {
  id: number;
  owner: string;
  kind: string;
  title: string;
  state: TaskState;
  progress: number | null;
  message: string;
  log: string[];
  result: Record<string, unknown> | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  retry_of: number | null;
}

export interface OpsCommand {
  name: string;
  template: string;
  arguments: string[];
  approval: boolean;
}

export interface OpsConfig {
  commands: OpsCommand[];
  cli: boolean;
  browse: boolean;
  browse_hosts: string[];
  test_paths: string[];
  max_running: number;
  role: string;
}

export type TaskVerb = "cancel" | "retry" | "approve" | "deny";

export type TaskStart =
  | { kind: "command"; command: string; arguments: string[] }
  | { kind: "tests"; paths: string[] }
  | { kind: "browse"; url: string };

export class OpsApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "OpsApiError";
  }
}

type Headers = () => Record<string, string>;

export class OpsApi {
  constructor(
    private readonly headers: Headers,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  private async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json", ...this.headers() };
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await this.fetchImpl(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const o = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
      throw new OpsApiError(response.status, typeof o.message === "string" ? o.message : `HTTP ${response.status}`);
    }
    return data as T;
  }

  /** The server's Aya Ops settings, or null when the caller is not staff (404). */
  async config(): Promise<OpsConfig | null> {
    try {
      return await this.call<OpsConfig>("GET", "/api/ops");
    } catch (e) {
      if (e instanceof OpsApiError && (e.status === 404 || e.status === 401)) return null;
      throw e;
    }
  }

  async tasks(limit = 30): Promise<Task[]> {
    return (await this.call<{ tasks: Task[] }>("GET", `/api/tasks?limit=${limit}`)).tasks;
  }

  start(start: TaskStart): Promise<Task> {
    return this.call<Task>("POST", "/api/tasks", start);
  }

  act(id: number, verb: TaskVerb): Promise<Task> {
    return this.call<Task>("POST", `/api/tasks/${id}/${verb}`);
  }
}

/** The buttons a task's state allows. */
export function verbsFor(state: TaskState): TaskVerb[] {
  switch (state) {
    case "awaiting_approval":
      return ["approve", "deny"];
    case "queued":
    case "running":
      return ["cancel"];
    case "failed":
    case "cancelled":
    case "succeeded":
      return ["retry"]; // a replay, for a task that succeeded
  }
}
