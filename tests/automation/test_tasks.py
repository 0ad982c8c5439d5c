"""The task manager over a real SQLite file: the concurrency limit, watching, cancel, retry, approvals, restarts."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from aya.automation.pg_store import PostgresOpsDatabase
from aya.automation.store import Database, OpsDatabase
from aya.automation.tasks import Reporter, Task, TaskFailed, TaskManager
from aya.core.errors import Conflict, NotFound


class Work:
    """Runners whose pace the test controls: each waits for ``release`` and counts how many run at once."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.running = 0
        self.most = 0

    async def hold(self, task: Task, report: Reporter) -> dict[str, Any]:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            for step in range(5):
                report.progress(step / 5, f"step {step}")
                report.log(f"line {step}")
                await asyncio.sleep(0)
            await self.release.wait()
            if task.args.get("fail"):
                raise TaskFailed("it broke", {"why": "asked to"})
            return {"ok": True}
        finally:
            self.running -= 1


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The same tests on SQLite and on a real PostgreSQL (started by the tests), in a schema of their own."""
    if request.param == "sqlite":
        database: Database = OpsDatabase(tmp_path / "ops.sqlite3")
        await database.open()
        yield database
        await database.close()
        return
    import asyncpg

    dsn: str = request.getfixturevalue("postgres_dsn")
    schema = f"aya_ops_test_{secrets.token_hex(6)}"
    database = PostgresOpsDatabase(dsn, schema=schema)
    await database.open()
    try:
        yield database
    finally:
        await database.close()
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        finally:
            await conn.close()


@pytest.fixture
async def manager(db: Database) -> AsyncIterator[tuple[TaskManager, Work]]:
    work = Work()
    tasks = TaskManager(db, {"hold": work.hold}, max_running=2, persist_interval_s=0.01)
    await tasks.start()
    yield tasks, work
    await tasks.close()


async def _until(predicate: Any, limit_s: float = 5) -> None:
    """Poll state the runners change (they share no event with the test on purpose: the manager owns them)."""
    async with asyncio.timeout(limit_s):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_the_limit_holds_and_every_task_finishes(manager: tuple[TaskManager, Work]) -> None:
    tasks, work = manager
    submitted = [await tasks.submit("staff", "hold", f"job {i}") for i in range(5)]
    await _until(lambda: work.running == 2)
    states = [t.state for t in await tasks.list(user_id="staff")]
    assert states.count("running") == 2 and states.count("queued") == 3
    work.release.set()
    for task in submitted:
        final = [t async for t in tasks.watch(task.id, user_id="staff")][-1]
        assert final.state == "succeeded" and final.result == {"ok": True} and final.progress == 1.0
    assert work.most == 2
    replay = await tasks.retry(submitted[0].id, user_id="staff")  # replay from history
    assert replay.retry_of == submitted[0].id and replay.title == "job 0"
    assert [t async for t in tasks.watch(replay.id, user_id="staff")][-1].state == "succeeded"


async def test_watch_sees_progress_and_the_log(manager: tuple[TaskManager, Work]) -> None:
    tasks, work = manager
    task = await tasks.submit("staff", "hold", "job")
    seen: list[Task] = []

    async def watch() -> None:
        async for snapshot in tasks.watch(task.id, user_id="staff"):
            seen.append(snapshot)
            if snapshot.log == [f"line {i}" for i in range(5)]:
                work.release.set()

    await asyncio.wait_for(watch(), 5)
    assert seen[0].state in ("queued", "running") and seen[-1].state == "succeeded"
    assert any(s.state == "running" for s in seen)


async def test_cancel_retry_and_ownership(manager: tuple[TaskManager, Work]) -> None:
    tasks, work = manager
    task = await tasks.submit("staff", "hold", "job", {"fail": True})
    await _until(lambda: work.running == 1)
    with pytest.raises(NotFound):
        await tasks.cancel(task.id, user_id="someone-else")
    cancelled = await tasks.cancel(task.id, user_id="staff")
    assert cancelled.state == "cancelled" and work.running == 0
    with pytest.raises(Conflict):
        await tasks.cancel(task.id, user_id="staff")
    retried = await tasks.retry(task.id, user_id="staff")
    assert retried.retry_of == task.id and retried.args == {"fail": True}
    work.release.set()
    final = [t async for t in tasks.watch(retried.id, user_id="staff")][-1]
    assert final.state == "failed" and final.error == "it broke" and final.result == {"why": "asked to"}
    assert (await tasks.get(retried.id, user_id="admin", everyone=True)).state == "failed"
    with pytest.raises(Conflict):
        await tasks.approve(retried.id, user_id="staff")


async def test_approval_gates_the_start(manager: tuple[TaskManager, Work]) -> None:
    tasks, work = manager
    waiting = await tasks.submit("staff", "hold", "import", approval=True)
    denied = await tasks.submit("staff", "hold", "import", approval=True)
    await asyncio.sleep(0.05)
    assert work.running == 0
    assert (await tasks.deny(denied.id, user_id="staff")).state == "cancelled"
    assert (await tasks.approve(waiting.id, user_id="staff")).state == "queued"
    await _until(lambda: work.running == 1)
    work.release.set()
    assert [t async for t in tasks.watch(waiting.id, user_id="staff")][-1].state == "succeeded"


async def test_a_restart_marks_unfinished_tasks_failed_and_keeps_approvals(db: Database) -> None:
    work = Work()
    first = TaskManager(db, {"hold": work.hold}, max_running=1)
    await first.start()
    running = await first.submit("staff", "hold", "long job")
    waiting = await first.submit("staff", "hold", "import", approval=True)
    await _until(lambda: work.running == 1)
    # The process dies: its jobs vanish without a chance to record anything.
    jobs = list(first._jobs.values())
    for job in jobs:
        job.cancel()
    await asyncio.gather(*jobs, return_exceptions=True)
    await db.execute("UPDATE tasks SET state = 'running' WHERE id = ?", running.id)

    second = TaskManager(db, {"hold": work.hold}, max_running=1)
    await second.start()
    interrupted = await second.get(running.id, user_id="staff")
    assert interrupted.state == "failed" and interrupted.error and "interrupted" in interrupted.error
    assert (await second.approve(waiting.id, user_id="staff")).state == "queued"
    work.release.set()
    assert [t async for t in second.watch(waiting.id, user_id="staff")][-1].state == "succeeded"
    await second.close()


async def test_only_one_approval_wins(db: Database) -> None:
    """Two managers over the same store (two server processes): an approval counts once; the other gets 409."""
    work = Work()
    first = TaskManager(db, {"hold": work.hold})
    second = TaskManager(db, {"hold": work.hold})
    task = await first.submit("staff", "hold", "import", approval=True)
    assert (await second.approve(task.id, user_id="staff")).state == "queued"
    with pytest.raises(Conflict):
        await first.approve(task.id, user_id="staff")
    await _until(lambda: work.running == 1)
    with pytest.raises(Conflict, match="another server process"):
        await first.approve(task.id, user_id="staff")
    work.release.set()
    assert [t async for t in second.watch(task.id, user_id="staff")][-1].state == "succeeded"
    await first.close()
    await second.close()
