"""Operations on the real app (in process, over ASGI): /healthz, /readyz, /metrics, request ids and JSON logs."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.chat.chat_fakes import ChatClient, asgi_client, fake_assistant, fake_echo_model, message, of_type

from aya.core.logging import JsonFormatter, RequestIdFilter
from aya.core.settings import Settings


@pytest.fixture
async def client(data_dir: Path) -> AsyncIterator[ChatClient]:
    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    async with asgi_client(settings, fake_assistant(fake_echo_model())) as chat:
        yield chat


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


async def test_healthz_and_readyz(client: ChatClient) -> None:
    assert (await client.http.get("/healthz")).json()["status"] == "ok"
    ready = await client.http.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "search", "models"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["database"]["detail"] == "process"  # SQLite threads: coordination inside this process


async def test_readyz_names_what_is_not_ready(client: ChatClient) -> None:
    await client.server.store.close()  # the thread database goes away
    ready = await client.http.get("/readyz")
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["database"]["ok"] is False and checks["database"]["detail"]
    assert checks["search"]["ok"] is True and checks["models"]["ok"] is True


async def test_every_response_carries_a_request_id(client: ChatClient) -> None:
    generated = (await client.http.get("/healthz")).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    echoed = await client.http.get("/healthz", headers={"x-request-id": "edge-1234abcd"})
    assert echoed.headers["x-request-id"] == "edge-1234abcd"
    junk = await client.http.get("/healthz", headers={"x-request-id": "bad id\twith spaces"})
    assert junk.headers["x-request-id"] != "bad id\twith spaces"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.addFilter(RequestIdFilter())
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


async def test_json_logs_carry_the_request_id(client: ChatClient) -> None:
    capture = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    try:
        events = await client.stream("threads.create", input=message("hello"))
        response = await client.http.get("/api/me", headers=client.headers | {"x-request-id": "req-abcdef12"})
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)
    assert of_type(events, "thread.created")
    records = [json.loads(line) for line in capture.lines]
    access = [r for r in records if r["logger"] == "aya.access" and r.get("request_id") == "req-abcdef12"]
    assert len(access) == 1, records
    assert access[0]["path"] == "/api/me" and access[0]["status"] == response.status_code
    assert isinstance(access[0]["duration_ms"], float)
    chat = [r for r in records if r["logger"] == "aya.chat" and r["message"].startswith("chatkit threads.create")]
    assert chat and re.fullmatch(r"[0-9a-f]{32}", chat[0]["request_id"])  # logged while serving that request
    assert all({"ts", "level", "logger", "message"} <= set(r) for r in records)


async def test_metrics_count_turns_requests_and_errors(client: ChatClient) -> None:
    await client.stream("threads.create", input=message("first"))
    await client.stream("threads.create", input=message("second"))
    await client.http.post("/chatkit", content=b"{not json", headers=client.headers)
    metrics = await client.http.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    values = samples(metrics.text)
    assert values[("aya_chat_turns_total", (("outcome", "completed"),))] == 2
    assert values[("aya_chat_running_turns", ())] == 0
    assert values[("aya_chat_first_event_seconds_count", ())] == 2
    posts = {k: v for k, v in values.items() if k[0] == "aya_http_request_duration_seconds_count"}
    by_status = {dict(labels)["status"]: v for (_, labels), v in posts.items() if dict(labels)["route"] == "/chatkit"}
    assert by_status == {"200": 2, "400": 1}
    assert not any(k[0] == "aya_http_errors_total" for k in values)  # no 5xx so far


async def test_search_latency_is_measured(catalog_settings: Settings) -> None:
    async with asgi_client(catalog_settings, fake_assistant(fake_echo_model())) as chat:
        found = await chat.http.post("/api/search", json={"text": "salmon", "k": 3})
        assert found.status_code == 200, found.text
        values = samples((await chat.http.get("/metrics")).text)
    assert values[("aya_search_duration_seconds_count", (("operation", "search"),))] >= 1
    counts = [k for k in values if k[0] == "aya_http_request_duration_seconds_count"]
    assert [k for k in counts if ("route", "/api/search") in k[1]]
