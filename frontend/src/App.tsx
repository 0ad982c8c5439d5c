import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { ChatKitClient } from "./chatkit/client";
import { DEFAULT_CONFIG, loadConfig, type AppConfig } from "./config";
import { ensureToken, identityHeaders } from "./identity";
import { canSeeStaffPages, loadMe, type Me } from "./me";
import { TextTab } from "./text/TextTab";
import { useTheme } from "./theme";
import { VoiceTab } from "./voice/VoiceTab";
import { Icon } from "./components/Icon";
import { setImageHosts } from "./components/Markdown";
import { useStaffConfig } from "./staff/useStaff";

// The hosted UI is only downloaded when the server selects it.
const HostedChat = lazy(() => import("./text/HostedChat").then((m) => ({ default: m.HostedChat })));
// The staff pages (the MCP dashboard, src/mcp/) load only at /staff, for the store's people.
const McpPage = lazy(() => import("./mcp/McpPage").then((m) => ({ default: m.McpPage })));
// The Staff tab (src/staff/): shown only when the server says the caller is staff or admin.
const StaffPage = lazy(() => import("./staff/StaffPage").then((m) => ({ default: m.StaffPage })));

/** Shoppers see Text and Voice; staff and admins also see the Staff tab (Aya Ops); the MCP dashboard lives at /staff. */
type Tab = "text" | "voice" | "staff";
const TAB_LABELS: Record<Tab, string> = { text: "Text", voice: "Voice", staff: "Staff" };
const TAB_KEY = "aya.tab";
export const STAFF_PATH = "/staff";

function isStaffPath(): boolean {
  return window.location.pathname.replace(/\/+$/, "") === STAFF_PATH;
}

export function App() {
  const { theme, toggle, followsSystem } = useTheme();
  const staff = useStaffConfig();
  const TABS: readonly Tab[] = staff ? ["text", "voice", "staff"] : ["text", "voice"];
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
  // Aya Ops' ChatKit client, only for staff (the Voice tab's "Talk to Aya Ops"; shoppers never get one).
  const opsClient = useMemo(
    () => (config && staff ? new ChatKitClient({ url: "/ops/chatkit", headers }) : undefined),
    [config, staff, headers],
  );
  const [me, setMe] = useState<Me | null | undefined>(undefined); // undefined: still asking
  useEffect(() => {
    if (!config || authError) return;
    let live = true;
    void loadMe(headers).then((m) => live && setMe(m));
    return () => {
      live = false;
    };
  }, [config, headers, authError]);
  const staffPage = isStaffPath();

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
        {staffPage ? (
          <p className="staff-title">Staff</p>
        ) : (
          <div className="tabs" role="tablist" aria-label="Mode" onKeyDown={onTabKey}>
            {TABS.map((t) => (
              <button
                key={t}
                id={`tab-${t}`}
                type="button"
                role="tab"
                aria-selected={tab === t}
                aria-controls={`panel-${t}`}
                tabIndex={tab === t ? 0 : -1}
                className={`tab${tab === t ? " active" : ""}`}
                onClick={() => choose(t)}
              >
                {TAB_LABELS[t]}
              </button>
            ))}
          </div>
        )}
        <div className="topbar-end">
          {staffPage ? (
            <a className="text-button" href="/">
              Back to the shop
            </a>
          ) : me && me.role && canSeeStaffPages(me) ? (
            <a className="text-button" href={STAFF_PATH}>
              Staff
            </a>
          ) : null}
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
      <main id="main" className="main">
        {authError ? (
          <div className="error-banner" role="alert">
            {authError}
          </div>
        ) : null}
        {!config || !client ? (
          <p className="loading">Loading…</p>
        ) : staffPage ? (
          <div className="panel">
            {me === undefined ? (
              <p className="loading">Loading…</p>
            ) : me && canSeeStaffPages(me) ? (
              <Suspense fallback={<p className="loading">Loading…</p>}>
                <McpPage headers={headers} />
              </Suspense>
            ) : (
              <p className="loading">This page is for the store's staff. <a href="/">Back to the shop</a></p>
            )}
          </div>
        ) : (
          <>
            <div className="panel" id="panel-text" role="tabpanel" aria-labelledby="tab-text" hidden={tab !== "text"}>
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
              <div className="panel" id="panel-voice" role="tabpanel" aria-labelledby="tab-voice" hidden={tab !== "voice"}>
                <VoiceTab
                  mode={config.voiceMode}
                  headers={headers}
                  theme={theme}
                  client={client}
                  staff={staff !== null}
                  opsClient={opsClient}
                />
              </div>
            ) : null}
            {tab === "staff" && staff ? (
              <div className="panel" id="panel-staff" role="tabpanel" aria-labelledby="tab-staff">
                <Suspense fallback={<p className="loading">Loading…</p>}>
                  <StaffPage config={staff} appConfig={config} headers={headers} theme={theme} active />
                </Suspense>
              </div>
            ) : null}
          </>
        )}
      </main>
    </div>
  );
}
