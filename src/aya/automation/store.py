"""Aya Ops' own SQLite file (``<data_dir>/ops.sqlite3``): tasks and the audit log (or PostgreSQL: ``pg_store``).

One connection on one worker thread (every call goes through it, never the event loop), WAL, migrations by
``PRAGMA user_version``. Tasks are stored as JSON with their owner, state, node (the process running them) and
``cancel_requested`` in columns for the queries; ``ops_workers`` holds each task manager's heartbeat. SQLite has no
notifications: ``listen`` says so (the task manager then relies on its poll) and ``notify`` does nothing.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

MIGRATIONS: list[str] = [
    """
    CREATE TABLE tasks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner TEXT NOT NULL,
        state TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX tasks_owner ON tasks (owner, id);
    CREATE INDEX tasks_state ON tasks (state);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        user_id TEXT NOT NULL,
        data TEXT NOT NULL
    );
    """,
    # 2: cancelling from another process, heartbeats (old databases get the columns; nodes copied from the JSON)
    """
    ALTER TABLE tasks ADD COLUMN node TEXT;
    ALTER TABLE tasks ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
    UPDATE tasks SET node = json_extract(data, '$.node');
    CREATE INDEX tasks_node ON tasks (node, state);
    CREATE TABLE ops_workers (
        node TEXT PRIMARY KEY,
        started_at REAL NOT NULL,
        heartbeat_at REAL NOT NULL
    );
    """,
]
Listener = Callable[[str], None]
"""Called with a notification's payload, on the event loop."""


class Database(Protocol):
    """What the task manager and the audit log need: SQLite (:class:`OpsDatabase`) or PostgreSQL
    (:class:`~aya.automation.pg_store.PostgresOpsDatabase`)."""

    async def open(self) -> None: ...

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]: ...

    async def execute(self, sql: str, *args: Any) -> int: ...

    async def execute_many(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None: ...

    async def listen(self, channel: str, listener: Listener) -> bool:
        """Call ``listener`` with the payload of every notification on ``channel`` (from any process); whether it
        listens now. Idempotent: called again after a lost connection, it listens again."""
        ...

    async def notify(self, channel: str, payload: str) -> None: ...

    async def close(self) -> None: ...


class OpsDatabase:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="aya-ops-sqlite")
        self._conn: sqlite3.Connection | None = None

    async def _run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn)

    async def open(self) -> None:
        await self._run(self._open)

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        self._conn = conn

    def _c(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("OpsDatabase.open() was not awaited")
        return self._conn

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return await self._run(lambda: self._c().execute(sql, args).fetchall())

    async def execute(self, sql: str, *args: Any) -> int:
        """Run one write; the new row's id (for inserts)."""

        def write() -> int:
            cursor = self._c().execute(sql, args)
            return int(cursor.lastrowid or 0)

        return await self._run(write)

    async def execute_many(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        def write() -> None:
            conn = self._c()
            conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    conn.execute(sql, tuple(args))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

        await self._run(write)

    async def listen(self, channel: str, listener: Listener) -> bool:
        return False  # no notifications between processes on one SQLite file: the task manager polls

    async def notify(self, channel: str, payload: str) -> None:
        return None

    async def close(self) -> None:
        def close() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await self._run(close)
        self._pool.shutdown(wait=True)


def dumps(data: Any) -> str:
    return json.dumps(data, default=str, separators=(",", ":"))
