"""Realtime voice with Aya Ops' tools, through the real server (uvicorn, SQLite, child processes) and a local
stand-in for OpenAI's client-secret endpoint (a fake at the OpenAI boundary, named as such): the session declares the
ops tools, the browser's relay (``POST /api/ops/tools/{name}``) runs the same tool code and task manager, approvals
are never bypassed, cards and transcripts land in the staff member's Aya Ops thread, shoppers get 404."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from tests.voice.standin_openai import EPHEMERAL_SECRET, StandIn, openai_standin

from aya.core.settings import Settings

from .conftest import ServeLive, Staff

API_KEY = "sk-test-ops-voice-never-leaves-4b1d"


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with openai_standin() as state:
        yield state


@pytest.fixture
async def realtime(ops_settings: Settings, standin: StandIn, serve_live: ServeLive) -> AsyncIterator[httpx.AsyncClient]:
    settings = ops_settings.model_copy(
        update={
            "openai_api_key": SecretStr(API_KEY),
            "openai_base_url": standin.url,
            "voice_mode": "realtime",
            "model_provider": "offline",
        }
    )
    async with serve_live(settings) as http:
        yield http


async def _items(staff: Staff, thread_id: str) -> list[dict[str, Any]]:
    body = {"type": "items.list", "params": {"thread_id": thread_id, "limit": 100, "order": "asc"}}
    response = await staff.http.post("/ops/chatkit", json=body, headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


async def test_the_ops_session_declares_the_ops_tools_and_never_the_key(
    realtime: httpx.AsyncClient, standin: StandIn
) -> None:
    staff = Staff(realtime, "staff-1")
    response = await staff.post("/voice/realtime/session?assistant=ops")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["client_secret"] == EPHEMERAL_SECRET and API_KEY not in response.text
    names = {t["name"] for t in body["tools"]}
    assert {"run_command", "run_tests", "list_tasks", "cancel_task", "retry_task", "task_status"} <= names
    assert "search_products" not in names  # not the shop's tools
    assert "Aya Ops" in body["instructions"] and "approv" in body["instructions"]
    (request,) = standin.requests
    session = request["json"]["session"]
    assert {t["name"] for t in session["tools"]} == names
    for tool in session["tools"]:  # strict function schemas, as Realtime requires
        params = tool["parameters"]
        assert tool["type"] == "function" and params["additionalProperties"] is False
        assert set(params["required"]) == set(params["properties"])
    # The shop's session is unchanged for the same staff member.
    shop = (await staff.post("/voice/realtime/session")).json()
    assert "search_products" in {t["name"] for t in shop["tools"]} and "run_tests" not in {
        t["name"] for t in shop["tools"]
    }


async def test_shoppers_get_404_from_every_ops_voice_route(realtime: httpx.AsyncClient, standin: StandIn) -> None:
    shopper = Staff(realtime, "shopper-3")
    assert (await shopper.post("/voice/realtime/session?assistant=ops")).status_code == 404
    assert (await shopper.post("/api/ops/tools/run_tests", {"paths": []})).status_code == 404
    assert (await shopper.post("/api/ops/tools/list_tasks", {})).status_code == 404
    item = {"role": "user", "text": "run the tests", "assistant": "ops"}
    assert (await shopper.post("/voice/realtime/items", item)).status_code == 404
    assert (await realtime.post("/api/ops/tools/run_tests", json={"paths": []})).status_code == 401
    assert standin.requests == []  # nothing was minted for them
    staff = Staff(realtime, "staff-1")
    assert (await staff.post("/voice/realtime/session?assistant=shopkeeper")).status_code == 422


async def test_a_relayed_tool_runs_a_task_and_its_card_lands_in_the_ops_thread(live: httpx.AsyncClient) -> None:
    staff = Staff(live, "staff-1")
    response = await staff.post("/api/ops/tools/run_tests", {"paths": []})
    assert response.status_code == 200, response.text
    body = response.json()
    output = json.loads(body["output"])
    assert output["task_id"] == 1 and output["state"] == "failed"
    assert "Task 1 (Run the tests: suite): failed" in output["reply"]
    (card,) = body["cards"]
    assert "1 passed, 1 failed, 1 skipped, 0 errors" in json.dumps(card["widget"])
    # The same task manager: the task is listed, and the card is saved in the caller's Aya Ops thread.
    assert (await staff.get("/api/tasks/1")).json()["state"] == "failed"
    items = await _items(staff, body["thread_id"])
    assert [i["id"] for i in items if i["type"] == "widget"] == [card["item_id"]]
    # Transcripts of the Realtime conversation go to the same thread.
    saved = await staff.post(
        "/voice/realtime/items",
        {"thread_id": body["thread_id"], "role": "user", "text": "Run the tests.", "assistant": "ops"},
    )
    assert saved.status_code == 200 and saved.json()["thread_id"] == body["thread_id"]
    assert any(i["type"] == "user_message" for i in await _items(staff, body["thread_id"]))
    # The next call continues that thread; list_tasks answers without a card.
    again = await staff.post(f"/api/ops/tools/list_tasks?thread_id={body['thread_id']}", {})
    assert again.status_code == 200 and again.json()["thread_id"] == body["thread_id"]
    assert "Task 1" in json.loads(again.json()["output"])["reply"] and again.json()["cards"] == []
    audit_tools = [e["tool"] for e in (await Staff(live, "admin-1").get("/api/ops/audit")).json()["entries"]]
    assert "run_tests" in audit_tools and "list_tasks" in audit_tools


async def test_a_side_effect_waits_for_approval_on_its_card(live: httpx.AsyncClient) -> None:
    staff = Staff(live, "staff-1")
    body = (
        await staff.post("/api/ops/tools/run_command", {"command": "ingest", "arguments": ["examples/products.csv"]})
    ).json()
    output = json.loads(body["output"])
    assert output["state"] == "awaiting_approval" and "approve or deny" in output["reply"]
    (card,) = body["cards"]
    assert "ops.approve" in json.dumps(card["widget"])
    task_id = output["task_id"]
    assert (await staff.get(f"/api/tasks/{task_id}")).json()["state"] == "awaiting_approval"
    # Only a person's click approves it: the card's action on the Aya Ops thread (as the Voice tab sends it).
    approved = await staff.action(body["thread_id"], card["item_id"], "ops.approve", {"task_id": task_id})
    assert approved.status_code == 200, approved.text
    done = await staff.wait_task(task_id, {"succeeded", "failed"}, timeout_s=120)
    assert done["state"] == "succeeded", done


@pytest.mark.parametrize(
    ("name", "body", "status", "field"),
    [
        ("rm_rf", {}, 404, "name"),
        ("run_tests", {}, 422, "body"),  # strict: every property is required
        ("run_tests", {"paths": "suite"}, 422, "paths"),
        ("run_tests", {"paths": [], "shell": "id"}, 422, "body"),
        ("cancel_task", {"task_id": "1; rm -rf /"}, 422, "task_id"),
        ("run_tests", ["suite"], 400, "body"),
        ("run_tests", "not json", 400, "body"),
    ],
)
async def test_bad_calls_are_refused_with_the_right_status(
    live: httpx.AsyncClient, name: str, body: Any, status: int, field: str
) -> None:
    staff = Staff(live, "staff-1")
    if body == "not json":
        response = await live.post(f"/api/ops/tools/{name}", content=b"{nope", headers=staff.headers)
    else:
        response = await staff.post(f"/api/ops/tools/{name}", body)
    assert response.status_code == status, response.text
    assert response.json().get("field") == field, response.json()
    assert (await staff.get("/api/tasks")).json()["tasks"] == []


@pytest.mark.parametrize("hostile", ["; rm -rf /", "$(id)", "`id`", "../../etc/passwd", "--output=/etc/passwd"])
async def test_hostile_arguments_never_become_tasks(live: httpx.AsyncClient, hostile: str) -> None:
    staff = Staff(live, "staff-1")
    response = await staff.post("/api/ops/tools/run_command", {"command": "ingest", "arguments": [hostile]})
    assert response.status_code == 200, response.text  # the tool refused: the model hears why
    output = json.loads(response.json()["output"])
    assert "error" in output and output["reply"].startswith("I can't do that")
    assert response.json()["cards"] == []
    assert (await staff.get("/api/tasks")).json()["tasks"] == []


async def test_threads_stay_with_their_owner_and_assistant(live: httpx.AsyncClient) -> None:
    staff = Staff(live, "staff-1")
    shop_thread = (await staff.post("/voice/realtime/items", {"role": "user", "text": "food for my cat"})).json()
    ops_thread = await staff.post("/voice/realtime/items", {"role": "user", "text": "list tasks", "assistant": "ops"})
    ops_id = ops_thread.json()["thread_id"]
    # The shop's thread is not an Aya Ops thread, and the other way round.
    relayed = await staff.post(f"/api/ops/tools/list_tasks?thread_id={shop_thread['thread_id']}", {})
    assert relayed.status_code == 404 and relayed.json()["field"] == "thread_id"
    crossed = {"thread_id": ops_id, "role": "user", "text": "hello"}
    assert (await staff.post("/voice/realtime/items", crossed)).status_code == 404
    # Another staff member's thread does not exist for them.
    other = await Staff(live, "staff-2").post(f"/api/ops/tools/list_tasks?thread_id={ops_id}", {})
    assert other.status_code == 404
    assert (await staff.post(f"/api/ops/tools/list_tasks?thread_id={ops_id}", {})).status_code == 200


async def test_a_long_task_keeps_running_after_the_relay_answers_and_can_be_cancelled_by_voice(
    live: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aya.automation.relay

    monkeypatch.setattr(aya.automation.relay, "FOLLOW_S", 1.0)  # the Realtime model is not kept waiting
    staff = Staff(live, "staff-1")
    started = await staff.post("/api/ops/tools/run_command", {"command": "slow", "arguments": []})
    assert started.status_code == 200, started.text
    output = json.loads(started.json()["output"])
    assert output["state"] in ("queued", "running") and "keeps running" in output["reply"]
    thread_id = started.json()["thread_id"]
    cancelled = await staff.post(f"/api/ops/tools/cancel_task?thread_id={thread_id}", {"task_id": output["task_id"]})
    assert cancelled.status_code == 200, cancelled.text
    assert json.loads(cancelled.json()["output"])["state"] == "cancelled"
    assert (await staff.wait_task(output["task_id"], {"cancelled"}))["state"] == "cancelled"
