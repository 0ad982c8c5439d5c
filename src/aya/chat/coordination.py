"""Coordination between web processes: per-thread turn order, rate-limit counters and change notices.

One interface, two backends, chosen by :func:`open_coordination` from the settings:

- **in process** (SQLite, one web process): an ``asyncio.Lock`` per thread, counters in a dict, notices delivered to
  this process's own subscribers;
- **PostgreSQL** (``AYA_DATABASE_URL``, any number of processes behind a load balancer): a session advisory lock per
  thread, counters in the ``aya_rate_counters`` table, notices by ``LISTEN``/``NOTIFY``.

The PostgreSQL turn lock holds the locks of this process on a few dedicated connections (advisory locks are per
session and stack; a thread's lock always goes to the same one), so a thousand waiting turns cost no more
connections; a second message for a thread already answering in this process waits on the in-process lock first, so
only one waiter per process polls the database (``pg_try_advisory_lock`` with backoff: contention on one thread is
rare, two clicks at once). A worker killed mid-turn drops its connections and PostgreSQL releases its locks at once.
When a connection itself is lost, its locks are gone with it: turns that held them are failing on the same database
anyway, and new turns reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, Protocol

from aya.core.errors import ServiceUnavailable

if TYPE_CHECKING:
    import asyncpg

logger = logging.getLogger("aya.chat")

Listener = Callable[[str], Awaitable[None]]

_QUERY_TIMEOUT_S = 5.0
_CONNECT_TIMEOUT_S = 5.0
_LOCK_CONNECTIONS = 4  # turn locks of one process are spread over this many connections (queries queue on each)
_POLL_FIRST_S = 0.02
_POLL_MAX_S = 0.25
_LOCK_NAMESPACE = b"aya.turn\0"


# --- the interfaces ------------------------------------------------------------------------------------------------
class TurnLock(Protocol):
    """One assistant turn at a time per thread, across every process sharing the store."""

    def hold(self, thread_id: str) -> AbstractAsyncContextManager[None]:
        """Wait for the thread's turn, hold it for the ``async with`` body, release it (also when cancelled)."""
        ...

    async def check(self) -> None:
        """Raise :class:`ServiceUnavailable` when the lock's backend cannot be reached (fail before streaming)."""
        ...


class CounterStore(Protocol):
    """Counters in fixed time windows, shared by every process: the storage under rate limits."""

    async def hit(self, key: str, window_s: int, cost: int = 1) -> int:
        """Add ``cost`` to ``key``'s counter in the current ``window_s``-second window; the new total."""
        ...

    async def claim(self, key: str, ttl_s: int) -> bool:
        """True the first time ``key`` is claimed within ``ttl_s`` seconds, in any process (single-use tokens)."""
        ...


class Notices(Protocol):
    """Change notices seen by every process (for example "the MCP servers file changed: reload it")."""

    async def publish(self, channel: str, payload: str = "") -> None: ...

    async def subscribe(self, channel: str, listener: Listener) -> None: ...


class Coordination(Protocol):
    @property
    def backend(self) -> str: ...

    @property
    def turn_lock(self) -> TurnLock: ...

    @property
    def counters(self) -> CounterStore: ...

    @property
    def notices(self) -> Notices: ...

    async def ping(self) -> None:
        """Raise :class:`ServiceUnavailable` when the backend cannot be reached."""
        ...

    async def aclose(self) -> None: ...


def window_start(window_s: int, now: float | None = None) -> int:
    """The start (epoch seconds) of the fixed window holding ``now``."""
    moment = int(time.time() if now is None else now)
    return moment - moment % window_s


def retry_after_s(window_s: int, now: float | None = None) -> int:
    """Seconds until the current window ends (a ``Retry-After`` value, at least 1)."""
    moment = time.time() if now is None else now
    return max(1, int(window_start(window_s, moment) + window_s - moment + 0.999))


