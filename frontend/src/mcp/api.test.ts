import { describe, expect, it } from "vitest";
import { claudeDesktopSnippet, detail, McpApi, McpApiError, type ServerStatus } from "./api";

function fakeFetch(status: number, body: unknown, seen: { url?: string; init?: RequestInit }[]): typeof fetch {
  return (async (url: string, init?: RequestInit) => {
    seen.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  }) as unknown as typeof fetch;
}

const status: ServerStatus = {
  name: "echo",
  transport: "stdio",
  target: "python echo.py",
  description: "",
  enabled: true,
  state: "connected",
  error: null,
  tools_count: 1,
  tool_names: ["echo"],
  allowed_tools: null,
  blocked_tools: null,
  env_keys: [],
  header_keys: [],
  connected_at: null,
};

describe("McpApi", () => {
  it("sends the identity and the manager token, and encodes server names", async () => {
    const seen: { url?: string; init?: RequestInit }[] = [];
    const api = new McpApi(() => ({ "user-id": "dev_1" }), fakeFetch(200, status, seen), () => "tok");
    const result = await api.act("my server", "disable");
    expect(result.name).toBe("echo");
    expect(seen[0].url).toBe("/api/mcp/servers/my%20server/disable");
    expect(seen[0].init?.method).toBe("POST");
    expect(seen[0].init?.headers).toMatchObject({ "user-id": "dev_1", "x-aya-mcp-token": "tok" });
  });

  it("turns error answers into McpApiError with the server's message and field", async () => {
    const api = new McpApi(
      () => ({}),
      fakeFetch(404, { error: "not_found", message: "no MCP server named 'x'", field: "name" }, []),
      () => "",
    );
    const error = await api.servers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpApiError);
    expect((error as McpApiError).message).toBe("no MCP server named 'x'");
    expect((error as McpApiError).field).toBe("name");
    expect((error as McpApiError).needsToken).toBe(false);
  });

  it("flags a 403 as needing the MCP token", async () => {
    const api = new McpApi(() => ({}), fakeFetch(403, { message: "needs the token" }, []), () => "");
    const error = (await api.info().catch((e: unknown) => e)) as McpApiError;
    expect(error.needsToken).toBe(true);
  });
});

describe("helpers", () => {
  it("describes each state", () => {
    expect(detail(status)).toBe("1 tool");
    expect(detail({ ...status, tools_count: 3 })).toBe("3 tools");
    expect(detail({ ...status, state: "failed", error: "Connection closed" })).toBe("Connection closed");
    expect(detail({ ...status, state: "disabled" })).toBe("disabled");
  });

  it("builds a Claude Desktop config running aya mcp over stdio", () => {
    const config = JSON.parse(claudeDesktopSnippet("/opt/aya/.venv/bin/aya", "/opt/aya/data"));
    expect(config.mcpServers.aya).toEqual({
      command: "/opt/aya/.venv/bin/aya",
      args: ["mcp", "--transport", "stdio"],
      env: { AYA_DATA_DIR: "/opt/aya/data" },
    });
  });
});
