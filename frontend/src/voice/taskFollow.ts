/**
 * Aya Ops' tasks that outlive the voice turn: a card still showing a waiting, queued or running task (its Cancel or
 * Approve button names the task) is followed over `GET /api/tasks/{id}/events` (server-sent events, the task after
 * every change) until the task ends; the Voice tab then announces the end in the transcript.
 */

import type { Task } from "../staff/api";

const UNFINISHED_ACTIONS = new Set(["ops.cancel", "ops.approve"]);
const DONE = new Set(["succeeded", "failed", "cancelled"]);

/** Task ids a card's buttons say are not finished yet (Cancel: queued or running; Approve: waiting for a person). */
export function unfinishedTasks(widget: unknown): number[] {
  const found = new Set<number>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (!node || typeof node !== "object") return;
    const o = node as Record<string, unknown>;
    const action = o.onClickAction as { type?: unknown; payload?: { task_id?: unknown } } | undefined;
    if (action && typeof action.type === "string" && UNFINISHED_ACTIONS.has(action.type)) {
      const id = action.payload?.task_id;
      if (typeof id === "number") found.add(id);
    }
    Object.values(o).forEach(walk);
  };
  walk(widget);
  return [...found];
}

/** One line for the transcript: "Task 3 (Run the tests: suite) succeeded: 2 passed, 0 failed." */
export function announcement(task: Task): string {
  const state = task.state === "awaiting_approval" ? "awaiting approval" : task.state;
  let line = `Task ${task.id} (${task.title}) ${state}`;
  const r = task.result ?? {};
  if (typeof r.passed === "number" && typeof r.failed === "number") line += `: ${r.passed} passed, ${r.failed} failed`;
  else if (typeof r.returncode === "number") line += `: exit status ${r.returncode}`;
  else if (task.error && task.state === "failed") line += `: ${task.error}`;
  return `${line}.`;
}

/** Server-sent events → the task snapshots they carry (one `data:` line per event). */
export function snapshotsIn(buffer: string): { tasks: Task[]; rest: string } {
  const events = buffer.split("\n\n");
  const rest = events.pop() ?? "";
  const tasks: Task[] = [];
  for (const event of events) {
    const data = event
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => l.slice(6))
      .join("\n");
    if (data) tasks.push(JSON.parse(data) as Task);
  }
  return { tasks, rest };
}

/** Follow one task until it ends (resolves with it), or until `signal` aborts / the stream closes (null). */
export async function followTask(
  id: number,
  headers: Record<string, string>,
  signal: AbortSignal,
  fetchImpl: typeof fetch = (...args) => fetch(...args),
): Promise<Task | null> {
  try {
    const response = await fetchImpl(`/api/tasks/${id}/events`, {
      headers: { accept: "text/event-stream", ...headers },
      credentials: "same-origin",
      signal,
    });
    if (!response.ok || !response.body) return null;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return null;
      const { tasks, rest } = snapshotsIn(buffer + value);
      buffer = rest;
      const ended = tasks.find((t) => DONE.has(t.state));
      if (ended) {
        await reader.cancel().catch(() => undefined);
        return ended;
      }
    }
  } catch {
    return null; // aborted, or the server went away: the Staff tab still shows the task
  }
}
