"""Two real ``aya serve`` worker processes on one real PostgreSQL (as behind the load balancer of "Scale-out"): a
cancel posted to either worker stops a task the other runs (202 handed over, 200 done here), a worker killed with
SIGKILL leaves no task "running" forever (the survivor's sweep marks it failed), and retries run on the survivor."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from tests.services.cluster import AyaWorker

from .conftest import SLOW, Staff, events_of, replies_of

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

STAFF = {"user-id": "staff-1", "content-type": "application/json"}
HEARTBEAT_S = 0.5
TIMEOUT_S = 3.0


@pytest.fixture(scope="module")
def workers(postgres_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[AyaWorker]]:
    root = tmp_path_factory.mktemp("ops-workers")
    env = {
        "AYA_DATA_DIR": str(root / "data"),
        "AYA_DATABASE_URL": f"{postgres_dsn}?schema=aya_ops_workers_{secrets.token_hex(4)}",
        "AYA_MODEL_PROVIDER": "offline",
        "AYA_EMBEDDER": "none",
        "AYA_LOG_LEVEL": "WARNING",
        "AYA_STAFF_USERS": "staff-1",
        "AYA_OPS_ALLOW_CLI": "true",
        "AYA_OPS_COMMANDS": json.dumps({"slow": SLOW}),
        "AYA_OPS_APPROVE_COMMANDS": "[]",
        "AYA_OPS_WORKDIR": str(root),
        "AYA_OPS_HEARTBEAT_S": str(HEARTBEAT_S),
        "AYA_OPS_WORKER_TIMEOUT_S": str(TIMEOUT_S),
        "OPENAI_BASE_URL": "http://127.0.0.1:9/blocked-in-tests",
        "OPENAI_AGENTS_DISABLE_TRACING": "1",
    }
    started = [AyaWorker(env, log=root / f"worker{n}.log") for n in range(2)]
    try:
        for worker in started:
            worker.start()
        for worker in started:
            worker.wait_ready()
        yield started
    finally:
        for worker in started:
            worker.stop(timeout=20)


@pytest.fixture
async def clients(workers: list[AyaWorker]) -> AsyncIterator[list[httpx.AsyncClient]]:
    async with httpx.AsyncClient(base_url=workers[0].url, headers=STAFF, timeout=30) as a:
        async with httpx.AsyncClient(base_url=workers[1].url, headers=STAFF, timeout=30) as b:
            yield [a, b]


async def _start_slow(http: httpx.AsyncClient) -> dict[str, Any]:
    response = await http.post("/api/tasks", json={"kind": "command", "command": "slow"})
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    async with asyncio.timeout(30):
        while task["state"] != "running" or not task["log"]:
            await asyncio.sleep(0.05)
            task = (await http.get(f"/api/tasks/{task['id']}")).json()
    return task


async def _until_done(http: httpx.AsyncClient, task_id: int, limit_s: float = 30) -> dict[str, Any]:
    """The task's server-sent events at this worker until it ends."""
    async with asyncio.timeout(limit_s), http.stream("GET", f"/api/tasks/{task_id}/events") as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                task: dict[str, Any] = json.loads(line[6:])
                if task["state"] not in ("awaiting_approval", "queued", "running"):
                    return task
    raise AssertionError(f"the events of task {task_id} ended early")


async def test_a_cancel_at_either_worker_stops_the_task(clients: list[httpx.AsyncClient]) -> None:
    for runner, other in ((0, 1), (1, 0)):
        task = await _start_slow(clients[runner])
        began = time.perf_counter()
        response = await clients[other].post(f"/api/tasks/{task['id']}/cancel")
        assert response.status_code == 202, response.text  # handed over to the worker running it
        assert response.json()["cancel_requested"] is True
        final = await _until_done(clients[other], task["id"])
        took = time.perf_counter() - began
        assert final["state"] == "cancelled" and final["error"] == "cancelled"
        assert took < TIMEOUT_S  # NOTIFY, not the sweep: well before the worker timeout
        steps = len(final["log"])
        await asyncio.sleep(0.5)  # the child was killed: the log does not grow any more
        assert len((await clients[runner].get(f"/api/tasks/{task['id']}")).json()["log"]) == steps < 100
        again = await clients[runner].post(f"/api/tasks/{task['id']}/cancel")
        assert again.status_code == 409 and "already cancelled" in again.text
    # "cancel task N" said to Aya Ops at the other worker
    task = await _start_slow(clients[1])
    reply = replies_of(events_of(await Staff(clients[0], "staff-1").chat(f"please cancel task {task['id']}")))[-1]
    assert reply.startswith(f"Task {task['id']} (") and "): cancelled" in reply, reply  # waited until it stopped
    assert (await _until_done(clients[0], task["id"]))["state"] == "cancelled"
    local = await _start_slow(clients[0])
    response = await clients[0].post(f"/api/tasks/{local['id']}/cancel")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"  # done here, at once
    assert (await clients[0].post("/api/tasks/987654/cancel")).status_code == 404


async def test_a_killed_workers_task_is_marked_failed_and_retried_elsewhere(
    workers: list[AyaWorker], clients: list[httpx.AsyncClient]
) -> None:
    dying, survivor = workers[1], clients[0]
    task = await _start_slow(clients[1])
    dying.kill()  # SIGKILL to its process group: no clean-up, the row still says "running"
    killed = time.perf_counter()
    assert (await survivor.get(f"/api/tasks/{task['id']}")).json()["state"] == "running"
    final = await _until_done(survivor, task["id"], limit_s=TIMEOUT_S * 4)
    took = time.perf_counter() - killed
    assert final["state"] == "failed" and "interrupted" in final["error"] and task["node"] in final["error"]
    assert final["node"] != task["node"]  # taken over by the survivor, which recorded the end
    assert TIMEOUT_S - 2 * HEARTBEAT_S <= took <= TIMEOUT_S * 3, took  # not before the timeout, soon after it
    retry = await survivor.post(f"/api/tasks/{task['id']}/retry")
    assert retry.status_code == 201 and retry.json()["retry_of"] == task["id"]
    response = await survivor.post(f"/api/tasks/{retry.json()['id']}/cancel")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
