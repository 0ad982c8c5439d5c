import { describe, expect, it } from "vitest";
import { canSeeStaffPages, loadMe } from "./me";

describe("staff pages", () => {
  it("are for staff and admin roles; without roles, development mode only", () => {
    expect(canSeeStaffPages({ userId: "u", role: "staff", authMode: "token" })).toBe(true);
    expect(canSeeStaffPages({ userId: "u", role: "admin", authMode: "token" })).toBe(true);
    expect(canSeeStaffPages({ userId: "u", role: "shopper", authMode: "dev" })).toBe(false);
    expect(canSeeStaffPages({ userId: "u", role: null, authMode: "token" })).toBe(false);
    expect(canSeeStaffPages({ userId: "u", role: null, authMode: "dev" })).toBe(true);
  });

  it("reads /api/me with the identity headers, and a failure is no one", async () => {
    const seen: Record<string, string>[] = [];
    const ok = (async (_: RequestInfo | URL, init?: RequestInit) => {
      seen.push(init?.headers as Record<string, string>);
      return new Response(JSON.stringify({ user_id: "dev_1", role: "staff", auth_mode: "dev" }), { status: 200 });
    }) as typeof fetch;
    expect(await loadMe(() => ({ "user-id": "dev_1" }), ok)).toEqual({ userId: "dev_1", role: "staff", authMode: "dev" });
    expect(seen).toEqual([{ "user-id": "dev_1" }]);
    const down = (async () => new Response("", { status: 500 })) as typeof fetch;
    expect(await loadMe(() => ({}), down)).toBeNull();
  });
});
