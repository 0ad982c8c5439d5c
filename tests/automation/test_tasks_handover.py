"""Several task managers over one store (as several server processes share PostgreSQL, or one SQLite file): a cancel
reaches the manager running the task (NOTIFY on PostgreSQL, the heartbeat's poll everywhere), heartbeats, the sweep
of dead workers' tasks, and old databases upgraded. Each manager has its own connection pool to the same store."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from aya.automation import pg_store, store
from aya.automation.pg_store import PostgresOpsDatabase
from aya.automation.store import Database, OpsDatabase
from aya.automation.tasks import Task, TaskManager
from aya.core.errors import Conflict

from .test_tasks import Work, _until, db  # noqa: F401  (the same store fixture: SQLite and PostgreSQL)


def _another(database: Database) -> Database:
    """A second connection (pool) to the same store, as another process would open it."""
    if isinstance(database, OpsDatabase):
        return OpsDatabase(database.path)
    assert isinstance(database, PostgresOpsDatabase)
    return PostgresOpsDatabase(database.dsn, schema=database.schema)


@pytest.fixture
async def other_db(db: Database) -> AsyncIterator[Database]:  # noqa: F811
    other = _another(db)
    await other.open()
    yield other
    await other.close()


async def _final(manager: TaskManager, task_id: int, limit_s: float = 10) -> Task:
    async with asyncio.timeout(limit_s):
        return [t async for t in manager.watch(task_id, user_id="staff")][-1]


async def _kill(manager: TaskManager) -> None:
    """The process dies: its loops and jobs vanish without recording anything (no clean close)."""
    assert manager._watchdog is not None
    jobs = [manager._watchdog, *manager._jobs.values()]
    manager._closing = True
    for job in jobs:
        job.cancel()
    await asyncio.gather(*jobs, return_exceptions=True)


async def test_a_cancel_at_another_manager_reaches_the_running_one(db: Database, other_db: Database) -> None:  # noqa: F811
    """With PostgreSQL the NOTIFY alone stops it (the heartbeat poll is 60 s away); with SQLite the poll does."""
    notify = isinstance(db, PostgresOpsDatabase)
    beat = 60.0 if notify else 0.1
    work = Work()
    runner = TaskManager(db, {"hold": work.hold}, heartbeat_s=beat, dead_after_s=beat * 3)
    other = TaskManager(other_db, {"hold": work.hold}, heartbeat_s=beat, dead_after_s=beat * 3)
    await runner.start()
    await other.start()
    try:
        assert runner.listening is notify and other.listening is notify
        task = await runner.submit("staff", "hold", "long job")
        await _until(lambda: work.running == 1)
        began = time.perf_counter()
        handed = await other.cancel(task.id, user_id="staff")
        assert handed.cancel_requested  # handed over: the API's 202 (NOTIFY may have stopped it already)
        assert handed.state in ("running", "cancelled")
        final = await _final(other, task.id)  # watched from the other manager: read from the store
        assert final.state == "cancelled" and final.error == "cancelled" and work.running == 0
        assert time.perf_counter() - began < (2.0 if notify else 5.0)
        with pytest.raises(Conflict, match="already cancelled"):
            await other.cancel(task.id, user_id="staff")
        # a cancel of its own task by the running manager is done at once (the API's 200)
        local = await runner.submit("staff", "hold", "another job")
        await _until(lambda: work.running == 1)
        done = await runner.cancel(local.id, user_id="staff")
        assert done.state == "cancelled" and not done.cancel_requested
    finally:
        await runner.close()
        await other.close()


async def test_a_lost_notification_is_caught_by_the_poll(db: Database, other_db: Database) -> None:  # noqa: F811
    work = Work()
    runner = TaskManager(db, {"hold": work.hold}, heartbeat_s=0.1, dead_after_s=5)
    await runner.start()
    try:
        task = await runner.submit("staff", "hold", "long job")
        await _until(lambda: work.running == 1)
        # another process set the flag, and its NOTIFY never arrived (a dropped listener connection, SQLite)
        await other_db.execute("UPDATE tasks SET cancel_requested = 1 WHERE id = ?", task.id)
        final = await _final(runner, task.id, limit_s=5)
        assert final.state == "cancelled" and work.running == 0
    finally:
        await runner.close()


async def test_the_tasks_of_a_dead_worker_are_marked_failed(db: Database, other_db: Database) -> None:  # noqa: F811
    work = Work()
    dying = TaskManager(db, {"hold": work.hold}, max_running=1, heartbeat_s=0.05, dead_after_s=0.5)
    survivor = TaskManager(other_db, {"hold": work.hold}, heartbeat_s=0.05, dead_after_s=0.5)
    await dying.start()
    await survivor.start()
    try:
        running = await dying.submit("staff", "hold", "long job")
        queued = await dying.submit("staff", "hold", "waits for a slot")
        pending = await dying.submit("staff", "hold", "a cancel is on its way")
        waiting = await dying.submit("staff", "hold", "import", approval=True)
        mine = await survivor.submit("staff", "hold", "the survivor's own job")
        await _until(lambda: work.running == 2)
        await asyncio.sleep(0.6)  # many sweeps with both alive: nothing is touched
        assert {t.state for t in await survivor.list(user_id="staff") if t.id != waiting.id} == {"running", "queued"}
        before = await db.fetch("SELECT id, state, data FROM tasks WHERE node = ?", dying.node)
        await _kill(dying)  # its jobs vanished without a trace: the store still says running / queued
        for task_id, state, data in before:
            await db.execute("UPDATE tasks SET state = ?, data = ? WHERE id = ?", state, data, task_id)
        died = time.perf_counter()
        assert (await survivor.cancel(pending.id, user_id="staff")).cancel_requested  # the dead one never answers
        final = await _final(survivor, running.id, limit_s=5)
        took = time.perf_counter() - died
        assert final.state == "failed" and final.error and "interrupted" in final.error and dying.node in final.error
        assert took < 3.0
        assert (await survivor.get(queued.id, user_id="staff")).state == "failed"
        cancelled = await survivor.get(pending.id, user_id="staff")
        assert cancelled.state == "cancelled" and "worker stopped" in (cancelled.error or "")
        assert (await survivor.get(waiting.id, user_id="staff")).state == "awaiting_approval"  # any worker may take it
        assert (await survivor.get(mine.id, user_id="staff")).state == "running"  # a live worker's task stays
        workers = [node for (node,) in await db.fetch("SELECT node FROM ops_workers")]
        assert workers == [survivor.node]  # the dead one is forgotten
        work.release.set()
        assert (await _final(survivor, mine.id)).state == "succeeded"
    finally:
        await survivor.close()
        await dying.close()
    assert await db.fetch("SELECT node FROM ops_workers") == []  # a clean stop leaves no worker behind


def test_a_heartbeat_must_be_well_inside_the_timeout(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="three heartbeats"):
        TaskManager(OpsDatabase(tmp_path / "x.sqlite3"), {}, heartbeat_s=2, dead_after_s=5)
    from aya.core.settings import Settings

    with pytest.raises(ValueError, match="AYA_OPS_WORKER_TIMEOUT_S"):
        Settings(ops_heartbeat_s=10, ops_worker_timeout_s=20, _env_file=None)  # type: ignore[call-arg]


V1_TASK = {"id": 1, "owner": "staff", "kind": "hold", "title": "old", "state": "running", "node": "gone-host:1:ab"}


async def test_an_old_sqlite_database_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "ops.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(store.MIGRATIONS[0] + "PRAGMA user_version = 1;")
    conn.execute("INSERT INTO tasks (owner, state, data) VALUES ('staff', 'running', ?)", (json.dumps(V1_TASK),))
    conn.commit()
    conn.close()
    database = OpsDatabase(path)
    await database.open()
    try:
        assert await database.fetch("PRAGMA user_version") == [(len(store.MIGRATIONS),)]
        assert await database.fetch("SELECT node, cancel_requested FROM tasks") == [("gone-host:1:ab", 0)]
        await _upgraded_store_works(database)
    finally:
        await database.close()


@pytest.mark.postgres
async def test_an_old_postgres_schema_is_upgraded(postgres_dsn: str) -> None:
    import secrets

    import asyncpg

    schema = f"aya_ops_old_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(postgres_dsn)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}; SET search_path = {schema}")
        await conn.execute(pg_store.MIGRATIONS[0])
        await conn.execute("CREATE TABLE aya_ops_schema_version (version INTEGER NOT NULL)")
        await conn.execute("INSERT INTO aya_ops_schema_version VALUES (1)")
        await conn.execute(
            "INSERT INTO tasks (owner, state, data) VALUES ('staff', 'running', $1)", json.dumps(V1_TASK)
        )
        database = PostgresOpsDatabase(postgres_dsn, schema=schema)
        await database.open()
        try:
            versions = await database.fetch("SELECT max(version) FROM aya_ops_schema_version")
            assert versions == [(len(pg_store.MIGRATIONS),)]
            assert await database.fetch("SELECT node, cancel_requested FROM tasks") == [("gone-host:1:ab", 0)]
            await _upgraded_store_works(database)
        finally:
            await database.close()
    finally:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.close()


async def _upgraded_store_works(database: Database) -> None:
    """A task of an old version (a node of another host, no heartbeat row) is left alone; new tasks run."""
    work = Work()
    work.release.set()
    manager = TaskManager(database, {"hold": work.hold}, heartbeat_s=0.05, dead_after_s=0.2)
    await manager.start()
    try:
        await asyncio.sleep(0.3)
        assert (await manager.get(1, user_id="staff")).state == "running"
        task = await manager.submit("staff", "hold", "new")
        assert (await _final(manager, task.id)).state == "succeeded"
        rows: list[Any] = await database.fetch("SELECT node FROM tasks WHERE id = ?", task.id)
        assert rows == [(manager.node,)]
    finally:
        await manager.close()


async def test_a_worker_back_from_a_long_pause_leaves_its_swept_tasks_failed(
    db: Database,  # noqa: F811
    other_db: Database,
) -> None:
    work = Work()
    paused = TaskManager(db, {"hold": work.hold}, heartbeat_s=60, dead_after_s=180)  # its loop will not beat in time
    survivor = TaskManager(other_db, {"hold": work.hold}, heartbeat_s=0.05, dead_after_s=0.3)
    await paused.start()
    await survivor.start()
    try:
        task = await paused.submit("staff", "hold", "long job")
        await _until(lambda: work.running == 1)
        # the paused worker's last heartbeat is long past (a stopped VM, a debugger, a starved machine)
        await db.execute("UPDATE ops_workers SET heartbeat_at = 0 WHERE node = ?", paused.node)
        swept = await _final(survivor, task.id, limit_s=5)
        assert swept.state == "failed" and "interrupted" in (swept.error or "") and swept.node == survivor.node
        # back: its next save of the task (a progress flush) or its next beat finds the task taken over and stops
        # the job without saving over the record; the beat registers the worker again
        await paused.beat()
        await _until(lambda: work.running == 0)
        for manager in (paused, survivor):
            again = await manager.get(task.id, user_id="staff")
            assert again.state == "failed" and again.error == swept.error and again.finished_at == swept.finished_at
        assert {n for (n,) in await db.fetch("SELECT node FROM ops_workers")} == {paused.node, survivor.node}
        work.release.set()
        fresh = await paused.submit("staff", "hold", "a new job")  # it works on as before
        assert (await _final(paused, fresh.id)).state == "succeeded"
    finally:
        await paused.close()
        await survivor.close()
