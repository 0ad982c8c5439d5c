/**
 * Who the server says the caller is (`GET /api/me`), and what that lets them see. The staff pages (the MCP dashboard)
 * are for `staff` and `admin` roles; until the server reports roles, development mode keeps them reachable at /staff
 * (never in the shopper's header). One function to change when roles land: `canSeeStaffPages`.
 */

export interface Me {
  userId: string | null;
  role: string | null;
  authMode: string | null;
}

export async function loadMe(headers: () => Record<string, string>, fetchImpl: typeof fetch = fetch): Promise<Me | null> {
  try {
    const response = await fetchImpl("/api/me", { headers: headers() });
    if (!response.ok) return null;
    const body = (await response.json()) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === "string" && v ? v : null);
    return { userId: str(body.user_id), role: str(body.role), authMode: str(body.auth_mode) };
  } catch {
    return null;
  }
}

export function canSeeStaffPages(me: Me): boolean {
  if (me.role) return me.role === "staff" || me.role === "admin";
  return me.authMode === "dev";
}
