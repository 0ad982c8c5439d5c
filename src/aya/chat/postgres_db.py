"""The PostgreSQL driver of ``SqlStore`` (asyncpg pool), selected by ``AYA_DATABASE_URL=postgresql://…``.

Schema migrations run at start-up under an advisory lock, so several web processes can start at once. ``schema``
places the tables in their own PostgreSQL schema (tests use a unique one per run).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Literal

import asyncpg

from aya.chat.coordination import connection_errors, unavailable
from aya.chat.sql_store import SqlStore, Statement

_ACQUIRE_TIMEOUT_S = 10.0  # every connection busy this long: answer 503 rather than queue forever
_MIGRATION_LOCK = 0x417961  # "Aya": the advisory lock key serialising migrations across processes

# Each entry moves the schema one version forward. Never edit a released entry: append.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE threads (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        data JSONB NOT NULL
    );
    CREATE INDEX threads_user_seq ON threads (user_id, seq);
    CREATE TABLE items (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL,
        thread_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        data JSONB NOT NULL,
        UNIQUE (thread_id, id)
    );
    CREATE INDEX items_thread_seq ON items (thread_id, seq);
    CREATE INDEX items_user ON items (user_id);
    CREATE TABLE attachments (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        thread_id TEXT,
        data JSONB NOT NULL
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

_PLACEHOLDER = re.compile(r"\?")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@lru_cache(maxsize=256)
def _numbered(sql: str) -> str:
    """``?`` placeholders to asyncpg's ``$1, $2, …``."""
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


def _rowcount(status: str) -> int:
    """asyncpg's status string ("INSERT 0 1", "DELETE 3", "UPDATE 0") to a row count."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


async def create_schema(dsn: str, schema: str) -> None:
    """``CREATE SCHEMA IF NOT EXISTS`` (two processes starting at once may race: the loser's error is ignored)."""
    if not _IDENTIFIER.match(schema):
        raise ValueError(f"invalid PostgreSQL schema name {schema!r}")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    except asyncpg.UniqueViolationError:
        pass  # created by another process between the check and the insert
    finally:
        await conn.close()


class PostgresDatabase:
    dialect: Literal["sqlite", "postgres"] = "postgres"

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    async def connect(
        cls, dsn: str, *, schema: str | None = None, min_size: int = 1, max_size: int = 10
    ) -> PostgresDatabase:
        server_settings: dict[str, str] = {"application_name": "aya"}
        if schema is not None:
            await create_schema(dsn, schema)
            server_settings["search_path"] = schema
        pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, server_settings=server_settings)
        db = cls(pool)
        await db._migrate()
        return db

    async def _migrate(self) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await conn.execute("CREATE TABLE IF NOT EXISTS aya_schema_version (version INTEGER NOT NULL)")
            version = await conn.fetchval("SELECT max(version) FROM aya_schema_version") or 0
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                await conn.execute(script)
                await conn.execute("INSERT INTO aya_schema_version (version) VALUES ($1)", number)

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        try:
            async with self.pool.acquire(timeout=_ACQUIRE_TIMEOUT_S) as conn:
                rows = await conn.fetch(_numbered(sql), *args)
        except connection_errors() as exc:  # the server is down or restarting: 503, and the pool reconnects later
            raise unavailable(exc) from exc
        return [tuple(row) for row in rows]

    async def transaction(self, statements: Sequence[Statement]) -> list[int]:
        try:
            async with self.pool.acquire(timeout=_ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
                return [_rowcount(await conn.execute(_numbered(sql), *args)) for sql, args in statements]
        except connection_errors() as exc:  # not committed: the caller is told, nothing acknowledged is lost
            raise unavailable(exc) from exc

    async def close(self) -> None:
        await self.pool.close()


async def open_postgres_store(dsn: str, *, schema: str | None = None) -> SqlStore:
    return SqlStore(await PostgresDatabase.connect(dsn, schema=schema))
