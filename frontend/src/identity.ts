/**
 * Who the browser is. Development mode: a device id kept in localStorage, sent as `user-id` (with `session-id` per
 * tab and `username` when the shopper set one). Token mode: a signed session token from `POST /api/session`, kept in
 * localStorage and sent as `Authorization: Bearer …`.
 */

export type AuthMode = "dev" | "token";

const DEVICE_KEY = "aya.device_id";
const USERNAME_KEY = "aya.username";
const TOKEN_KEY = "aya.token";
const SESSION_KEY = "aya.session_id";

function randomHex(bytes: number): string {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf); // available on plain http too, unlike crypto.randomUUID
  return Array.from(buf, (b) => b.toString(16).padStart(2, "0")).join("");
}

function stored(storage: Storage, key: string, make: () => string): string {
  let value = storage.getItem(key);
  if (!value) {
    value = make();
    storage.setItem(key, value);
  }
  return value;
}

export function deviceId(): string {
  return stored(localStorage, DEVICE_KEY, () => `dev_${randomHex(12)}`);
}

export function sessionId(): string {
  return stored(sessionStorage, SESSION_KEY, () => `ses_${randomHex(8)}`);
}

export function getUsername(): string {
  return localStorage.getItem(USERNAME_KEY) ?? "";
}

export function setUsername(name: string): void {
  const clean = name.trim().slice(0, 64);
  if (clean) localStorage.setItem(USERNAME_KEY, clean);
  else localStorage.removeItem(USERNAME_KEY);
}

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function clearToken(): void {
  localStorage.removeItem(TOKEN_KEY);
}

/** HTTP header values must be Latin-1; other names are percent-encoded. */
function headerSafe(value: string): string {
  return /^[\x20-\x7e\xa0-\xff]*$/.test(value) ? value : encodeURIComponent(value);
}

/** Headers identifying this browser for the current mode. */
export function identityHeaders(mode: AuthMode): Record<string, string> {
  if (mode === "token") {
    const token = getToken();
    return token ? { authorization: `Bearer ${token}` } : {};
  }
  const headers: Record<string, string> = { "user-id": deviceId(), "session-id": sessionId() };
  const name = getUsername();
  if (name) headers.username = headerSafe(name);
  return headers;
}

/** Token mode: make sure a session token exists (minted by the server for a new anonymous shopper). */
export async function ensureToken(fetchImpl: typeof fetch = fetch): Promise<string> {
  const existing = getToken();
  if (existing) return existing;
  const response = await fetchImpl("/api/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: getUsername() || null }),
    credentials: "same-origin",
  });
  if (!response.ok) throw new Error(`could not start a session (HTTP ${response.status})`);
  const body = (await response.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new Error("the server did not return a session token");
  localStorage.setItem(TOKEN_KEY, token);
  return token;
}
