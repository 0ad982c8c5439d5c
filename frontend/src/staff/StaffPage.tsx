import { useCallback, useEffect, useMemo, useState } from "react";
import { ChatKitClient } from "../chatkit/client";
import type { AppConfig } from "../config";
import type { Theme } from "../theme";
import { TextTab } from "../text/TextTab";
import { OpsApi, verbsFor, type OpsConfig, type Task, type TaskVerb } from "./api";
import "./staff.css";

const POLL_MS = 1000;

const OPS_TEXT: Partial<AppConfig> = {
  chatkitUrl: "/ops/chatkit",
  greeting: "Aya Ops here. I run the store's commands, tests and checks as tasks you can follow, cancel and retry.",
  prompts: [
    { label: "Run the tests", prompt: "run the tests" },
    { label: "Catalog stats", prompt: "show catalog stats" },
    { label: "Shopper insights", prompt: "what did shoppers ask for most this week?" },
    { label: "My tasks", prompt: "list tasks" },
  ],
  placeholder: "Tell Aya Ops what to do…",
  attachments: { enabled: false, accept: [], maxBytes: null },
};

const STATE_LABEL: Record<Task["state"], string> = {
  awaiting_approval: "awaiting approval",
  queued: "queued",
  running: "running",
  succeeded: "succeeded",
  failed: "failed",
  cancelled: "cancelled",
};

function TaskRow({ task, onAct }: { task: Task; onAct: (id: number, verb: TaskVerb) => void }) {
  const percent = task.progress === null ? null : Math.round(task.progress * 100);
  return (
    <li className={`task task-${task.state}`} data-task-id={task.id}>
      <div className="task-head">
        <span className="task-title">
          Task {task.id} · {task.title}
        </span>
        <span className={`task-state state-${task.state}`}>{STATE_LABEL[task.state]}</span>
      </div>
      {task.state === "running" ? (
        <div
          className="task-progress"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent ?? undefined}
          aria-label={`Task ${task.id} progress`}
        >
          <div className="task-bar" style={{ width: `${percent ?? 100}%` }} data-indeterminate={percent === null} />
        </div>
      ) : null}
      {task.log.length ? <pre className="task-log">{task.log.slice(-3).join("\n")}</pre> : null}
      {task.error && task.state !== "succeeded" ? <p className="task-error">{task.error}</p> : null}
      <div className="task-actions">
        {verbsFor(task.state).map((verb) => (
          <button key={verb} type="button" className={`task-button verb-${verb}`} onClick={() => onAct(task.id, verb)}>
            {verb === "retry" && task.state === "succeeded" ? "Run again" : verb[0].toUpperCase() + verb.slice(1)}
          </button>
        ))}
      </div>
    </li>
  );
}

function StartForm({ config, api, onStarted }: { config: OpsConfig; api: OpsApi; onStarted: () => void }) {
  const [command, setCommand] = useState(config.commands[0]?.name ?? "");
  const [argument, setArgument] = useState("");
  const [error, setError] = useState<string | null>(null);
  const spec = config.commands.find((c) => c.name === command);

  const run = async (start: Parameters<OpsApi["start"]>[0]) => {
    setError(null);
    try {
      await api.start(start);
      onStarted();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <div className="task-start">
      <button type="button" className="task-button" onClick={() => void run({ kind: "tests", paths: [] })}>
        Run the tests
      </button>
      {config.cli && config.commands.length ? (
        <form
          className="task-command"
          onSubmit={(e) => {
            e.preventDefault();
            void run({ kind: "command", command, arguments: spec?.arguments.length ? [argument] : [] });
          }}
        >
          <label>
            <span className="sr-only">Command</span>
            <select value={command} onChange={(e) => setCommand(e.target.value)} aria-label="Command">
              {config.commands.map((c) => (
                <option key={c.name} value={c.name} title={c.template}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          {spec?.arguments.length ? (
            <input
              aria-label={`Argument ${spec.arguments[0]}`}
              placeholder={spec.arguments[0]}
              value={argument}
              onChange={(e) => setArgument(e.target.value)}
            />
          ) : null}
          <button type="submit" className="task-button">
            Start
          </button>
        </form>
      ) : null}
      {error ? (
        <p className="task-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** The Staff tab: Aya Ops in a chat on the left, the tasks (live) on the right. */
export function StaffPage({
  config,
  appConfig,
  headers,
  theme,
  active,
}: {
  config: OpsConfig;
  appConfig: AppConfig;
  headers: () => Record<string, string>;
  theme: Theme;
  active: boolean;
}) {
  const api = useMemo(() => new OpsApi(headers), [headers]);
  const client = useMemo(() => new ChatKitClient({ url: "/ops/chatkit", headers }), [headers]);
  const textConfig = useMemo(() => ({ ...appConfig, ...OPS_TEXT }), [appConfig]);
  const [tasks, setTasks] = useState<Task[]>([]);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setTasks(await api.tasks());
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [api]);

  useEffect(() => {
    if (!active) return;
    void refresh();
    const timer = window.setInterval(() => void refresh(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [active, refresh]);

  const act = async (id: number, verb: TaskVerb) => {
    try {
      await api.act(id, verb);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
    void refresh();
  };

  return (
    <div className="staff">
      <section className="staff-chat" aria-label="Aya Ops chat">
        <TextTab client={client} config={textConfig} theme={theme} active={active} />
      </section>
      <aside className="staff-tasks" aria-label="Tasks">
        <h2>Tasks</h2>
        <StartForm config={config} api={api} onStarted={() => void refresh()} />
        {error ? (
          <p className="task-error" role="alert">
            {error}
          </p>
        ) : null}
        {tasks.length ? (
          <ul className="task-list">
            {tasks.map((t) => (
              <TaskRow key={t.id} task={t} onAct={(id, verb) => void act(id, verb)} />
            ))}
          </ul>
        ) : (
          <p className="task-empty">No tasks yet.</p>
        )}
      </aside>
    </div>
  );
}