# --- in one process ------------------------------------------------------------------------------------------------
class LocalTurnLock:
    """An ``asyncio.Lock`` per thread id, forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @asynccontextmanager
    async def hold(self, thread_id: str) -> AsyncIterator[None]:
        lock = self._locks.get(thread_id)
        if lock is None:
            lock = self._locks[thread_id] = asyncio.Lock()
        async with lock:
            yield

    async def check(self) -> None:
        return None


class MemoryCounterStore:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._claims: dict[str, float] = {}

    async def claim(self, key: str, ttl_s: int) -> bool:
        now = time.time()
        if len(self._claims) > 10_000:
            self._claims = {k: v for k, v in self._claims.items() if v > now}
        if self._claims.get(key, 0.0) > now:
            return False
        self._claims[key] = now + ttl_s
        return True

    async def hit(self, key: str, window_s: int, cost: int = 1) -> int:
        start = window_start(window_s)
        if len(self._counts) > 10_000:  # forget finished windows now and then
            self._counts = {k: v for k, v in self._counts.items() if k[1] + window_s > start - 3600}
        total = self._counts.get((key, start), 0) + cost
        self._counts[(key, start)] = total
        return total


class LocalNotices:
    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = {}

    async def publish(self, channel: str, payload: str = "") -> None:
        for listener in list(self._listeners.get(channel, [])):
            await _deliver(listener, channel, payload)

    async def subscribe(self, channel: str, listener: Listener) -> None:
        self._listeners.setdefault(channel, []).append(listener)


async def _deliver(listener: Listener, channel: str, payload: str) -> None:
    try:
        await listener(payload)
    except Exception:
        logger.exception("listener of %s failed", channel)


class LocalCoordination:
    backend = "process"

    def __init__(self) -> None:
        self.turn_lock = LocalTurnLock()
        self.counters = MemoryCounterStore()
        self.notices = LocalNotices()

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


# --- PostgreSQL ----------------------------------------------------------------------------------------------------
def lock_key(thread_id: str) -> int:
    """A signed 64-bit advisory lock key for a thread id (a collision only makes two threads take turns)."""
    digest = hashlib.blake2b(_LOCK_NAMESPACE + thread_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def unavailable(exc: BaseException) -> ServiceUnavailable:
    return ServiceUnavailable(f"the database is unavailable ({type(exc).__name__}); retry in a moment")


def connection_errors() -> tuple[type[BaseException], ...]:
    """The exceptions meaning "the database cannot be reached" (not "this query is wrong")."""
    import asyncpg

    return (
        OSError,
        TimeoutError,
        asyncpg.PostgresConnectionError,
        asyncpg.InterfaceError,
        asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up, crashed
        asyncpg.exceptions.TooManyConnectionsError,
    )


class _Connection:
    """One lazily (re)opened connection whose queries run one at a time, each with a timeout."""

    def __init__(self, dsn: str, server_settings: dict[str, str]) -> None:
        self.dsn = dsn
        self.server_settings = server_settings
        self.conn: asyncpg.Connection | None = None
        self._mutex = asyncio.Lock()
        self.on_connect: Callable[[asyncpg.Connection], Awaitable[None]] | None = None

    async def _open(self) -> asyncpg.Connection:
        import asyncpg

        if self.conn is None or self.conn.is_closed():
            self.conn = None
            conn = await asyncpg.connect(self.dsn, timeout=_CONNECT_TIMEOUT_S, server_settings=self.server_settings)
            if self.on_connect is not None:
                await self.on_connect(conn)
            self.conn = conn
        return self.conn

    async def run(self, sql: str, *args: Any) -> tuple[Any, asyncpg.Connection]:
        """``fetchval(sql, *args)`` and the connection it ran on; connection trouble → ServiceUnavailable."""
        async with self._mutex:
            try:
                conn = await self._open()
                return await conn.fetchval(sql, *args, timeout=_QUERY_TIMEOUT_S), conn
            except connection_errors() as exc:
                await self._drop()
                raise unavailable(exc) from exc

    async def ensure(self) -> None:
        """Open the connection if it is not open; connection trouble → ServiceUnavailable."""
        if self.conn is not None and not self.conn.is_closed():
            return
        async with self._mutex:
            try:
                await self._open()
            except connection_errors() as exc:
                await self._drop()
                raise unavailable(exc) from exc

    async def run_on(self, conn: asyncpg.Connection, sql: str, *args: Any) -> Any:
        """Run on ``conn`` only if it is still the current, open connection (else ``None``: its session is gone)."""
        async with self._mutex:
            current = self.conn
            if current is None or current is not conn or current.is_closed():
                return None
            try:
                return await current.fetchval(sql, *args, timeout=_QUERY_TIMEOUT_S)
            except connection_errors():
                await self._drop()
                return None

    async def _drop(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.terminate()

    async def close(self) -> None:
        async with self._mutex:
            conn, self.conn = self.conn, None
            if conn is not None and not conn.is_closed():
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), 2.0)


class PostgresTurnLock:
    """Session advisory locks on a few dedicated connections (a thread's lock always on the same one, chosen by its
    key); in-process waiters queue on a local lock first."""

    def __init__(self, connections: Sequence[_Connection]) -> None:
        self._connections = list(connections)
        self._local = LocalTurnLock()
        self._pending: set[asyncio.Task[Any]] = set()

    @asynccontextmanager
    async def hold(self, thread_id: str) -> AsyncIterator[None]:
        key = lock_key(thread_id)
        connection = self._connections[key % len(self._connections)]
        async with self._local.hold(thread_id):
            conn = await self._acquire(connection, key)
            try:
                yield
            finally:
                released = await self._finish(connection.run_on(conn, "SELECT pg_advisory_unlock($1)", key))
                if released is False:
                    logger.warning("turn lock of %s was not held at release", thread_id)

    async def _finish(self, query: Awaitable[Any]) -> Any:
        """Run ``query`` to its end even when the caller is cancelled (a lock taken or released on the server must
        be known here); the task is kept until it ends."""
        task = asyncio.ensure_future(query)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return await asyncio.shield(task)

    async def _acquire(self, connection: _Connection, key: int) -> asyncpg.Connection:
        delay = _POLL_FIRST_S
        while True:
            attempt = asyncio.ensure_future(connection.run("SELECT pg_try_advisory_lock($1)", key))
            try:
                got, conn = await self._finish(attempt)
            except asyncio.CancelledError:
                attempt.add_done_callback(lambda done: self._release_if_taken(connection, done, key))
                raise
            if got:
                return conn
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))  # another process answers this thread now
            delay = min(delay * 2, _POLL_MAX_S)

    def _release_if_taken(self, connection: _Connection, attempt: asyncio.Future[tuple[Any, Any]], key: int) -> None:
        if attempt.cancelled() or attempt.exception() is not None:
            return
        got, conn = attempt.result()
        if got:  # taken after its caller gave up: give it back
            task = asyncio.ensure_future(connection.run_on(conn, "SELECT pg_advisory_unlock($1)", key))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def check(self) -> None:
        """No query: the connections are open (a server that went away closes them; asyncpg notices at once), or
        they can be opened now."""
        for connection in self._connections:
            await connection.ensure()

    async def aclose(self) -> None:
        await asyncio.gather(*self._pending, return_exceptions=True)


_COUNTERS_DDL = """
CREATE TABLE IF NOT EXISTS aya_rate_counters (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE TABLE IF NOT EXISTS aya_claims (
    key TEXT PRIMARY KEY,
    expires_at DOUBLE PRECISION NOT NULL
)
"""
_DDL_LOCK = 0x41796143  # "AyaC": serialises the coordination tables' creation across processes


class PostgresCounterStore:
    """Fixed-window counters in ``aya_rate_counters``: one upsert per hit; finished windows are swept now and then."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._last_sweep = 0.0

    async def hit(self, key: str, window_s: int, cost: int = 1) -> int:
        start = window_start(window_s)
        try:
            async with self.pool.acquire(timeout=_CONNECT_TIMEOUT_S) as conn:
                total: int = await conn.fetchval(
                    "INSERT INTO aya_rate_counters (key, window_start, count) VALUES ($1, $2, $3) "
                    "ON CONFLICT (key, window_start) DO UPDATE SET count = aya_rate_counters.count + excluded.count "
                    "RETURNING count",
                    key,
                    start,
                    cost,
                    timeout=_QUERY_TIMEOUT_S,
                )
                if time.monotonic() - self._last_sweep > 60:
                    self._last_sweep = time.monotonic()
                    # windows are at most a day long here; anything older than two days is finished
                    await conn.execute(
                        "DELETE FROM aya_rate_counters WHERE window_start < $1", start - 2 * 86400, timeout=30
                    )
                    await conn.execute("DELETE FROM aya_claims WHERE expires_at < $1", time.time(), timeout=30)
        except connection_errors() as exc:
            raise unavailable(exc) from exc
        return total

    async def claim(self, key: str, ttl_s: int) -> bool:
        now = time.time()
        try:
            async with self.pool.acquire(timeout=_CONNECT_TIMEOUT_S) as conn:
                row = await conn.fetchval(
                    "INSERT INTO aya_claims (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE "
                    "SET expires_at = excluded.expires_at WHERE aya_claims.expires_at < $3 RETURNING 1",
                    key,
                    now + ttl_s,
                    now,
                    timeout=_QUERY_TIMEOUT_S,
                )
        except connection_errors() as exc:
            raise unavailable(exc) from exc
        return row is not None


class PostgresNotices:
    """``NOTIFY`` to publish; one listening connection per process (re-subscribed when it reconnects)."""

    def __init__(self, pool: asyncpg.Pool, listen: _Connection) -> None:
        self.pool = pool
        self._listen = listen
        self._listeners: dict[str, list[Listener]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        listen.on_connect = self._on_connect

    async def publish(self, channel: str, payload: str = "") -> None:
        try:
            async with self.pool.acquire(timeout=_CONNECT_TIMEOUT_S) as conn:
                await conn.execute("SELECT pg_notify($1, $2)", _channel(channel), payload, timeout=_QUERY_TIMEOUT_S)
        except connection_errors() as exc:
            raise unavailable(exc) from exc

    async def subscribe(self, channel: str, listener: Listener) -> None:
        first = channel not in self._listeners
        self._listeners.setdefault(channel, []).append(listener)
        if first and self._listen.conn is not None and not self._listen.conn.is_closed():
            await self._listen.conn.add_listener(_channel(channel), self._on_notice)
        else:
            await self._listen.run("SELECT 1")  # opens the connection, whose on_connect listens on every channel

    async def _on_connect(self, conn: asyncpg.Connection) -> None:
        for channel in self._listeners:
            await conn.add_listener(_channel(channel), self._on_notice)

    def _on_notice(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        name = channel.removeprefix("aya_")
        for listener in list(self._listeners.get(name, [])):
            task = asyncio.get_running_loop().create_task(_deliver(listener, name, payload))
            self._tasks.add(task)  # owned here; awaited by aclose
            task.add_done_callback(self._tasks.discard)

    async def keep_listening(self) -> None:
        """Reopen the listening connection when it drops (a notice sent meanwhile is missed; callers reload)."""
        while True:
            await asyncio.sleep(2.0)
            if self._listeners and (self._listen.conn is None or self._listen.conn.is_closed()):
                with contextlib.suppress(ServiceUnavailable):
                    await self._listen.run("SELECT 1")
                    for channel in list(self._listeners):  # a notice may have been missed while disconnected
                        for listener in list(self._listeners[channel]):
                            await _deliver(listener, channel, "reconnected")

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _channel(name: str) -> str:
    return "aya_" + name


class PostgresCoordination:
    backend = "postgres"

    def __init__(self, pool: asyncpg.Pool, locks: Sequence[_Connection], listen: _Connection) -> None:
        self.pool = pool
        self._locks = list(locks)
        self._listen = listen
        self.turn_lock = PostgresTurnLock(self._locks)
        self.counters = PostgresCounterStore(pool)
        self.notices = PostgresNotices(pool, listen)
        self._watcher = asyncio.get_running_loop().create_task(self.notices.keep_listening(), name="aya-notices")

    @classmethod
    async def connect(cls, dsn: str, *, schema: str | None = None) -> PostgresCoordination:
        import asyncpg

        server_settings = {"application_name": "aya-coordination"}
        if schema is not None:
            from aya.chat.postgres_db import create_schema

            await create_schema(dsn, schema)
            server_settings["search_path"] = schema
        pool = await asyncpg.create_pool(
            dsn, min_size=1, max_size=4, timeout=_CONNECT_TIMEOUT_S, server_settings=server_settings
        )
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _DDL_LOCK)
            await conn.execute(_COUNTERS_DDL)
        locks = [_Connection(dsn, server_settings) for _ in range(_LOCK_CONNECTIONS)]
        return cls(pool, locks, _Connection(dsn, server_settings))

    async def ping(self) -> None:
        try:
            async with self.pool.acquire(timeout=_CONNECT_TIMEOUT_S) as conn:
                await conn.fetchval("SELECT 1", timeout=2.0)
        except connection_errors() as exc:
            raise unavailable(exc) from exc

    async def aclose(self) -> None:
        self._watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._watcher
        await self.notices.aclose()
        await self.turn_lock.aclose()
        for connection in self._locks:
            await connection.close()
        await self._listen.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.pool.close(), 5.0)


async def open_coordination(database_url: str | None) -> LocalCoordination | PostgresCoordination:
    """PostgreSQL coordination when ``database_url`` is a PostgreSQL URL, else coordination inside this process."""
    if not database_url:
        return LocalCoordination()
    from aya.chat.stores import split_schema

    dsn, schema = split_schema(database_url)
    return await PostgresCoordination.connect(dsn, schema=schema)


class SharedLimiter:
    """``aya.core.ratelimits.Limiter`` over a :class:`CounterStore`: every worker spends from the same windows.

    Rates keep the ``limits`` notation (``"30/minute;1000/day"``). Windows are fixed (a counter per key and window
    start) rather than moving: at a window's edge a client may spend up to twice a rate within one window's length,
    the usual price of one database round trip per window and no per-hit history. A refused hit spends nothing.
    """

    def __init__(self, counters: CounterStore) -> None:
        self.counters = counters

    async def hit(self, rates: str, *key: str, what: str) -> None:
        from aya.core.errors import RateLimited
        from aya.core.ratelimits import describe, parse_rates

        items = parse_rates(rates)
        for item in items:  # look first (cost 0), so that a refusal spends nothing in the other windows
            if await self.counters.hit(item.key_for(*key), item.get_expiry(), cost=0) >= item.amount:
                raise RateLimited(f"too many {what}: at most {describe(item)}; try again later")
        for item in items:
            if await self.counters.hit(item.key_for(*key), item.get_expiry()) > item.amount:
                raise RateLimited(f"too many {what}: at most {describe(item)}; try again later")  # lost a race

    async def remaining(self, rates: str, *key: str) -> int:
        from aya.core.ratelimits import parse_rates

        left = [
            item.amount - await self.counters.hit(item.key_for(*key), item.get_expiry(), cost=0)
            for item in parse_rates(rates)
        ]
        return max(0, min(left))
