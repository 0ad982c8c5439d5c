"""The SQLite driver of ``SqlStore``: WAL, one writer thread, reads on a small thread pool (never on the event loop).

Writes go through a single-thread executor with ``BEGIN IMMEDIATE``, so concurrent requests queue instead of failing
with "database is locked"; readers use their own connections (WAL readers never block the writer).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar

from aya.chat.sql_store import SqlStore, Statement

T = TypeVar("T")

# Each entry moves the schema one version forward (PRAGMA user_version). Never edit a released entry: append.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE threads (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX threads_user_seq ON threads (user_id, seq);
    CREATE TABLE items (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        thread_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        data TEXT NOT NULL,
        UNIQUE (thread_id, id)
    );
    CREATE INDEX items_thread_seq ON items (thread_id, seq);
    CREATE INDEX items_user ON items (user_id);
    CREATE TABLE attachments (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        thread_id TEXT,
        data TEXT NOT NULL
    );
    CREATE INDEX attachments_user ON attachments (user_id, thread_id);
    CREATE TABLE feedback (
        thread_id TEXT NOT NULL,
        item_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (thread_id, item_id, user_id)
    );
    CREATE INDEX feedback_user ON feedback (user_id);
    """,
    # 2: why a shopper disliked an answer (thumbs down asks for a reason).
    "ALTER TABLE feedback ADD COLUMN reason TEXT;",
]


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class SqliteDatabase:
    dialect: Literal["sqlite", "postgres"] = "sqlite"

    def __init__(self, path: Path, *, readers: int = 4) -> None:
        self.path = path
        self._writer_pool = ThreadPoolExecutor(1, thread_name_prefix="aya-sqlite-writer")
        self._reader_pool = ThreadPoolExecutor(readers, thread_name_prefix="aya-sqlite-reader")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._writer: sqlite3.Connection | None = None

    async def _run(self, pool: ThreadPoolExecutor, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(pool, fn)

    def _track(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        with self._lock:
            self._connections.append(conn)
        return conn

    # --- set-up ----------------------------------------------------------------------------------------------------
    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        await self._run(self._writer_pool, self._open_writer)

    def _open_writer(self) -> None:
        conn = self._track(_connect(self.path))
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        self._writer = conn

    # --- reads -----------------------------------------------------------------------------------------------------
    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._track(_connect(self.path))
            self._local.conn = conn
        return conn

    def _fetch(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self._reader().execute(sql, tuple(args)).fetchall()

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return await self._run(self._reader_pool, partial(self._fetch, sql, args))

    # --- writes ----------------------------------------------------------------------------------------------------
    def _transaction(self, statements: Sequence[Statement]) -> list[int]:
        conn = self._writer
        if conn is None:
            raise RuntimeError("SqliteDatabase.open() was not awaited")
        conn.execute("BEGIN IMMEDIATE")
        try:
            counts = [conn.execute(sql, tuple(args)).rowcount for sql, args in statements]
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return counts

    async def transaction(self, statements: Sequence[Statement]) -> list[int]:
        return await self._run(self._writer_pool, partial(self._transaction, list(statements)))

    def _close(self) -> None:
        self._writer_pool.shutdown(wait=True)  # pending writes finish first
        self._reader_pool.shutdown(wait=True)
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()

    async def close(self) -> None:
        await asyncio.to_thread(self._close)


async def open_sqlite_store(path: Path) -> SqlStore:
    db = SqliteDatabase(path)
    await db.open()
    return SqlStore(db)
