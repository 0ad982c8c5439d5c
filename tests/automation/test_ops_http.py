"""Aya Ops through the real server (uvicorn, real HTTP, real SQLite, real child processes), with the offline staff
model: typed commands start tasks, progress arrives, cancel and retry work, two tasks run at once, approvals gate side
effects, shoppers never see any of it, admins read the audit log."""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest

from aya.core.settings import Settings

from .conftest import ServeLive, Staff, events_of, replies_of, widgets_of


async def test_a_shopper_gets_404_everywhere(live: httpx.AsyncClient) -> None:
    shopper = Staff(live, "shopper-9")
    assert (await shopper.chat("run the tests")).status_code == 404
    assert (await shopper.get("/api/tasks")).status_code == 404
    assert (await shopper.get("/api/tasks/1")).status_code == 404
    assert (await shopper.post("/api/tasks", {"kind": "tests"})).status_code == 404
    assert (await shopper.post("/api/tasks/1/cancel")).status_code == 404
    assert (await shopper.get("/api/ops/audit")).status_code == 404
    assert (await live.get("/api/tasks")).status_code == 401  # no identity at all


async def test_run_the_tests_streams_progress_and_a_summary(live: httpx.AsyncClient) -> None:
    staff = Staff(live, "staff-1")
    events = events_of(await staff.chat("run the tests"))
    card_ids = {e["item"]["id"] for e in events if e["type"] == "thread.item.done" and e["item"]["type"] == "widget"}
    updates = [e for e in events if e["type"] == "thread.item.replaced" and e["item"]["id"] in card_ids]
    assert updates, "the task card was never updated in place"
    cards = widgets_of(events)
    assert len(cards) == 1
    final = str(cards[0]["widget"])
    assert "1 passed, 1 failed, 1 skipped, 0 errors" in final
    assert "the bag label is wrong" in final
    assert any("Task 1 (Run the tests: suite): failed" in r for r in replies_of(events))

    task = (await staff.get("/api/tasks/1")).json()
    assert task["state"] == "failed"
    assert task["result"]["failures"][0]["test"].endswith("test_breaks")
    assert task["progress"] == 1.0

    # Retry from the chat: a new task with the same arguments.
    thread_id = events[0]["thread"]["id"]
    retried = events_of(await staff.chat("retry task 1", thread_id))
    assert any("Task 2 (Run the tests: suite): failed" in r for r in replies_of(retried))
    assert (await staff.get("/api/tasks/2")).json()["retry_of"] == 1


async def test_cancel_a_running_task_and_retry_it(live: httpx.AsyncClient) -> None:
    staff = Staff(live, "staff-1")
    started = await staff.post("/api/tasks", {"kind": "command", "command": "slow"})
    assert started.status_code == 201, started.text
    task_id = started.json()["id"]
    running = await staff.wait_task(task_id, {"running"})
    assert running["state"] == "running"

    # Progress arrives: log lines from the child while it runs.
    async def seen_output() -> dict[str, object]:
        while True:
            task = (await staff.get(f"/api/tasks/{task_id}")).json()
            if any(line.startswith("step") for line in task["log"]):
                return task  # type: ignore[no-any-return]
            await asyncio.sleep(0.1)

    await asyncio.wait_for(seen_output(), 20)
    events = events_of(await staff.chat(f"cancel task {task_id}"))
    assert any(f"Task {task_id}" in r and "cancelled" in r for r in replies_of(events))
    task = (await staff.get(f"/api/tasks/{task_id}")).json()
    assert task["state"] == "cancelled" and task["finished_at"]
    assert len(task["log"]) < 100  # the child was killed before it finished

    again = await staff.post(f"/api/tasks/{task_id}/retry")
    assert again.status_code == 201
    assert again.json()["retry_of"] == task_id
    assert (await staff.post(f"/api/tasks/{again.json()['id']}/cancel")).json()["state"] == "cancelled"
    assert (await staff.post("/api/tasks/{}/cancel".format(again.json()["id"]))).status_code == 409
    running = (await staff.post("/api/tasks", {"kind": "command", "command": "slow"})).json()
    assert (await staff.post(f"/api/tasks/{running['id']}/retry")).status_code == 409  # still running
    assert (await staff.post(f"/api/tasks/{running['id']}/cancel")).json()["state"] == "cancelled"


