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
  /** Hosts remote images may come from (markdown); same-origin images are always allowed. */
  imageHosts: string[];
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
  imageHosts: [],
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

function acceptList(raw: unknown): string[] | undefined {
  if (Array.isArray(raw)) return raw.map(String);
  // `{ "image/png": [".png"], … }`: media types and their extensions, both understood by <input accept>.
  if (raw && typeof raw === "object") {
    return Object.entries(raw as Record<string, unknown>).flatMap(([type, exts]) => [
      type,
      ...(Array.isArray(exts) ? exts.map(String) : []),
    ]);
  }
  return undefined;
}

function attachments(raw: unknown): AppConfig["attachments"] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === "boolean") return { enabled: raw, accept: raw ? ["image/*"] : [], maxBytes: null };
  if (Array.isArray(raw)) return { enabled: raw.length > 0, accept: raw.map(String), maxBytes: null };
  if (typeof raw === "object") {
    const o = raw as Raw;
    const accept = acceptList(o.accept ?? o.mime_types ?? o.types) ?? ["image/*"];
    const enabled = typeof o.enabled === "boolean" ? o.enabled : accept.length > 0;
    const max = o.max_bytes ?? o.max_size ?? o.maxBytes;
    return { enabled, accept, maxBytes: typeof max === "number" ? max : null };
  }
  return undefined;
}

function section(top: Raw, key: string): Raw {
  const v = top[key];
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Raw) : {};
}

/**
 * Read what the server sent (`{greeting, prompts, chatkit: {url, ui, domain_key}, auth: {mode}, voice: {mode},
 * attachments: {enabled, accept, max_bytes}}`), keeping defaults for what it did not; flat keys (`chatkit_ui`,
 * `auth_mode`, `voice_mode`) are understood too.
 */
export function normalizeConfig(raw: unknown): AppConfig {
  if (!raw || typeof raw !== "object") return DEFAULT_CONFIG;
  const top = raw as Raw;
  const chatkit = section(top, "chatkit");
  const auth = section(top, "auth");
  const voice = section(top, "voice");
  const ui = top.chatkit_ui ?? chatkit.ui;
  const authMode = top.auth_mode ?? auth.mode;
  return {
    greeting: asString(top.greeting) ?? DEFAULT_CONFIG.greeting,
    prompts: prompts(top.prompts ?? top.prompt_suggestions) ?? DEFAULT_CONFIG.prompts,
    chatkitUi: ui === "hosted" ? "hosted" : "builtin",
    chatkitUrl: asString(top.chatkit_url) ?? asString(chatkit.url) ?? DEFAULT_CONFIG.chatkitUrl,
    domainKey: asString(top.chatkit_domain_key) ?? asString(chatkit.domain_key) ?? null,
    authMode: authMode === "token" ? "token" : "dev",
    voiceMode: asString(top.voice_mode) ?? asString(voice.mode) ?? DEFAULT_CONFIG.voiceMode,
    attachments: attachments(top.attachments) ?? DEFAULT_CONFIG.attachments,
    placeholder: asString(top.placeholder) ?? DEFAULT_CONFIG.placeholder,
    imageHosts: Array.isArray(section(top, "images").allowed_hosts)
      ? (section(top, "images").allowed_hosts as unknown[]).map(String)
      : [],
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
