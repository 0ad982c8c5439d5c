import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { ChatKitClient } from "./chatkit/client";
import { DEFAULT_CONFIG, loadConfig, type AppConfig } from "./config";
import { ensureToken, getUsername, identityHeaders, setUsername } from "./identity";
import { TextTab } from "./text/TextTab";
import { useTheme } from "./theme";
import { VoiceTab } from "./voice/VoiceTab";
import { Icon } from "./components/Icon";
import { setImageHosts } from "./components/Markdown";
import { useStaffConfig } from "./staff/useStaff";

// The hosted UI is only downloaded when the server selects it.
const HostedChat = lazy(() => import("./text/HostedChat").then((m) => ({ default: m.HostedChat })));
// The MCP dashboard (src/mcp/) is loaded when its tab is opened.
const McpPage = lazy(() => import("./mcp/McpPage").then((m) => ({ default: m.McpPage })));
// The Staff tab (src/staff/): shown only when the server says the caller is staff or admin.
const StaffPage = lazy(() => import("./staff/StaffPage").then((m) => ({ default: m.StaffPage })));

type Tab = "text" | "voice" | "mcp" | "staff";
const TAB_LABELS: Record<Tab, string> = { text: "Text", voice: "Voice", mcp: "MCP", staff: "Staff" };
const TAB_KEY = "aya.tab";

function UsernameField() {
  const [name, setName] = useState(getUsername);
  return (
    <label className="username">
      <span className="sr-only">Your name</span>
      <input
        placeholder="Your name"
        value={name}
        maxLength={64}
        onChange={(e) => setName(e.target.value)}
        onBlur={() => setUsername(name)}
        onKeyDown={(e) => {
          if (e.key === "Enter") (e.target as HTMLInputElement).blur();
        }}
      />
    </label>
  );
}

export function App() {
  const { theme, toggle, followsSystem } = useTheme();
  const staff = useStaffConfig();
  const TABS: readonly Tab[] = staff ? ["text", "voice", "mcp", "staff"] : ["text", "voice", "mcp"];
  const [config, setConfig] = useState<AppConfig | null>(null);
  const [authError, setAuthError] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>(() => (localStorage.getItem(TAB_KEY) === "voice" ? "voice" : "text"));

  useEffect(() => {
    let live = true;
    void (async () => {
      const c = await loadConfig();
      setImageHosts(c.imageHosts);
      if (c.authMode === "token") {
        try {
          await ensureToken();
        } catch (e) {
          if (live) setAuthError(e instanceof Error ? e.message : String(e));
        }
      }
      if (live) setConfig(c);
    })();
    return () => {
      live = false;
    };
  }, []);

  const mode = config?.authMode ?? DEFAULT_CONFIG.authMode;
  const headers = useMemo(() => () => identityHeaders(mode), [mode]);
  const client = useMemo(
    () => (config ? new ChatKitClient({ url: config.chatkitUrl, headers }) : null),
    [config, headers],
  );

  const [voiceSeen, setVoiceSeen] = useState(tab === "voice");
  const choose = (t: Tab) => {
    setTab(t);
    if (t === "voice") setVoiceSeen(true);
    localStorage.setItem(TAB_KEY, t);
  };

  const onTabKey = (e: React.KeyboardEvent) => {
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      const step = e.key === "ArrowRight" ? 1 : TABS.length - 1;
      const next: Tab = TABS[(TABS.indexOf(tab) + step) % TABS.length];
      choose(next);
      document.getElementById(`tab-${next}`)?.focus();
    }
  };

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to the conversation
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            <Icon name="paw" size={20} />
          </span>
          <span>Aya</span>
        </div>
        <div className="tabs" role="tablist" aria-label="Mode" onKeyDown={onTabKey}>
          {TABS.map((t) => (
            <button
              key={t}
              id={`tab-${t}`}
              type="button"
              role="tab"
              aria-selected={tab === t}
              aria-controls="main"
              tabIndex={tab === t ? 0 : -1}
              className={`tab${tab === t ? " active" : ""}`}
              onClick={() => choose(t)}
            >
              {TAB_LABELS[t]}
            </button>
          ))}
        </div>
        <div className="topbar-end">
          {mode === "dev" ? <UsernameField /> : null}
          <button
            type="button"
            className="icon-button theme-toggle"
            onClick={toggle}
            aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
            title={followsSystem ? "Theme follows the system" : "Theme chosen by you"}
            data-theme-now={theme}
          >
            <Icon name={theme === "dark" ? "sun" : "moon"} />
          </button>
        </div>
      </header>
      <main id="main" role="tabpanel" aria-labelledby={`tab-${tab}`} className="main">
        {authError ? (
          <div className="error-banner" role="alert">
            {authError}
          </div>
        ) : null}
        {!config || !client ? (
          <p className="loading">Loading…</p>
        ) : (
          <>
            <div className="panel" hidden={tab !== "text"}>
              {config.chatkitUi === "hosted" ? (
                <Suspense fallback={<p className="loading">Loading ChatKit…</p>}>
                  <HostedChat config={config} theme={theme} headers={headers} />
                </Suspense>
              ) : (
                <TextTab client={client} config={config} theme={theme} active={tab === "text"} />
              )}
            </div>
            {/* Mounted on first visit, then kept: a voice session survives a look at the Text tab. */}
            {voiceSeen ? (
              <div className="panel" hidden={tab !== "voice"}>
                <VoiceTab mode={config.voiceMode} headers={headers} theme={theme} />
              </div>
            ) : null}
            {tab === "staff" && staff ? (
              <div className="panel">
                <Suspense fallback={<p className="loading">Loading…</p>}>
                  <StaffPage config={staff} appConfig={config} headers={headers} theme={theme} active />
                </Suspense>
              </div>
            ) : null}
            {tab === "mcp" ? (
              <div className="panel">
                <Suspense fallback={<p className="loading">Loading…</p>}>
                  <McpPage headers={headers} />
                </Suspense>
              </div>
            ) : null}
          </>
        )}
      </main>
    </div>
  );
}
