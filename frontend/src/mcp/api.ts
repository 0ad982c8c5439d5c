/**
 * The MCP dashboard API (`/api/mcp…`): Aya's own MCP endpoint and the external MCP servers of the servers file.
 * Managing servers may need the MCP token (`X-Aya-MCP-Token`); it is kept for this tab only (sessionStorage).
 */

export type ServerState = "disabled" | "connecting" | "connected" | "failed";

export interface ServerStatus {
  name: string;
  transport: "stdio" | "http";
  target: string;
  description: string;
  enabled: boolean;
  state: ServerState;
  error: string | null;
  tools_count: number;
  tool_names: string[];
  allowed_tools: string[] | null;
  blocked_tools: string[] | null;
  env_keys: string[];
  header_keys: string[];
  connected_at: string | null;
}

export interface ServersReport {
  config_file: string;
  config_error: string | null;
  servers: ServerStatus[];
}

export interface McpInfo {
  endpoint: string;
  token_required: boolean;
  running: boolean;
  tools: string[];
  /** How a desktop client starts `aya mcp` on the server's machine (absolute paths). */
  stdio?: { command: string; args: string[]; env: Record<string, string> };
}

export interface ToolInfo {
  name: string;
  title: string | null;
  description: string;
  parameters: string[];
}

export type ServerAction = "enable" | "disable" | "reconnect";

const TOKEN_KEY = "aya.mcp_token";

export function getManagerToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

export function setManagerToken(token: string): void {
  if (token.trim()) sessionStorage.setItem(TOKEN_KEY, token.trim());
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An error answer of the API: the HTTP status and the server's message (which names the field when it can). */
export class McpApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = "McpApiError";
  }

  /** 403: the server wants the MCP token. */
  get needsToken(): boolean {
    return this.status === 403;
  }
}

type Headers = () => Record<string, string>;

export class McpApi {
  constructor(
    private readonly headers: Headers,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
    private readonly token: () => string = getManagerToken,
  ) {}

  private async call<T>(method: "GET" | "POST", path: string): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json", ...this.headers() };
    const token = this.token();
    if (token) headers["x-aya-mcp-token"] = token;
    const response = await this.fetchImpl(path, { method, headers, credentials: "same-origin" });
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const o = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
      const message = typeof o.message === "string" ? o.message : `HTTP ${response.status}`;
      throw new McpApiError(response.status, message, typeof o.field === "string" ? o.field : null);
    }
    return body as T;
  }

  info(): Promise<McpInfo> {
    return this.call("GET", "/api/mcp");
  }

  servers(): Promise<ServersReport> {
    return this.call("GET", "/api/mcp/servers");
  }

  tools(name: string): Promise<{ server: string; tools: ToolInfo[] }> {
    return this.call("GET", `/api/mcp/servers/${encodeURIComponent(name)}/tools`);
  }

  /** Read the servers file again: added, removed and changed servers; unchanged ones keep their connection. */
  reload(): Promise<ServersReport> {
    return this.call("POST", "/api/mcp/servers/reload");
  }

  act(name: string, action: ServerAction): Promise<ServerStatus> {
    return this.call("POST", `/api/mcp/servers/${encodeURIComponent(name)}/${action}`);
  }
}

/** The Claude Desktop configuration that runs Aya's MCP server over stdio. */
export function claudeDesktopSnippet(command = "aya", dataDir = "/path/to/aya/data"): string {
  return JSON.stringify(
    {
      mcpServers: {
        aya: { command, args: ["mcp", "--transport", "stdio"], env: { AYA_DATA_DIR: dataDir } },
      },
    },
    null,
    2,
  );
}

/** What a server row says besides its state: its tools, or why it failed. */
export function detail(status: ServerStatus): string {
  switch (status.state) {
    case "connected": {
      const n = status.tools_count;
      return `${n} tool${n === 1 ? "" : "s"}`;
    }
    case "failed":
      return status.error ?? "failed to connect";
    case "connecting":
      return "connecting…";
    case "disabled":
      return "disabled";
  }
}
