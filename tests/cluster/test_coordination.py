"""Coordination between web processes, on a real PostgreSQL: two ``PostgresCoordination`` objects are two processes
(each has its own database sessions, which is what advisory locks tell apart). The in-process backend is held to the
same behaviour within one process."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest

from aya.chat.coordination import LocalCoordination, PostgresCoordination, lock_key, retry_after_s, window_start

pytestmark = pytest.mark.postgres


@pytest.fixture
async def schema(postgres_dsn: str) -> AsyncIterator[str]:
    name = f"aya_coord_{secrets.token_hex(5)}"
    yield name
    conn = await asyncpg.connect(postgres_dsn)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    finally:
        await conn.close()


async def _open(dsn: str, schema: str) -> PostgresCoordination:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    finally:
        await conn.close()
    return await PostgresCoordination.connect(dsn, schema=schema)


@pytest.fixture
async def two(postgres_dsn: str, schema: str) -> AsyncIterator[tuple[PostgresCoordination, PostgresCoordination]]:
    a, b = await _open(postgres_dsn, schema), await _open(postgres_dsn, schema)
    try:
        yield a, b
    finally:
        await a.aclose()
        await b.aclose()


async def _holders(log: list[str], lock_a: object, lock_b: object, thread_id: str) -> None:
    async def turn(name: str, lock: object) -> None:
        async with lock.hold(thread_id):  # type: ignore[attr-defined]
            log.append(f"{name} start")
            await asyncio.sleep(0.15)
            log.append(f"{name} end")

    await asyncio.gather(turn("a", lock_a), turn("b", lock_b))


async def test_a_thread_takes_turns_across_processes(two: tuple[PostgresCoordination, PostgresCoordination]) -> None:
    a, b = two
    log: list[str] = []
    await _holders(log, a.turn_lock, b.turn_lock, "thr_same")
    assert log in (["a start", "a end", "b start", "b end"], ["b start", "b end", "a start", "a end"])


async def test_different_threads_do_not_wait_for_each_other(
    two: tuple[PostgresCoordination, PostgresCoordination],
) -> None:
    a, b = two
    async with a.turn_lock.hold("thr_one"):
        await asyncio.wait_for(_enter_and_leave(b, "thr_two"), 2.0)


async def _enter_and_leave(coordination: PostgresCoordination, thread_id: str) -> None:
    async with coordination.turn_lock.hold(thread_id):
        pass


async def test_many_waiters_in_one_process_share_one_connection(
    two: tuple[PostgresCoordination, PostgresCoordination], postgres_dsn: str, schema: str
) -> None:
    a, b = two
    order: list[int] = []

    async def turn(n: int, lock: object) -> None:
        async with lock.hold("thr_busy"):  # type: ignore[attr-defined]
            order.append(n)
            assert len(order) == len(set(order))
            await asyncio.sleep(0.01)

    await asyncio.gather(*(turn(n, (a if n % 2 else b).turn_lock) for n in range(40)))
    assert sorted(order) == list(range(40))
    conn = await asyncpg.connect(postgres_dsn)
    try:
        sessions = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'aya-coordination'"
        )
        held = await conn.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
    finally:
        await conn.close()
    assert sessions <= 2 * (4 + 4 + 1)  # each process: its small pool, its lock connections, one to listen
    assert held == 0  # every lock was given back


async def test_a_cancelled_waiter_leaves_no_lock_behind(
    two: tuple[PostgresCoordination, PostgresCoordination],
) -> None:
    a, b = two
    entered = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with a.turn_lock.hold("thr_x"):
            entered.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await entered.wait()
    waiter = asyncio.create_task(_enter_and_leave(b, "thr_x"))
    await asyncio.sleep(0.2)
    assert not waiter.done()
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    release.set()
    await task
    await asyncio.wait_for(_enter_and_leave(a, "thr_x"), 2.0)  # b holds nothing
    await asyncio.wait_for(_enter_and_leave(b, "thr_x"), 2.0)


async def test_a_dead_process_releases_its_locks_at_once(
    two: tuple[PostgresCoordination, PostgresCoordination], postgres_dsn: str
) -> None:
    a, b = two
    entered = asyncio.Event()

    async def holder() -> None:
        async with a.turn_lock.hold("thr_dead"):
            entered.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(holder())
    await entered.wait()
    # the process dies: its sessions end (as when a worker is killed with -9)
    conn = await asyncpg.connect(postgres_dsn)
    try:
        key = lock_key("thr_dead")
        pid = await conn.fetchval(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND ((classid::bigint << 32) | objid::bigint) = ($1::bigint & x'ffffffffffffffff'::bigint)",
            key,
        )
        assert pid is not None
        await conn.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()
    await asyncio.wait_for(_enter_and_leave(b, "thr_dead"), 3.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.wait_for(_enter_and_leave(a, "thr_dead"), 5.0)  # and a reconnects for its next turn


async def test_counters_are_shared(two: tuple[PostgresCoordination, PostgresCoordination]) -> None:
    a, b = two
    totals = [await a.counters.hit("mint:u1", 60), await b.counters.hit("mint:u1", 60)]
    totals += await asyncio.gather(*(x.counters.hit("mint:u1", 60) for x in (a, b, a, b)))
    assert totals[:2] == [1, 2] and sorted(totals[2:]) == [3, 4, 5, 6]
    assert await b.counters.hit("mint:u2", 60, cost=5) == 5
    assert await a.counters.hit("mint:u2", 3600) == 1  # another window length is another counter


async def test_notices_reach_every_process(two: tuple[PostgresCoordination, PostgresCoordination]) -> None:
    a, b = two
    seen: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    async def on_a(payload: str) -> None:
        await seen.put(("a", payload))

    async def on_b(payload: str) -> None:
        await seen.put(("b", payload))

    await a.notices.subscribe("mcp", on_a)
    await b.notices.subscribe("mcp", on_b)
    await a.notices.publish("mcp", "reload")
    got = {await asyncio.wait_for(seen.get(), 5.0), await asyncio.wait_for(seen.get(), 5.0)}
    assert got == {("a", "reload"), ("b", "reload")}


async def test_the_local_backend_behaves_the_same_in_one_process() -> None:
    local = LocalCoordination()
    log: list[str] = []
    await _holders(log, local.turn_lock, local.turn_lock, "thr_same")
    assert log in (["a start", "a end", "b start", "b end"], ["b start", "b end", "a start", "a end"])
    assert [await local.counters.hit("k", 60) for _ in range(3)] == [1, 2, 3]
    seen: list[str] = []

    async def listener(payload: str) -> None:
        seen.append(payload)

    await local.notices.subscribe("mcp", listener)
    await local.notices.publish("mcp", "reload")
    assert seen == ["reload"]


def test_windows() -> None:
    assert window_start(60, 125.0) == 120
    assert retry_after_s(60, 125.0) == 55
    assert retry_after_s(60, 179.9) == 1


async def test_rate_limits_are_shared_by_every_process(two: tuple[PostgresCoordination, PostgresCoordination]) -> None:
    from aya.chat.coordination import SharedLimiter
    from aya.core.errors import RateLimited

    a, b = (SharedLimiter(x.counters) for x in two)
    await a.hit("3/minute;4/day", "realtime-user", "u1", what="voice sessions")
    await b.hit("3/minute;4/day", "realtime-user", "u1", what="voice sessions")
    await a.hit("3/minute;4/day", "realtime-user", "u1", what="voice sessions")
    assert await b.remaining("3/minute;4/day", "realtime-user", "u1") == 0
    with pytest.raises(RateLimited, match="too many voice sessions: at most 3 per minute"):
        await b.hit("3/minute;4/day", "realtime-user", "u1", what="voice sessions")
    # the refusal spent nothing: one more per day is still left once the minute is over
    assert await a.remaining("4/day", "realtime-user", "u1") == 1
    await a.hit("3/minute", "realtime-user", "u2", what="voice sessions")  # another key, its own budget
    assert await b.remaining("3/minute", "realtime-user", "u2") == 2


async def test_websocket_tickets_work_on_any_worker_once(
    two: tuple[PostgresCoordination, PostgresCoordination],
) -> None:
    from aya.core.context import RequestContext
    from aya.web.ops.tickets import SharedTicketBook

    a, b = (SharedTicketBook(x.counters, b"k" * 32) for x in two)
    alice = RequestContext(user_id="alice", session_id="s1", role="shopper")
    ticket = a.issue(alice)
    assert await b.redeem(ticket) == alice  # issued by one worker, redeemed by another
    assert await a.redeem(ticket) is None and await b.redeem(ticket) is None  # once, in the whole cluster
    assert await b.redeem(ticket[:-2] + "xx") is None  # forged
    twins = [a.issue(alice), a.issue(alice)]  # the same identity in the same second: still two tickets
    assert twins[0] != twins[1] and [await b.redeem(t) for t in twins] == [alice, alice]
    assert await SharedTicketBook(two[0].counters, b"other-key" * 4).redeem(a.issue(alice)) is None
    expired = SharedTicketBook(two[0].counters, b"k" * 32, ttl_s=-1)
    assert await expired.redeem(expired.issue(alice)) is None
    local = LocalCoordination()
    assert [await local.counters.claim("t", 60), await local.counters.claim("t", 60)] == [True, False]