async def test_two_tasks_run_at_once(live: httpx.AsyncClient) -> None:
    staff = Staff(live, "staff-1")
    ids = [(await staff.post("/api/tasks", {"kind": "command", "command": "slow"})).json()["id"] for _ in range(2)]
    both = await asyncio.gather(*(staff.wait_task(i, {"running"}) for i in ids))
    assert [t["state"] for t in both] == ["running", "running"]
    listed = (await staff.get("/api/tasks", state="running")).json()["tasks"]
    assert sorted(t["id"] for t in listed) == sorted(ids)
    for task_id in ids:
        assert (await staff.post(f"/api/tasks/{task_id}/cancel")).json()["state"] == "cancelled"


async def test_a_failed_command_can_be_retried(live: httpx.AsyncClient) -> None:
    staff = Staff(live, "staff-1")
    task = (await staff.post("/api/tasks", {"kind": "command", "command": "fails"})).json()
    failed = await staff.wait_task(task["id"], {"failed", "succeeded"})
    assert failed["state"] == "failed" and failed["error"] == "exited with status 3"
    assert "no such supplier file" in failed["log"]
    retried = (await staff.post(f"/api/tasks/{task['id']}/retry")).json()
    assert (await staff.wait_task(retried["id"], {"failed", "succeeded"}))["state"] == "failed"


async def test_an_import_waits_for_approval_then_runs(live: httpx.AsyncClient) -> None:
    staff = Staff(live, "staff-1")
    events = events_of(await staff.chat("import examples/products.csv"))
    card = widgets_of(events)[0]
    assert "Approve" in str(card["widget"]) and "awaiting approval" in str(card["widget"])
    task = (await staff.get("/api/tasks/1")).json()
    assert task["state"] == "awaiting_approval" and task["args"]["args"] == {"file": "examples/products.csv"}

    thread_id = events[0]["thread"]["id"]
    approved = events_of(await staff.action(thread_id, card["id"], "ops.approve", {"task_id": 1}))
    replaced = [e for e in approved if e["type"] == "thread.item.replaced"]
    assert replaced and "queued" in str(replaced[0]["item"]["widget"])
    done = await staff.wait_task(1, {"succeeded", "failed"}, timeout_s=120)
    assert done["state"] == "succeeded", done["log"][-10:]

    stats = events_of(await staff.chat("show catalog stats"))
    assert any("succeeded" in r for r in replies_of(stats))
    assert any("products" in line.lower() for line in (await staff.get("/api/tasks/2")).json()["log"])


async def test_hostile_arguments_never_become_tasks(live: httpx.AsyncClient) -> None:
    staff = Staff(live, "staff-1")
    for hostile in ("examples/products.csv; rm -rf /", "$(id)", "`id`", "../../etc/passwd", "--output=/etc/x"):
        response = await staff.post("/api/tasks", {"kind": "command", "command": "ingest", "arguments": [hostile]})
        assert response.status_code == 400, (hostile, response.text)
    assert (await staff.post("/api/tasks", {"kind": "command", "command": "rm"})).status_code == 404
    assert (await staff.post("/api/tasks", {"kind": "tests", "paths": ["../secrets"]})).status_code == 400
    assert (await staff.post("/api/tasks", {"kind": "tests", "paths": ["elsewhere"]})).status_code == 400
    assert (await staff.post("/api/tasks", {"kind": "browse", "url": "file:///etc/passwd"})).status_code == 403
    assert (await staff.post("/api/tasks", {"kind": "nope"})).status_code in (400, 422)
    events = events_of(await staff.chat("import ../../etc/passwd.csv"))
    assert any("can't do that" in r for r in replies_of(events))
    assert (await staff.get("/api/tasks")).json()["tasks"] == []


async def test_threads_of_each_assistant_stay_apart_and_admins_read_the_audit(live: httpx.AsyncClient) -> None:
    staff = Staff(live, "staff-2")
    ops_thread = events_of(await staff.chat("list tasks"))[0]["thread"]["id"]
    shop_thread = events_of(await staff.chat("grain free kibble for my dog", path="/chatkit"))[0]["thread"]["id"]
    listing = await staff.http.post("/ops/chatkit", json={"type": "threads.list", "params": {}}, headers=staff.headers)
    assert [t["id"] for t in listing.json()["data"]] == [ops_thread]
    shop_listing = await staff.http.post("/chatkit", json={"type": "threads.list", "params": {}}, headers=staff.headers)
    assert [t["id"] for t in shop_listing.json()["data"]] == [shop_thread]
    assert (await staff.chat("hello", shop_thread)).status_code == 404  # a shop thread on the ops endpoint

    assert (await staff.get("/api/ops/audit")).status_code == 403
    admin = Staff(live, "admin-1")
    entries = (await admin.get("/api/ops/audit")).json()["entries"]
    assert entries[0]["tool"] == "list_tasks" and entries[0]["user_id"] == "staff-2"
    assert entries[0]["outcome"] == "ok" and entries[0]["duration_ms"] >= 0


