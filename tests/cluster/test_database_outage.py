"""PostgreSQL goes away and comes back: requests fail fast with a clear 503 (Retry-After), /readyz says why, /healthz
stays alive, and the same running app recovers by itself once the server is back, with every acknowledged item
intact. The server is killed with -9 and restarted on its own cluster directory (synchronous commits: what was
acknowledged is on disk)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.chat.chat_fakes import message
from tests.services.postgres import PostgresServer
from tests.voice.serve import serve

from aya.core.settings import Settings
from aya.web.app import create_app

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

HEADERS = {"user-id": "outage-ann", "content-type": "application/json"}


@pytest.fixture
def pg() -> Iterator[PostgresServer]:
    with PostgresServer(durable=True) as server:
        yield server


def post(http: httpx.Client, type_: str, **params: Any) -> httpx.Response:
    return http.post("/chatkit", content=json.dumps({"type": type_, "params": params}), headers=HEADERS)


def events(response: httpx.Response) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]


def test_the_database_goes_away_and_comes_back(pg: PostgresServer, catalog_settings: Settings, tmp_path: Path) -> None:
    settings = catalog_settings.model_copy(update={"database_url": pg.dsn, "embedder": "none"})
    with serve(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as http:
        created = post(http, "threads.create", input=message("dry food for my adult beagle"))
        assert created.status_code == 200
        thread_id = next(e["thread"]["id"] for e in events(created) if e["type"] == "thread.created")
        second = post(http, "threads.add_user_message", thread_id=thread_id, input=message("something cheaper"))
        assert second.status_code == 200 and not [e for e in events(second) if e["type"] == "error"]
        before = post(http, "items.list", thread_id=thread_id, order="asc", limit=200).json()["data"]
        assert sum(1 for i in before if i["type"] == "user_message") == 2

        pg.kill()
        for attempt in (
            lambda: post(http, "threads.create", input=message("hello?")),
            lambda: post(http, "threads.add_user_message", thread_id=thread_id, input=message("still there?")),
            lambda: post(http, "items.list", thread_id=thread_id),
            lambda: post(http, "threads.list"),
        ):
            started = time.monotonic()
            response = attempt()
            took = time.monotonic() - started
            assert response.status_code == 503, response.text
            assert response.json()["error"] == "unavailable" and "database" in response.json()["message"]
            assert int(response.headers["retry-after"]) >= 1
            assert took < 3.0, f"a request waited {took:.1f} s for a database that is gone"
        ready = http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"]["ok"] is False
        assert http.get("/healthz").status_code == 200  # alive: do not restart it, it will recover

        pg.restart()
        deadline = time.monotonic() + 20
        while http.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the app did not recover after the database came back"
            time.sleep(0.2)
        after = post(http, "items.list", thread_id=thread_id, order="asc", limit=200)
        assert after.status_code == 200 and after.json()["data"] == before  # nothing acknowledged was lost
        third = post(http, "threads.add_user_message", thread_id=thread_id, input=message("only grain free"))
        assert third.status_code == 200 and not [e for e in events(third) if e["type"] == "error"]
        final = post(http, "items.list", thread_id=thread_id, order="asc", limit=200).json()["data"]
        assert final[: len(before)] == before and sum(1 for i in final if i["type"] == "user_message") == 3
