import { describe, expect, it } from "vitest";
import type { Task } from "../staff/api";
import { announcement, followTask, snapshotsIn, unfinishedTasks } from "./taskFollow";

const task = (over: Partial<Task>): Task => ({
  id: 3,
  owner: "staff-1",
  kind: "tests",
  title: "Run the tests: suite",
  state: "running",
  progress: 0.4,
  message: "",
  log: [],
  result: null,
  error: null,
  created_at: "2026-12-06T15:00:00Z",
  started_at: null,
  finished_at: null,
  retry_of: null,
  ...over,
});

const button = (type: string, taskId: number) => ({ type: "Button", label: type, onClickAction: { type, payload: { task_id: taskId } } });

describe("unfinishedTasks", () => {
  it("finds the tasks a card's Cancel or Approve button names, not Retry or Deny alone", () => {
    const card = { type: "Card", children: [{ type: "Row", children: [button("ops.cancel", 3), button("ops.approve", 4)] }] };
    expect(unfinishedTasks(card).sort()).toEqual([3, 4]);
    expect(unfinishedTasks({ type: "Card", children: [button("ops.retry", 5)] })).toEqual([]);
    expect(unfinishedTasks({ type: "Card", children: [{ onClickAction: { type: "ops.cancel", payload: { task_id: "3" } } }] })).toEqual([]);
    expect(unfinishedTasks(null)).toEqual([]);
  });
});

describe("announcement", () => {
  it("says how the task ended, with the test summary or exit status", () => {
    expect(announcement(task({ state: "succeeded", result: { passed: 2, failed: 0 } }))).toBe(
      "Task 3 (Run the tests: suite) succeeded: 2 passed, 0 failed.",
    );
    expect(announcement(task({ state: "failed", kind: "command", title: "ingest", result: { returncode: 3 } }))).toBe(
      "Task 3 (ingest) failed: exit status 3.",
    );
    expect(announcement(task({ state: "failed", error: "interrupted" }))).toBe("Task 3 (Run the tests: suite) failed: interrupted.");
    expect(announcement(task({ state: "cancelled", error: "cancelled" }))).toBe("Task 3 (Run the tests: suite) cancelled.");
  });
});

describe("snapshotsIn", () => {
  it("parses whole events and keeps a partial one for later", () => {
    const a = JSON.stringify(task({}));
    const b = JSON.stringify(task({ state: "succeeded" }));
    const { tasks, rest } = snapshotsIn(`data: ${a}\n\ndata: ${b}\n\ndata: {"id"`);
    expect(tasks.map((t) => t.state)).toEqual(["running", "succeeded"]);
    expect(rest).toBe('data: {"id"');
  });
});

describe("followTask", () => {
  const stream = (chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
        controller.close();
      },
    });

  it("reads snapshots split across chunks until the task ends, with the caller's identity", async () => {
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const running = `data: ${JSON.stringify(task({}))}\n\n`;
    const done = `data: ${JSON.stringify(task({ state: "failed", error: "boom" }))}\n\n`;
    const fetchImpl = (async (url: string, init: RequestInit) => {
      seen.push({ url, headers: init.headers as Record<string, string> });
      return new Response(stream([running, done.slice(0, 20), done.slice(20)]));
    }) as unknown as typeof fetch;
    const ended = await followTask(3, { "user-id": "staff-1" }, new AbortController().signal, fetchImpl);
    expect(ended?.state).toBe("failed");
    expect(seen[0].url).toBe("/api/tasks/3/events");
    expect(seen[0].headers["user-id"]).toBe("staff-1");
  });

  it("gives null when the stream closes early or the server refuses", async () => {
    const closes = (async () => new Response(stream([`data: ${JSON.stringify(task({}))}\n\n`]))) as unknown as typeof fetch;
    expect(await followTask(3, {}, new AbortController().signal, closes)).toBeNull();
    const refuses = (async () => new Response("{}", { status: 404 })) as unknown as typeof fetch;
    expect(await followTask(3, {}, new AbortController().signal, refuses)).toBeNull();
  });
});
