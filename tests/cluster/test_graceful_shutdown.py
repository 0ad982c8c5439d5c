"""SIGTERM: the server stops accepting connections, lets running streams finish for up to AYA_SHUTDOWN_TIMEOUT_S,
then cancels the rest, whose partial answers are saved. A real process and a real signal; the model is a scripted
fake (shutdown_app.py)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.chat.chat_fakes import asgi_client, fake_assistant, fake_echo_model, message
from tests.services.cluster import free_port

from aya.core.settings import Settings

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
# uvicorn re-raises the signal it handled once it has shut down gracefully: exit status 0 or "terminated by SIGTERM"
STOPPED = (0, -signal.SIGTERM)
HEADERS = {"user-id": "shutdown-sue", "content-type": "application/json"}


@contextmanager
def server(data_dir: Path, model: str, timeout_s: float) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {
        **os.environ,
        "AYA_DATA_DIR": str(data_dir),
        "AYA_EMBEDDER": "none",
        "AYA_PORT": str(port),
        "AYA_SHUTDOWN_TIMEOUT_S": str(timeout_s),
        "AYA_LOG_LEVEL": "WARNING",
        "AYA_TEST_MODEL": model,
    }
    log = data_dir / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, str(HERE / "shutdown_app.py")], env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


async def stored_items(data_dir: Path, thread_id: str) -> list[dict[str, Any]]:
    """The thread's items as the app serves them after the restart (same data dir)."""
    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    async with asgi_client(settings, fake_assistant(fake_echo_model()), user=HEADERS["user-id"]) as client:
        page = await client.call("items.list", thread_id=thread_id, order="asc")
    return list(page["data"])


def read_events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    for line in response.iter_lines():
        if line.startswith("data: "):
            yield json.loads(line[6:])


def test_sigterm_lets_a_running_stream_finish(data_dir: Path) -> None:
    with server(data_dir, "slow", timeout_s=20) as (url, proc), httpx.Client(base_url=url, timeout=30) as http:
        body = json.dumps({"type": "threads.create", "params": {"input": message("tell me slowly")}})
        with http.stream("POST", "/chatkit", content=body, headers=HEADERS) as response:
            events = read_events(response)
            for event in events:
                if event["type"] == "thread.item.updated":  # the answer is streaming
                    break
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            with pytest.raises(httpx.ConnectError):  # no new connections once shutting down
                httpx.get(f"{url}/healthz", timeout=2)
            rest = list(events)
        done = [e["item"] for e in rest if e["type"] == "thread.item.done" and e["item"]["type"] == "assistant_message"]
        assert done and done[-1]["content"][0]["text"].endswith("word19"), rest[-3:]
        assert proc.wait(timeout=30) in STOPPED


def test_sigterm_cancels_a_stream_past_the_timeout_and_saves_its_partial_answer(data_dir: Path) -> None:
    with server(data_dir, "stall", timeout_s=1) as (url, proc), httpx.Client(base_url=url, timeout=30) as http:
        body = json.dumps({"type": "threads.create", "params": {"input": message("never ending")}})
        thread_id = None
        started = time.monotonic()
        with http.stream("POST", "/chatkit", content=body, headers=HEADERS) as response:
            try:
                for event in read_events(response):
                    if event["type"] == "thread.created":
                        thread_id = event["thread"]["id"]
                    delta = event.get("update", {}).get("delta") if event["type"] == "thread.item.updated" else None
                    if delta == "A second answer cut by the shutdown":
                        proc.send_signal(signal.SIGTERM)
                        started = time.monotonic()
            except httpx.RemoteProtocolError:
                pass  # past the timeout the server may close the connection mid-stream: what counts is what it saved
        assert time.monotonic() - started < 10  # cut at the timeout, not left hanging
        assert proc.wait(timeout=30) in STOPPED
    assert thread_id is not None
    texts = [(i["type"], i["content"][0]["text"]) for i in asyncio.run(stored_items(data_dir, thread_id))]
    assert texts == [
        ("user_message", "never ending"),
        ("assistant_message", "Complete first answer."),
        ("assistant_message", "A second answer cut by the shutdown"),
    ]
