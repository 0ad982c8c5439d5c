"""Aya Ops' tables in PostgreSQL (``AYA_DATABASE_URL``), with the same four calls as :class:`~aya.automation.store.
OpsDatabase`: ``fetch``, ``execute`` (the new row's id for inserts), ``execute_many`` (one transaction), ``close``.

SQL is written once with ``?`` placeholders (translated to ``$1…``); migrations are numbered in their own version table
under an advisory lock, so several web processes can start at once. ``listen``/``notify`` are PostgreSQL's
LISTEN/NOTIFY on a connection of their own (outside the pool); when that connection is lost, ``listen`` reports it and
the next call connects again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import asyncpg

from aya.automation.store import Listener

MIGRATIONS: list[str] = [
    """
    CREATE TABLE IF NOT EXISTS tasks (
        id BIGSERIAL PRIMARY KEY,
        owner TEXT NOT NULL,
        state TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS tasks_owner ON tasks (owner, id);
    CREATE INDEX IF NOT EXISTS tasks_state ON tasks (state);
    CREATE TABLE IF NOT EXISTS audit (
        id BIGSERIAL PRIMARY KEY,
        at TEXT NOT NULL,
        user_id TEXT NOT NULL,
        data TEXT NOT NULL
    );
    """,
    # 2: cancelling from another process, heartbeats (old databases get the columns; nodes copied from the JSON)
    """
    ALTER TABLE tasks ADD COLUMN IF NOT EXISTS node TEXT;
    ALTER TABLE tasks ADD COLUMN IF NOT EXISTS cancel_requested INTEGER NOT NULL DEFAULT 0;
    UPDATE tasks SET node = data::jsonb ->> 'node' WHERE node IS NULL;
    CREATE INDEX IF NOT EXISTS tasks_node ON tasks (node, state);
    CREATE TABLE IF NOT EXISTS ops_workers (
        node TEXT PRIMARY KEY,
        started_at DOUBLE PRECISION NOT NULL,
        heartbeat_at DOUBLE PRECISION NOT NULL
    );
    """,
]
_LOCK = 0x4F505331  # "OPS1": serializes migrations across processes
_PLACEHOLDER = re.compile(r"\?")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@lru_cache(maxsize=256)
def _numbered(sql: str) -> str:
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


class PostgresOpsDatabase:
    def __init__(self, dsn: str, *, schema: str | None = None) -> None:
        if schema is not None and not _IDENTIFIER.match(schema):
            raise ValueError(f"invalid PostgreSQL schema name {schema!r}")
        self.dsn = dsn
        self.schema = schema
        self._pool: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None
        self._channels: dict[str, Listener] = {}
        self._listening: set[str] = set()

    async def open(self) -> None:
        settings = {"application_name": "aya-ops"}
        if self.schema is not None:
            conn = await asyncpg.connect(self.dsn)
            try:
                await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            finally:
                await conn.close()
            settings["search_path"] = self.schema
        self._pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=5, server_settings=settings)
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK)
            await conn.execute("CREATE TABLE IF NOT EXISTS aya_ops_schema_version (version INTEGER NOT NULL)")
            version = await conn.fetchval("SELECT max(version) FROM aya_ops_schema_version") or 0
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                await conn.execute(script)
                await conn.execute("INSERT INTO aya_ops_schema_version (version) VALUES ($1)", number)

    def _p(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("PostgresOpsDatabase.open() was not awaited")
        return self._pool

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        async with self._p().acquire() as conn:
            return [tuple(row) for row in await conn.fetch(_numbered(sql), *args)]

    async def execute(self, sql: str, *args: Any) -> int:
        async with self._p().acquire() as conn:
            if sql.lstrip().upper().startswith("INSERT"):
                return int(await conn.fetchval(_numbered(sql) + " RETURNING id", *args))
            await conn.execute(_numbered(sql), *args)
            return 0

    async def execute_many(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        async with self._p().acquire() as conn, conn.transaction():
            for sql, args in statements:
                await conn.execute(_numbered(sql), *args)

    async def listen(self, channel: str, listener: Listener) -> bool:
        self._channels[channel] = listener
        conn = self._listener
        if conn is not None and not conn.is_closed():
            if channel not in self._listening:
                await self._add(conn, channel)
            return True
        self._listener = None
        try:
            conn = await asyncpg.connect(self.dsn, server_settings={"application_name": "aya-ops-listen"})
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        self._listening = set()
        for name in self._channels:
            await self._add(conn, name)
        self._listener = conn
        return True

    async def _add(self, conn: asyncpg.Connection, channel: str) -> None:
        def received(_conn: object, _pid: int, _channel: str, payload: object) -> None:
            self._channels[channel](str(payload))

        await conn.add_listener(channel, received)
        self._listening.add(channel)

    async def notify(self, channel: str, payload: str) -> None:
        async with self._p().acquire() as conn:
            await conn.execute("SELECT pg_notify($1, $2)", channel, payload)

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
