/**
 * The official ChatKit UI (`<openai-chatkit>`, through @openai/chatkit-react) pointed at our own `/chatkit`
 * endpoint, for deployments that choose `AYA_CHATKIT_UI=hosted`. The web component itself is served by OpenAI's CDN,
 * so this mode needs network access; the default builtin client does not.
 */

import { ChatKit, useChatKit } from "@openai/chatkit-react";
import { useEffect, useState } from "react";
import type { AppConfig } from "../config";
import type { Theme } from "../theme";

const CHATKIT_SCRIPT = "https://cdn.platform.openai.com/deployments/chatkit/chatkit.js";

function useChatKitScript(): "loading" | "ready" | "failed" {
  const [status, setStatus] = useState<"loading" | "ready" | "failed">(() =>
    customElements.get("openai-chatkit") ? "ready" : "loading",
  );
  useEffect(() => {
    if (status !== "loading") return;
    let script = document.querySelector<HTMLScriptElement>(`script[src="${CHATKIT_SCRIPT}"]`);
    if (!script) {
      script = document.createElement("script");
      script.src = CHATKIT_SCRIPT;
      script.async = true;
      document.head.appendChild(script);
    }
    const ok = () => setStatus("ready");
    const fail = () => setStatus("failed");
    script.addEventListener("load", ok);
    script.addEventListener("error", fail);
    return () => {
      script?.removeEventListener("load", ok);
      script?.removeEventListener("error", fail);
    };
  }, [status]);
  return status;
}

export function HostedChat({ config, theme, headers }: { config: AppConfig; theme: Theme; headers: () => Record<string, string> }) {
  const status = useChatKitScript();
  const chatkit = useChatKit({
    api: {
      url: config.chatkitUrl,
      domainKey: config.domainKey ?? "domain_pk_localhost_dev",
      fetch: (input, init) => {
        const merged = new Headers(init?.headers);
        for (const [name, value] of Object.entries(headers())) merged.set(name, value);
        return fetch(input, { ...init, headers: merged });
      },
    },
    theme: { colorScheme: theme },
    startScreen: {
      greeting: config.greeting,
      prompts: config.prompts.map((p) => ({ label: p.label, prompt: p.prompt })),
    },
    composer: { placeholder: config.placeholder },
    history: { enabled: true },
    // Aya's follow-up chips are client actions carrying the shopper's next message (aya.shop.followups).
    widgets: {
      onAction: async (action) => {
        const message = action.payload?.message;
        if (action.type === "aya.followup" && typeof message === "string") await chatkit.sendUserMessage({ text: message });
      },
    },
  });
  const { control } = chatkit;
  if (status === "failed") {
    return (
      <div className="error-banner" role="alert">
        The hosted ChatKit UI could not be loaded from OpenAI's CDN. Set AYA_CHATKIT_UI=builtin to use Aya's own client,
        which works offline.
      </div>
    );
  }
  return <ChatKit control={control} className="hosted-chatkit" />;
}
