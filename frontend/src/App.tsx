import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { ChatKitClient } from "./chatkit/client";
import { DEFAULT_CONFIG, loadConfig, type AppConfig } from "./config";
import { ensureToken, getUsername, identityHeaders, setUsername } from "./identity";
import { TextTab } from "./text/TextTab";
import { useTheme } from "./theme";
import { VoiceTab } from "./voice/VoiceTab";
import { Icon } from "./components/Icon";

// The hosted UI is only downloaded when the server selects it.
const HostedChat = lazy(() => import("./text/HostedChat").then((m) => ({ default: m.HostedChat })));

type Tab = "text" | "voice";
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
  const [config, setConfig] = useState<AppConfig | null>(null);
  const [authError, setAuthError] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>(() => (localStorage.getItem(TAB_KEY) === "voice" ? "voice" : "text"));

  useEffect(() => {
    let live = true;
    void (async () => {
      const c = await loadConfig();
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
      const next: Tab = tab === "text" ? "voice" : "text";
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
          {(["text", "voice"] as const).map((t) => (
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
              {t === "text" ? "Text" : "Voice"}
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
          </>
        )}
      </main>
    </div>
  );
}