async def test_mcp_servers_are_managed_by_admins_behind_an_approval(
    ops_settings: Settings, tmp_path: Path, serve_live: ServeLive
) -> None:
    servers = tmp_path / "mcp_servers.toml"
    servers.write_text('[servers.gone]\ncommand = "/nonexistent/aya-mcp-server"\n')
    settings = ops_settings.model_copy(update={"mcp_servers_file": servers})
    async with serve_live(settings) as http:
        staff, admin = Staff(http, "staff-1"), Staff(http, "admin-1")
        refused = events_of(await staff.chat("disable the gone server"))
        assert any("needs the admin role" in r for r in replies_of(refused))

        events = events_of(await admin.chat("disable the gone server"))
        card = widgets_of(events)[0]
        assert "awaiting approval" in str(card["widget"])
        assert "enabled = false" not in servers.read_text()  # nothing changed before the approval
        approved = events_of(await admin.action(events[0]["thread"]["id"], card["id"], "ops.approve", {"task_id": 1}))
        assert [e for e in approved if e["type"] == "thread.item.replaced"]
        done = await admin.wait_task(1, {"succeeded", "failed"})
        assert done["state"] == "succeeded" and done["result"]["state"] == "disabled"
        assert "enabled = false" in servers.read_text()


async def test_cancel_on_the_card_works_while_the_thread_follows_the_task(live: httpx.AsyncClient) -> None:
    staff = Staff(live, "staff-1")
    first = (await staff.post("/api/tasks", {"kind": "command", "command": "slow"})).json()
    assert (await staff.post(f"/api/tasks/{first['id']}/cancel")).json()["state"] == "cancelled"
    content = {"content": [{"type": "input_text", "text": "retry task 1"}], "attachments": [], "inference_options": {}}
    body = {"type": "threads.create", "params": {"input": content}}
    events: list[dict[str, Any]] = []
    async with live.stream("POST", "/ops/chatkit", json=body, headers=staff.headers) as response:
        lines = response.aiter_lines()
        card_id = thread_id = None
        async for line in lines:
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            events.append(event)
            if event["type"] == "thread.created":
                thread_id = event["thread"]["id"]
            if event["type"] == "thread.item.done" and event["item"]["type"] == "widget":
                card_id = event["item"]["id"]
                break
        assert thread_id and card_id
        assert (await staff.get("/api/tasks/2")).json()["state"] in ("queued", "running")
        # The thread is still streaming (following task 2, ~10 s of work); the card's Cancel goes through at once.
        cancelled = await asyncio.wait_for(staff.action(thread_id, card_id, "ops.cancel", {"task_id": 2}), 5)
        assert cancelled.status_code == 200, cancelled.text
        assert (await staff.get("/api/tasks/2")).json()["state"] == "cancelled"
        async for line in lines:
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    assert "cancelled" in str(widgets_of(events)[-1]["widget"])
    assert any("Task 2" in r and "cancelled" in r for r in replies_of(events))


@pytest.mark.postgres
async def test_tasks_live_in_postgresql_next_to_the_threads(
    ops_settings: Settings, postgres_dsn: str, serve_live: ServeLive
) -> None:
    import asyncpg

    schema = f"aya_ops_http_{secrets.token_hex(5)}"
    settings = ops_settings.model_copy(update={"database_url": f"{postgres_dsn}?schema={schema}"})
    try:
        async with serve_live(settings) as http:
            staff = Staff(http, "staff-1")
            task = (await staff.post("/api/tasks", {"kind": "command", "command": "fails"})).json()
            assert (await staff.wait_task(task["id"], {"failed"}))["error"] == "exited with status 3"
        conn = await asyncpg.connect(postgres_dsn)
        try:
            row = await conn.fetchrow(f"SELECT state, owner FROM {schema}.tasks WHERE id = $1", task["id"])
            audited = await conn.fetchval(f"SELECT count(*) FROM {schema}.audit")
        finally:
            await conn.close()
        assert tuple(row) == ("failed", "staff-1") and audited >= 1
        assert not (settings.data_dir / "ops.sqlite3").exists()
    finally:
        conn = await asyncpg.connect(postgres_dsn)
        try:
            await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        finally:
            await conn.close()
