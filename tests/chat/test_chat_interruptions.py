"""Streams that do not finish, over real HTTP: a client that disconnects, and a server killed with SIGKILL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from agents.testing import ModelStep, ScriptedModel, assistant_message
from fastapi import FastAPI

from aya.core.settings import Settings
from aya.web.app import create_app

from .chat_fakes import EVENT, ChatClient, asgi_client, fake_assistant, fake_echo_model, message, stream_then_block

HERE = Path(__file__).resolve().parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _until(predicate: Any, what: str, limit_s: float = 20.0) -> Any:
    """Poll an observable condition (no fixed sleeps): its first truthy value, or fail after ``limit_s`` seconds."""
    deadline = asyncio.get_running_loop().time() + limit_s
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def _uvicorn(app: FastAPI) -> AsyncIterator[str]:
    """The app served by a real uvicorn in this event loop, on a free port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))

    async def started() -> bool:
        return server.started

    await _until(started, "uvicorn to start")
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def _read_until_partial(response: httpx.Response, partial: str) -> tuple[str, list[Any]]:
    """Read SSE events until the stalled second message has streamed ``partial``; the thread id and the events."""
    events: list[Any] = []
    async for line in response.aiter_lines():
        if not line.startswith("data: "):
            continue
        event = EVENT.validate_json(line[len("data: ") :])
        events.append(event)
        if event.type == "thread.item.updated" and getattr(event.update, "delta", None) == partial:
            break
    return str(events[0].thread.id), events


async def test_client_disconnect_saves_the_partial_answer_and_the_thread_stays_usable(data_dir: Path) -> None:
    model = ScriptedModel(
        [stream_then_block("Complete first answer.", "Half of a second"), ModelStep(output=[assistant_message("Ok.")])]
    )
    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings)
    app.state.resources.extras["assistant"] = fake_assistant(model)
    async with _uvicorn(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as http:
        client = ChatClient(http, "alice", app=app)
        body = json.dumps({"type": "threads.create", "params": {"input": message("Tell me everything")}})
        async with http.stream("POST", "/chatkit", content=body, headers=client.headers) as response:
            assert response.status_code == 200
            thread_id, events = await _read_until_partial(response, "Half of a second")
        # the response is closed: the server sees the disconnect and cancels the stream

        async def saved() -> list[Any] | None:
            items = (await client.call("items.list", thread_id=thread_id, order="asc"))["data"]
            return items if len(items) == 3 else None

        items = await _until(saved, "the partial answer to be saved")
        assert [i["type"] for i in items] == ["user_message", "assistant_message", "assistant_message"]
        assert items[1]["content"][0]["text"] == "Complete first answer."
        assert items[2]["content"][0]["text"] == "Half of a second"
        assert len({i["id"] for i in items}) == 3
        # The thread remembers which answer was stopped, so the client marks it "Stopped" after a reload.
        thread = await client.call("threads.get_by_id", thread_id=thread_id)
        assert thread["metadata"]["stopped"] == [items[2]["id"]]

        events = await client.stream("threads.add_user_message", thread_id=thread_id, input=message("Go on"))
        assert events[-1].type == "thread.item.done" or any(e.type == "thread.item.done" for e in events)
        assert model.last_call is not None
        sent = json.dumps(model.last_call.input)
        assert "Half of a second" in sent
        assert "cancelled the stream" in sent


def _spawn(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "AYA_DATA_DIR": str(data_dir),
        "AYA_EMBEDDER": "none",
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "chat_fake_server:app", "--app-dir", str(HERE)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return subprocess.Popen(command, env=env, cwd=data_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def _ready(http: httpx.AsyncClient, proc: subprocess.Popen[bytes]) -> None:
    async def up() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"server exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        try:
            return (await http.get("/healthz")).status_code == 200
        except httpx.TransportError:
            return False

    await _until(up, "the server process to start", limit_s=60)


@pytest.mark.slow
async def test_killed_server_restarts_with_every_completed_item(data_dir: Path) -> None:
    port = _free_port()
    proc = _spawn(data_dir, port)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            await _ready(http, proc)
            client = ChatClient(http, "alice")
            body = json.dumps({"type": "threads.create", "params": {"input": message("Long answer please")}})
            async with http.stream("POST", "/chatkit", content=body, headers=client.headers) as response:
                thread_id, _ = await _read_until_partial(response, "A second answer that never ends")
                proc.send_signal(signal.SIGKILL)  # mid-stream: no cleanup code runs
                proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)

    # restart (in this process, on the same data dir) and read the thread back
    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    async with asgi_client(settings, fake_assistant(fake_echo_model())) as client:
        thread = await client.call("threads.get_by_id", thread_id=thread_id)
        items = thread["items"]["data"]
        assert [i["type"] for i in items] == ["user_message", "assistant_message"]
        assert items[0]["content"][0]["text"] == "Long answer please"
        assert items[1]["content"][0]["text"] == "Complete first answer."
        assert thread["title"] == "Long answer please"
        events = await client.stream("threads.add_user_message", thread_id=thread_id, input=message("Still there?"))
        assert any(e.type == "thread.item.done" and e.item.type == "assistant_message" for e in events)
