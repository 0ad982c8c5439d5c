import { describe, expect, it } from "vitest";
import { OpsApi, OpsApiError, verbsFor } from "./api";

function fakeFetch(status: number, body: unknown, seen: { url?: string; init?: RequestInit }[]): typeof fetch {
  return (async (url: string, init?: RequestInit) => {
    seen.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  }) as unknown as typeof fetch;
}

describe("OpsApi", () => {
  it("hides the Staff tab for callers who are not staff (404) and keeps other errors", async () => {
    const seen: { url?: string; init?: RequestInit }[] = [];
    const api = new OpsApi(() => ({ "user-id": "shopper" }), fakeFetch(404, { message: "not found" }, seen));
    expect(await api.config()).toBeNull();
    expect((seen[0].init?.headers as Record<string, string>)["user-id"]).toBe("shopper");
    const broken = new OpsApi(() => ({}), fakeFetch(500, { message: "boom" }, []));
    await expect(broken.config()).rejects.toBeInstanceOf(OpsApiError);
  });

  it("starts tasks with a JSON body and reports the server's refusal", async () => {
    const seen: { url?: string; init?: RequestInit }[] = [];
    const api = new OpsApi(() => ({}), fakeFetch(400, { message: "argument 'file' may not start with '-'" }, seen));
    await expect(api.start({ kind: "command", command: "ingest", arguments: ["--output=/etc/x"] })).rejects.toThrow(
      "may not start with '-'",
    );
    expect(seen[0].url).toBe("/api/tasks");
    expect(JSON.parse(String(seen[0].init?.body))).toEqual({
      kind: "command",
      command: "ingest",
      arguments: ["--output=/etc/x"],
    });
  });

  it("offers the buttons each state allows", () => {
    expect(verbsFor("awaiting_approval")).toEqual(["approve", "deny"]);
    expect(verbsFor("running")).toEqual(["cancel"]);
    expect(verbsFor("failed")).toEqual(["retry"]);
    expect(verbsFor("succeeded")).toEqual(["retry"]);
  });
});
