import { describe, expect, it } from "vitest";
import { audioConstraints, identityQuery } from "./microphone";
import { productsInResult, toolUrl } from "./realtime";

describe("identityQuery", () => {
  it("carries the dev identity headers as query parameters", () => {
    const q = identityQuery({ "user-id": "dev_1", "session-id": "ses_2", username: "Dana" });
    expect(q.toString()).toBe("user_id=dev_1&session_id=ses_2&username=Dana");
  });

  it("never carries a bearer token (a single-use ticket replaces it)", () => {
    expect(identityQuery({ authorization: "Bearer abc.def" }).toString()).toBe("");
    expect(identityQuery({}).toString()).toBe("");
  });
});

describe("audioConstraints", () => {
  it("asks for the exact device with the speech processing switched on", () => {
    expect(audioConstraints("mic-7")).toMatchObject({
      deviceId: { exact: "mic-7" },
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
    });
    expect(audioConstraints(null)).not.toHaveProperty("deviceId");
  });
});

describe("productsInResult", () => {
  const p = (id: string) => ({ id, title: `Food ${id}`, price: 10 });

  it("finds products in every tool result shape", () => {
    expect(productsInResult({ products: [p("a"), p("b")], total: 2 }).map((x) => x.id)).toEqual(["a", "b"]);
    expect(productsInResult({ picks: [{ product: p("c"), reason: "r", score: 1 }] }).map((x) => x.id)).toEqual(["c"]);
    expect(productsInResult({ base: p("d"), products: [p("e")] }).map((x) => x.id)).toEqual(["e", "d"]);
    expect(productsInResult(p("f")).map((x) => x.id)).toEqual(["f"]);
  });

  it("ignores anything else", () => {
    expect(productsInResult(null)).toEqual([]);
    expect(productsInResult("text")).toEqual([]);
    expect(productsInResult({ products: [{ title: "no id" }] })).toEqual([]);
  });
});

describe("toolUrl", () => {
  it("sends the shop's tools to /api/tools and Aya Ops' to the staff relay in the ops thread", () => {
    expect(toolUrl("search_products", "aya", "thr_1")).toBe("/api/tools/search_products");
    expect(toolUrl("run_tests", "ops", null)).toBe("/api/ops/tools/run_tests");
    expect(toolUrl("run_tests", "ops", "thr_a b")).toBe("/api/ops/tools/run_tests?thread_id=thr_a%20b");
    expect(toolUrl("../tasks", "ops", null)).toBe("/api/ops/tools/..%2Ftasks");
  });
});
