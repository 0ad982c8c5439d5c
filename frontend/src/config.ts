/** The server's public configuration (`GET /api/config`), normalized so the UI has one shape to read. */

import type { AuthMode } from "./identity";

export interface PromptSuggestion {
  label: string;
  prompt: string;
  icon?: string;
}

export interface AppConfig {
  greeting: string;
  prompts: PromptSuggestion[];
  chatkitUi: "builtin" | "hosted";
  chatkitUrl: string;
  domainKey: string | null;
  authMode: AuthMode;
  voiceMode: string;
  attachments: { enabled: boolean; accept: string[]; maxBytes: number | null };
  placeholder: string;
}

export const DEFAULT_CONFIG: AppConfig = {
  greeting: "Hi there! I'm Aya, your pet food specialist. Tell me about your pet and I'll find the right food.",
  prompts: [
    { label: "Puppy food", prompt: "I need food for my 3-month-old golden retriever puppy with a sensitive stomach" },
    { label: "Senior cat", prompt: "Grain-free wet food for my senior cat under $40" },
    { label: "Weight control", prompt: "My dog is overweight, what food do you recommend?" },
  ],
  chatkitUi: "builtin",
  chatkitUrl: "/chatkit",
  domainKey: null,
  authMode: "dev",
  voiceMode: "offline",
  attachments: { enabled: false, accept: [], maxBytes: null },
  placeholder: "Ask Aya about food for your pet…",
};

type Raw = Record<string, unknown>;

function asString(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? v : undefined;
}

function prompts(raw: unknown): PromptSuggestion[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out: PromptSuggestion[] = [];
  for (const p of raw) {
    if (typeof p === "string") out.push({ label: p, prompt: p });
    else if (p && typeof p === "object") {
      const o = p as Raw;
      const prompt = asString(o.prompt) ?? asString(o.text) ?? asString(o.label);
      if (prompt) out.push({ label: asString(o.label) ?? asString(o.title) ?? prompt, prompt, icon: asString(o.icon) });
    }
  }
  return out;
}

function attachments(raw: unknown): AppConfig["attachments"] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === "boolean") return { enabled: raw, accept: raw ? ["image/*"] : [], maxBytes: null };
  if (Array.isArray(raw)) return { enabled: raw.length > 0, accept: raw.map(String), maxBytes: null };
  if (typeof raw === "object") {
    const o = raw as Raw;
    const accept = Array.isArray(o.accept)
      ? o.accept.map(String)
      : Array.isArray(o.mime_types)
        ? o.mime_types.map(String)
        : Array.isArray(o.types)
          ? o.types.map(String)
          : ["image/*"];
    const enabled = typeof o.enabled === "boolean" ? o.enabled : accept.length > 0;
    const max = o.max_bytes ?? o.max_size ?? o.maxBytes;
    return { enabled, accept, maxBytes: typeof max === "number" ? max : null };
  }
  return undefined;
}

/** Read whatever the server sent, keeping defaults for what it did not. Tolerates nested `chatkit`/`ui` objects. */
export function normalizeConfig(raw: unknown): AppConfig {
  if (!raw || typeof raw !== "object") return DEFAULT_CONFIG;
  const top = raw as Raw;
  const nested = { ...((top.chatkit as Raw) ?? {}), ...((top.ui as Raw) ?? {}) };
  const get = (...keys: string[]) => {
    for (const k of keys) {
      if (top[k] !== undefined) return top[k];
      if (nested[k] !== undefined) return nested[k];
    }
    return undefined;
  };
  const ui = get("chatkit_ui", "ui_mode", "mode");
  const auth = get("auth_mode", "auth");
  const voice = get("voice_mode", "voice");
  return {
    greeting: asString(get("greeting")) ?? DEFAULT_CONFIG.greeting,
    prompts: prompts(get("prompts", "prompt_suggestions", "suggestions", "starter_prompts")) ?? DEFAULT_CONFIG.prompts,
    chatkitUi: ui === "hosted" ? "hosted" : "builtin",
    chatkitUrl: asString(get("chatkit_url", "url")) ?? DEFAULT_CONFIG.chatkitUrl,
    domainKey: asString(get("chatkit_domain_key", "domain_key")) ?? null,
    authMode: auth === "token" ? "token" : "dev",
    voiceMode: asString(typeof voice === "object" && voice ? (voice as Raw).mode : voice) ?? DEFAULT_CONFIG.voiceMode,
    attachments: attachments(get("attachments", "attachments_accepted")) ?? DEFAULT_CONFIG.attachments,
    placeholder: asString(get("placeholder", "composer_placeholder")) ?? DEFAULT_CONFIG.placeholder,
  };
}

export async function loadConfig(fetchImpl: typeof fetch = fetch): Promise<AppConfig> {
  try {
    const response = await fetchImpl("/api/config", { headers: { accept: "application/json" } });
    if (!response.ok) return DEFAULT_CONFIG;
    return normalizeConfig(await response.json());
  } catch {
    return DEFAULT_CONFIG;
  }
}
