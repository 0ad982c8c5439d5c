"""A bounded fuzz run of every endpoint over real HTTP (uvicorn on a free port): Schemathesis over the app's OpenAPI
schema, plus ChatKit bodies (hand-written ones and Hypothesis-generated JSON), which the schema cannot describe.
The measure: no answer is a 5xx, and none carries a traceback."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from tests.mcp.conftest import _build_catalog
from tests.voice.standin_openai import openai_standin

from aya.web.app import create_app

from .conftest import make_settings

ADMIN = {"user-id": "fuzz-admin"}  # listed in AYA_ADMIN_USERS: the fuzz reaches the admin surfaces too
FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("fuzz")
    data = root / "data"
    data.mkdir()
    asyncio.run(_build_catalog(data))
    dist = root / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>Aya</title>")
    servers = root / "mcp_servers.toml"
    servers.write_text('[servers.off]\ncommand = "/nonexistent/fuzz-mcp"\nenabled = false\n')
    with openai_standin() as standin:
        app = create_app(
            make_settings(
                data,
                frontend_dist=dist,
                admin_users=["fuzz-admin"],
                mcp_servers_file=servers,
                model_provider="offline",
                openai_api_key=SecretStr("sk-fuzz-standin-0123456789"),
                openai_base_url=standin.url,
                # generous limits: the fuzz measures errors, not the limits (429s would hide code paths)
                message_rate_per_user="100000/minute",
                attachment_rate_per_user="100000/minute",
                realtime_rate_per_user="100000/minute",
                realtime_rate_per_ip="100000/minute",
                realtime_daily_budget=100000,
            )
        )
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="on"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 60
            while not server.started:
                if time.monotonic() > deadline or not thread.is_alive():
                    raise RuntimeError("the fuzz target did not start")
                time.sleep(0.05)
            yield url
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            sock.close()


def _sound(status: int, text: str, what: object) -> None:
    assert status < 500, (what, status, text[:500])
    assert "Traceback" not in text, what


def test_every_endpoint_survives_generated_requests(live_url: str) -> None:
    """Schemathesis: every operation of /openapi.json, positive and negative cases, 25 examples each."""
    schema = schemathesis.openapi.from_url(f"{live_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    calls: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @FUZZ
        def run(case: Any) -> None:
            response = case.call(base_url=live_url, headers=ADMIN)
            calls.append(response.status_code)
            _sound(response.status_code, response.text, f"{case.method} {case.formatted_path}")

        run()
    assert len(calls) >= 10 * len(operations)
    assert not [c for c in calls if c >= 500]
    print(f"fuzz: {len(operations)} operations, {len(calls)} requests, statuses {sorted(set(calls))}")


CHATKIT_TYPES = [
    "threads.create",
    "threads.add_user_message",
    "threads.add_client_tool_output",
    "threads.add_structured_input",
    "threads.retry_after_item",
    "threads.custom_action",
    "threads.sync_custom_action",
    "threads.get_by_id",
    "threads.list",
    "items.list",
    "threads.update",
    "threads.delete",
    "items.feedback",
    "attachments.create",
    "attachments.delete",
]
TEXT = [{"type": "input_text", "text": "hi"}]
HAND_WRITTEN: list[Any] = [
    {},
    [],
    None,
    "threads.list",
    {"type": None},
    {"type": 7, "params": {}},
    {"type": "threads.list", "params": None},
    {"type": "threads.list", "params": []},
    {"type": "threads.list", "params": {"limit": -1}},
    {"type": "threads.list", "params": {"limit": 10**30}},
    {"type": "threads.list", "params": {"after": "x" * 100_000}},
    {"type": "threads.create", "params": {"input": {"content": TEXT}}},
    {"type": "threads.create", "params": {"input": {"content": [{"type": "input_text"}]}}},
    {"type": "threads.create", "params": {"input": {"content": [{"type": "input_image", "url": "file:///etc"}]}}},
    {"type": "threads.create", "params": {"input": {"content": TEXT * 5000, "attachments": []}}},
    {"type": "threads.create", "params": {"input": {"content": TEXT, "attachments": ["atc_ffffffffffff"]}}},
    {"type": "threads.create", "params": {"input": {"content": TEXT, "attachments": ["../../etc/passwd"]}}},
    {"type": "threads.create", "params": {"input": {"content": TEXT, "inference_options": {"model": 1}}}},
    {"type": "threads.add_user_message", "params": {"thread_id": "thr_x", "input": {"content": TEXT}}},
    {"type": "threads.add_user_message", "params": {"thread_id": ["a"], "input": {"content": TEXT}}},
    {"type": "threads.add_client_tool_output", "params": {"thread_id": "thr_x", "result": {"a": [1, {"b": None}]}}},
    {"type": "threads.retry_after_item", "params": {"thread_id": "thr_x", "item_id": "msg_x"}},
    {"type": "threads.custom_action", "params": {"thread_id": "thr_x", "action": {"type": "x", "payload": 5}}},
    {"type": "threads.sync_custom_action", "params": {"thread_id": "thr_x", "action": {}}},
    {"type": "threads.update", "params": {"thread_id": "thr_x", "title": "t" * 10_000}},
    {"type": "threads.delete", "params": {"thread_id": ""}},
    {"type": "items.feedback", "params": {"thread_id": "thr_x", "item_ids": [], "kind": "meh"}},
    {"type": "attachments.create", "params": {"name": "", "size": -5, "mime_type": "image/png"}},
    {"type": "attachments.create", "params": {"name": "a.exe", "size": 1, "mime_type": "application/x-msdownload"}},
    {"type": "attachments.create", "params": {"name": "a.png", "size": 10**20, "mime_type": "image/png"}},
    {"type": "attachments.delete", "params": {"attachment_id": "atc_/../../x"}},
    {"type": "input.transcribe", "params": {"audio_base64": "!!!", "mime_type": "audio/wav"}},
]


def _post(url: str, body: bytes) -> httpx.Response:
    headers = {**ADMIN, "content-type": "application/json"}
    return httpx.post(f"{url}/chatkit", content=body, headers=headers, timeout=60)


def test_hand_written_chatkit_bodies(live_url: str) -> None:
    raw = [
        b"",
        b"{",
        b"\xff\xfe\x00",
        b"[" * 100_000,
        b'{"type": "threads.list", "params": {"limit": ' + b"1" * 5000 + b"}}",
        b'{"type": "threads.create", "params": {"input": {"content": [{"type": "input_text", "text": "\\ud800"}]}}}',
    ]
    bodies = [json.dumps(b).encode() for b in HAND_WRITTEN] + raw
    for body in bodies:
        response = _post(live_url, body)
        _sound(response.status_code, response.text, body[:120])
    listed = httpx.post(f"{live_url}/chatkit", json={"type": "threads.list", "params": {"limit": 100}}, headers=ADMIN)
    for thread in listed.json()["data"]:
        # every thread left behind holds at least the user's message: no empty thread from a refused request
        items = httpx.post(
            f"{live_url}/chatkit", json={"type": "items.list", "params": {"thread_id": thread["id"]}}, headers=ADMIN
        )
        assert items.json()["data"], thread


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
PARAM_NAMES = ["thread_id", "item_id", "input", "limit", "after", "order", "title", "action", "result", "kind"]


@given(
    kind=st.sampled_from(CHATKIT_TYPES) | st.text(max_size=12),
    params=st.dictionaries(st.sampled_from(PARAM_NAMES) | st.text(max_size=8), JSON, max_size=5),
)
@settings(max_examples=80, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_generated_chatkit_bodies(live_url: str, kind: str, params: dict[str, Any]) -> None:
    response = _post(live_url, json.dumps({"type": kind, "params": params}).encode())
    _sound(response.status_code, response.text, (kind, params))


def test_the_fuzz_reached_the_app(live_url: str, tmp_path: Path) -> None:
    assert httpx.get(f"{live_url}/healthz").json()["status"] == "ok"
