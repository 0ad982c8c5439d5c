"""The task manager: every long tool call is a task, persisted, run concurrently under a limit, watched live.

A task has an id (a small integer: "cancel task 3"), an owner, a kind (which runner runs it), a title, arguments, a
state, progress, a log (the last lines) and a result::

    awaiting_approval ──approve──▶ queued ──▶ running ──▶ succeeded | failed | cancelled
            └──deny──▶ cancelled     └──cancel──▶ cancelled      (any finished task ──retry──▶ a new task)

Runners are ``async (task, reporter) -> result dict``; :class:`Reporter` records log lines and progress. Raising
:class:`TaskFailed` (or anything) fails the task; cancellation cancels it. Every change is published to watchers
(:meth:`TaskManager.watch`, which yields snapshots and coalesces bursts; a task another process runs is read from the
store every ``remote_poll_s``) and persisted — state changes at once, progress and log at most every
``persist_interval_s``.

Several processes (web workers sharing PostgreSQL, or one SQLite file) each have a manager; a task runs in the one
that started (or approved) it, its ``node``. Each manager writes a heartbeat to ``ops_workers`` every
``heartbeat_s`` and, in the same loop, (1) cancels its own tasks whose ``cancel_requested`` another process set (the
slow fallback: with PostgreSQL a NOTIFY on :data:`CHANNEL` reaches it at once), and (2) marks the queued and running
tasks of workers silent for ``dead_after_s`` failed ("interrupted"; cancelled when a cancel was pending). At start-up
tasks of this host whose process is gone are marked failed at once. Heartbeats compare wall clocks: across hosts
the clocks must agree to well under ``dead_after_s`` (NTP).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from aya.automation.store import Database, dumps
from aya.core.errors import BadRequest, Conflict, NotFound

logger = logging.getLogger("aya.automation")

TaskState = Literal["awaiting_approval", "queued", "running", "succeeded", "failed", "cancelled"]
ACTIVE: frozenset[str] = frozenset({"awaiting_approval", "queued", "running"})
RETRYABLE: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})  # replay from history
MAX_LOG_LINES = 200
MAX_TASK_ID = 2**62  # ids are SQLite/PostgreSQL 64-bit integers
CHANNEL = "aya_ops_tasks"  # NOTIFY payload "<node>|<task id>": that node should cancel that task


def _now() -> datetime:
    return datetime.now(UTC)


class Task(BaseModel):
    id: int = 0
    owner: str
    kind: str
    title: str
    args: dict[str, Any] = Field(default_factory=dict)
    state: TaskState = "queued"
    progress: float | None = None
    message: str = ""
    log: list[str] = Field(default_factory=list)
    result: dict[str, Any] | None = None
    error: str | None = None
    created_at: datetime = Field(default_factory=_now)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    retry_of: int | None = None
    thread_id: str | None = None
    node: str | None = None  # the server process running it: "host:pid:token"
    cancel_requested: bool = False  # another process asked the one running it to cancel it

    @property
    def done(self) -> bool:
        return self.state not in ACTIVE


class TaskFailed(Exception):
    """A runner's failure with a message for people and, optionally, a result (a failed test run's report)."""

    def __init__(self, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.result = result


class Reporter:
    """What a runner uses to report: ``log(line)`` and ``progress(fraction, message)``."""

    def __init__(self, manager: TaskManager, task: Task) -> None:
        self._manager = manager
        self._task = task

    def log(self, line: str) -> None:
        self._task.log.append(line[:2000])
        del self._task.log[:-MAX_LOG_LINES]
        self._manager._changed(self._task)

    def progress(self, fraction: float | None, message: str | None = None) -> None:
        self._task.progress = None if fraction is None else max(0.0, min(1.0, fraction))
        if message is not None:
            self._task.message = message[:500]
        self._manager._changed(self._task)


Runner = Callable[[Task, Reporter], Awaitable[dict[str, Any]]]


class TaskManager:
    """Runs tasks of the registered ``runners`` kinds, at most ``max_running`` at once."""

    def __init__(
        self,
        db: Database,
        runners: Mapping[str, Runner],
        *,
        max_running: int = 4,
        persist_interval_s: float = 0.5,
        heartbeat_s: float = 2.0,
        dead_after_s: float = 30.0,
        remote_poll_s: float = 0.5,
    ) -> None:
        if not 0 < heartbeat_s * 3 <= dead_after_s:
            raise ValueError("dead_after_s must be at least three heartbeats")
        self.db = db
        self.runners = dict(runners)
        self.max_running = max_running
        self.persist_interval_s = persist_interval_s
        self.heartbeat_s = heartbeat_s
        self.dead_after_s = dead_after_s
        self.remote_poll_s = remote_poll_s
        self.listening = False  # notifications reach this manager (PostgreSQL); else only the poll does
        self._watchdog: asyncio.Task[None] | None = None
        self._abandoned: set[int] = set()  # jobs stopped because another worker already finished their task
        self._slots = asyncio.Semaphore(max_running)
        self._live: dict[int, Task] = {}  # active tasks of this process, the source of truth while they run
        self._jobs: dict[int, asyncio.Task[None]] = {}
        self._signals: dict[int, asyncio.Event] = {}
        self._persisted_at: dict[int, float] = {}
        self._flushes: dict[int, asyncio.TimerHandle] = {}
        self._saves: set[asyncio.Task[bool]] = set()  # progress saves in flight (awaited by close)
        self._closing = False
        self.node = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"

    # --- life -------------------------------------------------------------------------------------------------------
    async def start(self) -> None:
        rows = await self.db.fetch("SELECT data FROM tasks WHERE state IN ('queued', 'running')")
        swept = 0
        for (data,) in rows:
            task = Task.model_validate_json(data)
            if not self._orphaned(task.node):
                continue
            if await self._interrupt(task, "interrupted: the server stopped"):
                swept += 1
        if swept:
            logger.info("%d task(s) interrupted by a stopped server marked failed", swept)
        now = time.time()
        await self.db.execute_many(
            [("INSERT INTO ops_workers (node, started_at, heartbeat_at) VALUES (?, ?, ?)", (self.node, now, now))]
        )
        self.listening = await self.db.listen(CHANNEL, self._notified)
        self._watchdog = asyncio.create_task(self._watch_loop(), name="aya-tasks-watchdog")

    async def _watch_loop(self) -> None:
        """Heartbeat, cancel requests and the sweep of dead workers, every ``heartbeat_s`` (always sleeping, even
        after an error: the database may be away for a while)."""
        while not self._closing:
            await asyncio.sleep(self.heartbeat_s)
            try:
                await self.beat()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("task heartbeat failed", exc_info=True)

    async def beat(self) -> None:
        """One round of the watchdog (public for tests and benchmarks)."""
        now = time.time()
        alive = await self.db.fetch(
            "UPDATE ops_workers SET heartbeat_at = ? WHERE node = ? RETURNING node", now, self.node
        )
        if not alive:  # declared dead while it was paused, or its row pruned: register again
            await self.db.execute_many(
                [("INSERT INTO ops_workers (node, started_at, heartbeat_at) VALUES (?, ?, ?)", (self.node, now, now))]
            )
            await self._drop_swept()
        self.listening = await self.db.listen(CHANNEL, self._notified)
        requested = await self.db.fetch(
            "SELECT id FROM tasks WHERE node = ? AND cancel_requested = 1 AND state IN ('queued', 'running')",
            self.node,
        )
        for (task_id,) in requested:
            self._cancel_requested(int(task_id))
        await self.sweep(now)

    async def sweep(self, now: float | None = None) -> int:
        """Mark the queued and running tasks of workers without a heartbeat for ``dead_after_s`` failed
        ("interrupted"; cancelled when a cancel was pending), then forget those workers; how many tasks."""
        limit = (time.time() if now is None else now) - self.dead_after_s
        rows = await self.db.fetch(
            "SELECT t.data, t.cancel_requested FROM tasks t JOIN ops_workers w ON w.node = t.node "
            "WHERE t.state IN ('queued', 'running') AND w.heartbeat_at < ? AND w.node <> ?",
            limit,
            self.node,
        )
        swept = 0
        for data, cancel_requested in rows:
            task = Task.model_validate_json(data)
            if cancel_requested:
                reason = "cancelled (its worker stopped before it could stop the task)"
                swept += await self._interrupt(task, reason, state="cancelled")
            else:
                swept += await self._interrupt(task, f"interrupted: its worker {task.node} stopped answering")
        await self.db.execute("DELETE FROM ops_workers WHERE heartbeat_at < ? AND node <> ?", limit, self.node)
        if swept:
            logger.warning("%d task(s) of stopped workers marked failed", swept)
        return swept

    async def _interrupt(self, task: Task, error: str, state: TaskState = "failed") -> bool:
        """Finish a task another (gone) process ran, taking it over (its ``node`` becomes this one: should that
        process come back, its saves no longer match), unless it finished meanwhile: whether this call did."""
        gone = task.node
        task.state, task.error, task.finished_at, task.node = state, error, _now(), self.node
        rows = await self.db.fetch(
            "UPDATE tasks SET state = ?, node = ?, data = ? "
            "WHERE id = ? AND state IN ('queued', 'running') AND (node = ? OR node IS NULL) RETURNING id",
            task.state,
            task.node,
            dumps(task.model_dump()),
            task.id,
            gone,
        )
        return bool(rows)

    async def _drop_swept(self) -> None:
        """Back from a pause longer than the timeout: the tasks another worker took over and marked failed
        meanwhile stay failed (people were told so and may have retried them); their jobs here stop."""
        for task_id in list(self._jobs):
            rows = await self.db.fetch("SELECT node FROM tasks WHERE id = ?", task_id)
            if rows and rows[0][0] != self.node:
                self._lose(task_id)

    def _lose(self, task_id: int) -> None:
        """Another worker took this task over (this one was silent too long): stop its job here without saving."""
        job = self._jobs.get(task_id)
        if job is None or job.done() or task_id in self._abandoned:
            return
        logger.warning("task %d was taken over by another worker while this one was silent: stopping it", task_id)
        self._abandoned.add(task_id)
        job.cancel()

    def _notified(self, payload: str) -> None:
        node, _, task_id = payload.rpartition("|")
        if node == self.node and task_id.isdigit():
            self._cancel_requested(int(task_id))

    def _cancel_requested(self, task_id: int) -> None:
        """Another process asked to cancel this one's task: stop its job (``_run`` records the cancellation)."""
        job = self._jobs.get(task_id)
        task = self._live.get(task_id)
        if job is None or task is None or job.done() or task.cancel_requested:
            return  # not here, or already stopping (a second cancel would cut its clean-up short)
        task.cancel_requested = True
        logger.info("task %d cancelled from another process", task_id)
        job.cancel()

    def _orphaned(self, node: str | None) -> bool:
        """Whether the process that ran a task is gone: one of this host's, not alive (or an earlier manager of
        this very process)."""
        if node is None:
            return True
        host, _, rest = node.partition(":")
        pid_text, _, token = rest.partition(":")
        my_host, my_pid, my_token = self.node.split(":")
        if host != my_host or not pid_text.isdigit():
            return False
        pid = int(pid_text)
        if pid == int(my_pid):
            return token != my_token
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    async def close(self) -> None:
        self._closing = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            await asyncio.gather(self._watchdog, return_exceptions=True)
        jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        for handle in self._flushes.values():
            handle.cancel()
        await asyncio.gather(*self._saves, return_exceptions=True)
        if self._watchdog is not None:  # started: a clean stop leaves no worker behind
            with contextlib.suppress(Exception):
                await self.db.execute("DELETE FROM ops_workers WHERE node = ?", self.node)

    # --- queries ----------------------------------------------------------------------------------------------------
    async def get(self, task_id: int, *, user_id: str, everyone: bool = False) -> Task:
        """Task ``task_id`` if ``user_id`` owns it (``everyone``: admins see all); 404 otherwise."""
        if not 1 <= task_id <= MAX_TASK_ID:
            raise NotFound(f"task {task_id} not found")
        task = self._live.get(task_id)
        if task is None:
            rows = await self.db.fetch("SELECT data, cancel_requested FROM tasks WHERE id = ?", task_id)
            if not rows:
                raise NotFound(f"task {task_id} not found")
            task = _stored(*rows[0])
        if not everyone and task.owner != user_id:
            raise NotFound(f"task {task_id} not found")
        return task.model_copy(deep=True)

    async def list(
        self, *, user_id: str, everyone: bool = False, state: str | None = None, limit: int = 50
    ) -> list[Task]:
        """Newest first: the live copy of running tasks, the stored one of the others."""
        if not 1 <= limit <= 500:
            raise BadRequest("limit must be between 1 and 500", field="limit")
        where: list[str] = []
        args: list[object] = []
        if not everyone:
            where.append("owner = ?")
            args.append(user_id)
        if state is not None:
            where.append("state = ?")
            args.append(state)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = await self.db.fetch(
            f"SELECT data, cancel_requested FROM tasks {clause} ORDER BY id DESC LIMIT ?", *args, limit
        )
        tasks = [_stored(data, cancel_requested) for data, cancel_requested in rows]
        return [self._live.get(t.id, t).model_copy(deep=True) for t in tasks]

    async def watch(self, task_id: int, *, user_id: str, everyone: bool = False) -> AsyncGenerator[Task, None]:
        """Snapshots of the task: now, then after every change (bursts coalesce), ending with its final state. A task
        of this process wakes the watcher; one another process runs is read from the store every ``remote_poll_s``."""
        task = await self.get(task_id, user_id=user_id, everyone=everyone)
        yield task
        while not task.done:
            signal = self._signals.setdefault(task_id, asyncio.Event())
            live = self._live.get(task_id)
            if live is not None and live.model_dump() == task.model_dump():
                await signal.wait()
            fresh = await self.get(task_id, user_id=user_id, everyone=everyone)
            if fresh.model_dump() == task.model_dump():
                if task_id not in self._live:  # another process runs it: poll (never spin)
                    await asyncio.sleep(self.remote_poll_s)
                continue
            task = fresh
            yield task

    # --- commands ---------------------------------------------------------------------------------------------------
    async def submit(
        self,
        owner: str,
        kind: str,
        title: str,
        args: Mapping[str, Any] | None = None,
        *,
        approval: bool = False,
        thread_id: str | None = None,
        retry_of: int | None = None,
    ) -> Task:
        """A new task; it starts at once (under the limit) unless ``approval`` makes it wait for :meth:`approve`."""
        if kind not in self.runners:
            raise NotFound(f"no task runner for {kind!r}")
        if self._closing:
            raise Conflict("the server is stopping; no new tasks")
        task = Task(
            node=self.node,
            owner=owner,
            kind=kind,
            title=title[:200],
            args=dict(args or {}),
            state="awaiting_approval" if approval else "queued",
            thread_id=thread_id,
            retry_of=retry_of,
        )
        task.id = await self.db.execute(
            "INSERT INTO tasks (owner, state, node, data) VALUES (?, ?, ?, ?)",
            owner,
            task.state,
            task.node,
            dumps(task.model_dump()),
        )
        await self._save(task)  # now with its id inside the JSON
        self._live[task.id] = task
        if not approval:
            self._launch(task)
        return task.model_copy(deep=True)

    async def approve(self, task_id: int, *, user_id: str, everyone: bool = False) -> Task:
        task = await self._active(task_id, user_id, everyone)
        if task.state != "awaiting_approval":
            raise Conflict(f"task {task_id} is {task.state}, not awaiting approval")
        task.state, task.node = "queued", self.node
        await self._claim(task)
        self._changed(task)
        self._launch(task)
        return task.model_copy(deep=True)

    async def deny(self, task_id: int, *, user_id: str, everyone: bool = False) -> Task:
        task = await self._active(task_id, user_id, everyone)
        if task.state != "awaiting_approval":
            raise Conflict(f"task {task_id} is {task.state}, not awaiting approval")
        task.state, task.node = "cancelled", self.node
        await self._claim(task)
        return await self._finish(task, "cancelled", error="denied")

    async def cancel(self, task_id: int, *, user_id: str, everyone: bool = False) -> Task:
        """Cancel a waiting, queued or running task (a running one stops: its process is killed). A task another
        process runs is handed over: ``cancel_requested`` is stored and that process notified; the task comes back
        with ``cancel_requested`` set (the API answers 202), usually still running, and ends ``cancelled`` there."""
        stored = await self.get(task_id, user_id=user_id, everyone=everyone)  # 404 for others; the live copy here
        if stored.state == "awaiting_approval":  # atomically: an approval elsewhere may have won (then 409)
            task = self._live.get(task_id, stored)
            task.state, task.node = "cancelled", self.node
            await self._claim(task)
            return await self._finish(task, "cancelled", error="cancelled")
        job = self._jobs.get(task_id)
        if job is not None:  # running (or queued) here: stop it and answer when it has stopped
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(job)
            return await self.get(task_id, user_id=user_id, everyone=everyone)
        if stored.state in ("queued", "running"):  # another process runs it: hand the cancel over
            rows = await self.db.fetch(
                "UPDATE tasks SET cancel_requested = 1 WHERE id = ? AND state IN ('queued', 'running') RETURNING node",
                task_id,
            )
            if rows:
                await self.db.notify(CHANNEL, f"{rows[0][0]}|{task_id}")
            return await self.get(task_id, user_id=user_id, everyone=everyone)  # finished meanwhile: as it ended
        raise Conflict(f"task {task_id} is already {stored.state}")

    async def retry(self, task_id: int, *, user_id: str, everyone: bool = False) -> Task:
        """A new task with the same kind and arguments as a finished one (a retry, or a replay from history)."""
        old = await self.get(task_id, user_id=user_id, everyone=everyone)
        if old.state not in RETRYABLE:
            raise Conflict(f"task {task_id} is still {old.state}; only finished tasks can be run again")
        return await self.submit(user_id, old.kind, old.title, old.args, thread_id=old.thread_id, retry_of=old.id)

    # --- running ----------------------------------------------------------------------------------------------------
    async def _active(self, task_id: int, user_id: str, everyone: bool) -> Task:
        await self.get(task_id, user_id=user_id, everyone=everyone)  # 404 for others
        task = self._live.get(task_id)
        if task is None:
            stored = await self.get(task_id, user_id=user_id, everyone=everyone)
            if not stored.done and stored.state != "awaiting_approval":
                raise Conflict(f"task {task_id} is already {stored.state} in another server process ({stored.node})")
            if stored.state == "awaiting_approval":  # waiting in the shared store: any process may take it
                self._live[task_id] = stored
                return stored
            raise Conflict(f"task {task_id} is already {stored.state}")
        return task

    async def _claim(self, task: Task) -> None:
        """Move a waiting task out of ``awaiting_approval`` in the store, atomically: with several processes (or a
        stale copy) only one approval or denial wins; the others get 409."""
        rows = await self.db.fetch(
            "UPDATE tasks SET state = ?, node = ?, data = ? WHERE id = ? AND state = 'awaiting_approval' RETURNING id",
            task.state,
            task.node,
            dumps(task.model_dump()),
            task.id,
        )
        if not rows:
            self._live.pop(task.id, None)
            raise Conflict(f"task {task.id} was already approved or denied")

    def _launch(self, task: Task) -> None:
        job = asyncio.create_task(self._run(task), name=f"aya-task-{task.id}")
        self._jobs[task.id] = job
        job.add_done_callback(lambda _: self._ended(task.id))

    def _ended(self, task_id: int) -> None:
        self._jobs.pop(task_id, None)
        self._abandoned.discard(task_id)

    async def _run(self, task: Task) -> None:
        try:
            async with self._slots:
                task.state, task.started_at = "running", _now()
                await self._save(task)
                self._changed(task)
                result = await self.runners[task.kind](task, Reporter(self, task))
        except asyncio.CancelledError:
            if task.id in self._abandoned:  # the store already says how it ended: leave it, just forget the task
                self._abandoned.discard(task.id)
                self._forget(task)
                return
            await asyncio.shield(
                self._finish(task, "cancelled", error="server stopped" if self._closing else "cancelled")
            )
        except TaskFailed as exc:
            await self._finish(task, "failed", error=str(exc), result=exc.result)
        except Exception as exc:
            logger.warning("task %d (%s) failed", task.id, task.kind, exc_info=True)
            await self._finish(task, "failed", error=f"{type(exc).__name__}: {exc}"[:1000])
        else:
            await self._finish(task, "succeeded", result=result)

    async def _finish(
        self, task: Task, state: TaskState, *, error: str | None = None, result: dict[str, Any] | None = None
    ) -> Task:
        task.state, task.error, task.finished_at = state, error, _now()
        if result is not None:
            task.result = result
        if state == "succeeded":
            task.progress = 1.0
        handle = self._flushes.pop(task.id, None)
        if handle is not None:
            handle.cancel()
        await self._save(task, finishing=True)  # (taken over by another worker: its record stands)
        self._live.pop(task.id, None)
        self._changed(task)
        self._signals.pop(task.id, None)
        return task.model_copy(deep=True)

    def _forget(self, task: Task) -> None:
        handle = self._flushes.pop(task.id, None)
        if handle is not None:
            handle.cancel()
        self._live.pop(task.id, None)
        signal = self._signals.pop(task.id, None)
        if signal is not None:  # watchers read the stored state
            signal.set()

    def _changed(self, task: Task) -> None:
        """Wake the watchers; persist progress now and then (state changes are saved by their callers)."""
        signal = self._signals.pop(task.id, None)
        if signal is not None:
            signal.set()
        if task.done or task.id in self._flushes:
            return
        loop = asyncio.get_running_loop()
        self._flushes[task.id] = loop.call_later(self.persist_interval_s, self._flush, task)

    def _flush(self, task: Task) -> None:
        self._flushes.pop(task.id, None)
        if task.id in self._live and not self._closing:
            job = asyncio.create_task(self._save(task), name=f"aya-task-{task.id}-save")
            self._saves.add(job)
            job.add_done_callback(self._saved)

    async def _save(self, task: Task, *, finishing: bool = False) -> bool:
        """Save the task if this process still owns it (its ``node``); a task another worker took over is let go
        (its job stopped, unless it is ``finishing`` anyway)."""
        rows = await self.db.fetch(
            "UPDATE tasks SET state = ?, data = ? WHERE id = ? AND node = ? RETURNING id",
            task.state,
            dumps(task.model_dump()),
            task.id,
            self.node,
        )
        if not rows and not finishing:
            self._lose(task.id)
        return bool(rows)

    def _saved(self, job: asyncio.Task[bool]) -> None:
        self._saves.discard(job)
        if not job.cancelled() and job.exception() is not None:
            logger.warning("saving task progress failed", exc_info=job.exception())


def _stored(data: str, cancel_requested: object) -> Task:
    """A task as stored: its JSON, with the ``cancel_requested`` column (set by other processes) on top."""
    task = Task.model_validate_json(data)
    task.cancel_requested = bool(cancel_requested)
    return task
