"""Aya Ops fixtures: a work directory with a tiny test suite and a slow command, settings for staff and admins, and
the real app served by uvicorn on a free port."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.mcp.conftest import _serve_http

from aya.core.settings import Settings
from aya.web.app import create_app

REPO_ROOT = Path(__file__).resolve().parents[2]

SUITE = """
import pytest


def test_adds():
    assert 1 + 1 == 2


def test_breaks():
    assert "kibble" == "kobble", "the bag label is wrong"


@pytest.mark.skip(reason="not today")
def test_later():
    pass
"""

# A slow command: prints a line every 0.1 s for ~10 s (long enough to watch, cancel, and run two at once).
SLOW = f"{sys.executable} -c \"import time\nfor i in range(100):\n    print('step', i, flush=True); time.sleep(0.1)\""
FAILS = f"{sys.executable} -c \"import sys; print('no such supplier file'); sys.exit(3)\""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    (work / "suite").mkdir(parents=True)
    (work / "suite" / "test_shop.py").write_text(SUITE)
    (work / "examples").mkdir()
    shutil.copy(REPO_ROOT / "examples" / "products.csv", work / "examples" / "products.csv")
    return work


@pytest.fixture
def ops_settings(data_dir: Path, workdir: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        data_dir=data_dir,
        embedder="none",
        staff_users=["staff-1", "staff-2"],
        admin_users=["admin-1"],
        ops_allow_cli=True,
        ops_workdir=workdir,
        ops_test_paths=["suite"],
        ops_commands={
            "catalog_stats": "aya catalog stats",
            "ingest": "aya ingest {file}",
            "slow": SLOW,
            "fails": FAILS,
        },
        ops_approve_commands=["ingest"],
        ops_max_tasks=4,
        _env_file=None,
    )


class Staff:
    """A user of the running app: ChatKit on /ops/chatkit and the task API."""

    def __init__(self, http: httpx.AsyncClient, user: str) -> None:
        self.http = http
        self.user = user
        self.headers = {"user-id": user, "content-type": "application/json"}

    async def chat(self, text: str, thread_id: str | None = None, path: str = "/ops/chatkit") -> httpx.Response:
        content = {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}
        if thread_id is None:
            body: dict[str, Any] = {"type": "threads.create", "params": {"input": content}}
        else:
            body = {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": content}}
        return await self.http.post(path, json=body, headers=self.headers)

    async def action(self, thread_id: str, item_id: str, type_: str, payload: dict[str, Any]) -> httpx.Response:
        body = {
            "type": "threads.custom_action",
            "params": {"thread_id": thread_id, "item_id": item_id, "action": {"type": type_, "payload": payload}},
        }
        return await self.http.post("/ops/chatkit", json=body, headers=self.headers)

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params, headers=self.headers)

    async def post(self, path: str, body: Any = None) -> httpx.Response:
        return await self.http.post(path, json=body, headers=self.headers)

    async def wait_task(self, task_id: int, states: set[str], timeout_s: float = 60) -> dict[str, Any]:
        """Follow the task's server-sent events until it reaches one of ``states``."""
        async with asyncio.timeout(timeout_s):
            async with self.http.stream("GET", f"/api/tasks/{task_id}/events", headers=self.headers) as response:
                assert response.status_code == 200
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        task = json.loads(line[6:])
                        if task["state"] in states:
                            return task  # type: ignore[no-any-return]
        raise AssertionError(f"task {task_id} never reached {states}")


def events_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]


def replies_of(events: list[dict[str, Any]]) -> list[str]:
    return [
        part["text"]
        for e in events
        if e["type"] == "thread.item.done" and e["item"]["type"] == "assistant_message"
        for part in e["item"]["content"]
    ]


def widgets_of(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each widget item of the stream in its latest state (task cards are replaced in place as their task runs)."""
    latest: dict[str, dict[str, Any]] = {}
    for e in events:
        if e["type"] in ("thread.item.done", "thread.item.replaced") and e["item"]["type"] == "widget":
            latest[e["item"]["id"]] = e["item"]
    return list(latest.values())


ServeLive = Callable[[Settings], AbstractAsyncContextManager[httpx.AsyncClient]]


@asynccontextmanager
async def _serve_live(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with _serve_http(create_app(settings)) as base_url, httpx.AsyncClient(base_url=base_url, timeout=120) as http:
        yield http


@pytest.fixture
def serve_live() -> ServeLive:
    """``async with serve_live(settings) as http``: the app on uvicorn (free port) and a client for it."""
    return _serve_live


@pytest.fixture
async def live(ops_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with _serve_live(ops_settings) as http:
        yield http
