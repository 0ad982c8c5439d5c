import { describe, expect, it } from "vitest";
import { storageKeys } from "./useChat";

describe("storageKeys", () => {
  it("keeps the shop's keys for /chatkit, shared with the Voice tab", () => {
    expect(storageKeys("/chatkit")).toEqual({ lastThread: "aya.last_thread", unsent: "aya.unsent" });
  });

  it("gives Aya Ops' endpoint keys of its own, so staff threads never open in the shop's Text tab", () => {
    const ops = storageKeys("/ops/chatkit");
    expect(ops.lastThread).not.toBe(storageKeys("/chatkit").lastThread);
    expect(ops.unsent).not.toBe(storageKeys("/chatkit").unsent);
    expect(ops).toEqual({ lastThread: "aya.last_thread:/ops/chatkit", unsent: "aya.unsent:/ops/chatkit" });
  });
});
