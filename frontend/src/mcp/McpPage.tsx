/**
 * The MCP dashboard: how to add Aya to an MCP client, and the external MCP servers Aya uses (state, tools, failure
 * reasons) with enable, disable and reconnect. Everything comes from `/api/mcp…` (see api.ts).
 */

import { useCallback, useEffect, useMemo, useState } from "react";
import {
  claudeDesktopSnippet,
  detail,
  getManagerToken,
  McpApi,
  McpApiError,
  setManagerToken,
  type McpInfo,
  type ServerAction,
  type ServersReport,
  type ServerStatus,
  type ToolInfo,
} from "./api";
import "./mcp.css";

interface Props {
  headers: () => Record<string, string>;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function TokenForm({ onSaved }: { onSaved: () => void }) {
  const [value, setValue] = useState(getManagerToken);
  return (
    <form
      className="mcp-token"
      onSubmit={(e) => {
        e.preventDefault();
        setManagerToken(value);
        onSaved();
      }}
    >
      <label>
        MCP token
        <input type="password" value={value} autoComplete="off" onChange={(e) => setValue(e.target.value)} />
      </label>
      <button type="submit" className="mcp-button">
        Use token
      </button>
    </form>
  );
}

function ServerRow({ status, api, onChange }: { status: ServerStatus; api: McpApi; onChange: () => void }) {
  const [busy, setBusy] = useState<ServerAction | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tools, setTools] = useState<ToolInfo[] | null>(null);

  const act = async (action: ServerAction) => {
    setBusy(action);
    setError(null);
    try {
      await api.act(status.name, action);
      setTools(null);
      onChange();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(null);
    }
  };

  const toggleTools = async () => {
    if (tools) {
      setTools(null);
      return;
    }
    try {
      setTools((await api.tools(status.name)).tools);
    } catch (e) {
      setError(message(e));
    }
  };

  return (
    <li className="mcp-server" data-state={status.state}>
      <div className="mcp-server-head">
        <div className="mcp-server-name">
          <strong>{status.name}</strong>
          <span className={`mcp-badge mcp-badge-${status.state}`}>{status.state}</span>
        </div>
        <div className="mcp-actions">
          {status.state === "connected" ? (
            <button type="button" className="mcp-button" onClick={toggleTools} aria-expanded={tools !== null}>
              {tools ? "Hide tools" : "Tools"}
            </button>
          ) : null}
          {status.enabled ? (
            <>
              <button type="button" className="mcp-button" disabled={busy !== null} onClick={() => act("reconnect")}>
                {busy === "reconnect" ? "Reconnecting…" : "Reconnect"}
              </button>
              <button type="button" className="mcp-button" disabled={busy !== null} onClick={() => act("disable")}>
                {busy === "disable" ? "Disabling…" : "Disable"}
              </button>
            </>
          ) : (
            <button
              type="button"
              className="mcp-button mcp-primary"
              disabled={busy !== null}
              onClick={() => act("enable")}
            >
              {busy === "enable" ? "Connecting…" : "Enable"}
            </button>
          )}
        </div>
      </div>
      {status.description ? <p className="mcp-description">{status.description}</p> : null}
      <p className="mcp-target">
        <span>{status.transport}</span> <code>{status.target}</code>
      </p>
      <p className={status.state === "failed" ? "mcp-detail mcp-failed" : "mcp-detail"}>{detail(status)}</p>
      {error ? (
        <p className="mcp-detail mcp-failed" role="alert">
          {error}
        </p>
      ) : null}
      {tools ? (
        <ul className="mcp-tools">
          {tools.map((t) => (
            <li key={t.name}>
              <code>{t.name}</code>
              {t.parameters.length ? <span className="mcp-params">({t.parameters.join(", ")})</span> : null}
              {t.description ? <span> — {t.description}</span> : null}
            </li>
          ))}
          {tools.length === 0 ? <li>No tools reach the assistant (check allowed_tools / blocked_tools).</li> : null}
        </ul>
      ) : null}
    </li>
  );
}

export function McpPage({ headers }: Props) {
  const api = useMemo(() => new McpApi(headers), [headers]);
  const [info, setInfo] = useState<McpInfo | null>(null);
  const [report, setReport] = useState<ServersReport | null>(null);
  const [error, setError] = useState<McpApiError | Error | null>(null);

  const load = useCallback(async () => {
    try {
      const [i, r] = await Promise.all([api.info(), api.servers()]);
      setInfo(i);
      setReport(r);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    }
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  const reload = async () => {
    try {
      setReport(await api.reload());
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    }
  };

  // While a server is still connecting, look again every few seconds.
  const connecting = report?.servers.some((s) => s.state === "connecting") ?? false;
  useEffect(() => {
    if (!connecting) return;
    const timer = window.setInterval(() => void load(), 3000);
    return () => window.clearInterval(timer);
  }, [connecting, load]);

  const connected = report?.servers.filter((s) => s.state === "connected").length ?? 0;

  return (
    <div className="mcp-page">
      <section className="mcp-card" aria-labelledby="mcp-aya">
        <h2 id="mcp-aya">Aya as an MCP server</h2>
        <p>
          AI clients (Claude Desktop, IDE agents, other assistants) can search this store through the Model Context
          Protocol.
        </p>
        {info ? (
          <>
            <p>
              Streamable HTTP: <code>{info.endpoint}</code>
              {info.token_required ? " (send Authorization: Bearer <AYA_MCP_TOKEN>)" : ""}
            </p>
            <p>
              Tools: <code>{info.tools.join(", ")}</code>
            </p>
          </>
        ) : null}
        <details>
          <summary>Claude Desktop (stdio)</summary>
          <pre className="mcp-snippet">
            {claudeDesktopSnippet(info?.stdio?.command, info?.stdio?.env.AYA_DATA_DIR)}
          </pre>
        </details>
      </section>

      <section className="mcp-card" aria-labelledby="mcp-external">
        <div className="mcp-section-head">
          <h2 id="mcp-external">External MCP servers</h2>
          <div className="mcp-actions">
            <button type="button" className="mcp-button" onClick={() => void load()}>
              Refresh
            </button>
            <button type="button" className="mcp-button" onClick={() => void reload()} title="Read the file again">
              Reload file
            </button>
          </div>
        </div>
        {error ? (
          <div className="error-banner" role="alert">
            {error.message}
          </div>
        ) : null}
        {error instanceof McpApiError && error.needsToken ? <TokenForm onSaved={() => void load()} /> : null}
        {report ? (
          <>
            <p className="mcp-summary">
              {connected} of {report.servers.length} connected · configured in <code>{report.config_file}</code>
            </p>
            {report.config_error ? (
              <div className="error-banner" role="alert">
                {report.config_error}
              </div>
            ) : null}
            {report.servers.length === 0 && !report.config_error ? (
              <p className="mcp-empty">
                No external servers yet: list them in <code>{report.config_file}</code> (see the README), then
                Reload file.
              </p>
            ) : (
              <ul className="mcp-servers">
                {report.servers.map((s) => (
                  <ServerRow key={s.name} status={s} api={api} onChange={() => void load()} />
                ))}
              </ul>
            )}
          </>
        ) : !error ? (
          <p className="loading">Loading…</p>
        ) : null}
      </section>
    </div>
  );
}
