"""Two real worker processes over one PostgreSQL, and nginx in front: a thread's turns never interleave whichever
worker takes each message, attachments reach every worker, and a worker killed mid-stream loses nothing that was
completed while a retry succeeds on the other worker."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from tests.chat.chat_fakes import message

from .conftest import ADMIN, Cluster

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

USER = "cluster-alice"
COMPLETED_TURNS = 'aya_chat_turns_total{outcome="completed"}'
HEADERS = {"user-id": USER, "content-type": "application/json"}


@dataclass
class Streamed:
    events: list[dict[str, Any]] = field(default_factory=list)
    first: float = 0.0
    last: float = 0.0
    status: int = 0

    def done_items(self, kind: str) -> list[dict[str, Any]]:
        return [e["item"] for e in self.events if e["type"] == "thread.item.done" and e["item"]["type"] == kind]


async def post_stream(url: str, body: dict[str, Any]) -> Streamed:
    out = Streamed()
    async with (
        httpx.AsyncClient(base_url=url, timeout=120) as http,
        http.stream("POST", "/chatkit", content=json.dumps(body), headers=HEADERS) as response,
    ):
        out.status = response.status_code
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                now = time.monotonic()
                out.first = out.first or now
                out.last = now
                out.events.append(json.loads(line[6:]))
    return out


async def call(url: str, type_: str, **params: Any) -> Any:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        response = await http.post("/chatkit", content=json.dumps({"type": type_, "params": params}), headers=HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


def create(text: str) -> dict[str, Any]:
    return {"type": "threads.create", "params": {"input": message(text)}}


def add(thread_id: str, text: str) -> dict[str, Any]:
    return {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": message(text)}}


async def all_items(url: str, thread_id: str) -> list[dict[str, Any]]:
    return list((await call(url, "items.list", thread_id=thread_id, order="asc", limit=200))["data"])


def assert_turns_in_order(items: list[dict[str, Any]], turns: list[Streamed]) -> None:
    """Stored items run user message, then that turn's own answer, then the next user message: never two turns'
    items mixed. Each streamed turn's items sit together, right after its own user message."""
    position = {item["id"]: n for n, item in enumerate(items)}
    spans = []
    for turn in turns:
        ids = [e["item"]["id"] for e in turn.events if e["type"] == "thread.item.done"]
        assert ids, turn.events
        places = sorted(position[i] for i in ids)
        assert places == list(range(places[0], places[0] + len(places))), "a turn's items are not contiguous"
        assert items[places[0]]["type"] == "user_message"
        assert [items[p]["type"] for p in places[1:]].count("user_message") == 0
        assert any(items[p]["type"] == "assistant_message" for p in places[1:]), "a turn without an answer"
        spans.append((places[0], places[-1]))
    spans.sort()
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))


async def test_turns_alternate_between_workers_and_never_interleave(cluster: Cluster) -> None:
    a, b = (w.url for w in cluster.workers)
    created = await post_stream(a, create("dry food for my adult lab"))
    thread_id = next(e["thread"]["id"] for e in created.events if e["type"] == "thread.created")
    turns = [created]
    texts = ["something cheaper", "only grain free", "what about salmon", "compare the first two", "for a senior cat"]
    for n in range(4):
        first_url, second_url = (a, b) if n % 2 == 0 else (b, a)  # each round starts on the other worker
        pair = await asyncio.gather(
            post_stream(first_url, add(thread_id, texts[n])), post_stream(second_url, add(thread_id, texts[n + 1]))
        )
        assert [p.status for p in pair] == [200, 200]
        # one answered while the other waited: their streams do not overlap in time
        earlier, later = sorted(pair, key=lambda p: p.first)
        assert earlier.last <= later.first, "two turns of one thread streamed at the same time"
        turns += pair
        turns.append(await post_stream(second_url, add(thread_id, f"and one more, round {n}")))
    items = await all_items(b, thread_id)
    assert sum(1 for i in items if i["type"] == "user_message") == 1 + 4 * 3
    assert_turns_in_order(items, turns)
    assert await all_items(a, thread_id) == items  # both workers see the same thread


async def test_attachments_reach_every_worker(cluster: Cluster) -> None:
    a, b = (w.url for w in cluster.workers)
    async with httpx.AsyncClient(timeout=30) as http:
        uploaded = await http.post(
            f"{a}/api/attachments",
            files={"file": ("label.txt", b"Chicken meal, brown rice", "text/plain")},
            headers={"user-id": USER},
        )
        assert uploaded.status_code == 200, uploaded.text
        attachment_id = uploaded.json()["id"]
        fetched = await http.get(f"{b}/api/attachments/{attachment_id}", headers={"user-id": USER})
        assert fetched.status_code == 200 and fetched.content == b"Chicken meal, brown rice"
        other = await http.get(f"{b}/api/attachments/{attachment_id}", headers={"user-id": "cluster-mallory"})
        assert other.status_code == 404
    created = await post_stream(
        b, {"type": "threads.create", "params": {"input": message("what is in this?", [attachment_id])}}
    )
    assert created.status == 200 and created.done_items("assistant_message")


async def test_rate_limits_count_across_workers(cluster: Cluster) -> None:
    a, b = (w.url for w in cluster.workers)
    statuses = []
    async with httpx.AsyncClient(timeout=30) as http:
        for n in range(4):  # AYA_ATTACHMENT_RATE_PER_USER=3/minute, alternating workers
            response = await http.post(
                f"{(a, b)[n % 2]}/api/attachments",
                files={"file": (f"note{n}.txt", b"hello", "text/plain")},
                headers={"user-id": "cluster-uploader"},
            )
            statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429]  # one worker alone has seen only two


async def test_through_nginx_requests_spread_over_the_workers_and_stream(cluster: Cluster) -> None:
    edge = cluster.nginx.url
    async with httpx.AsyncClient(timeout=30) as http:
        ready = [await http.get(f"{edge}/readyz") for _ in range(2)]
        assert [r.status_code for r in ready] == [200, 200]
        ids = [r.headers["x-request-id"] for r in ready]  # nginx's $request_id, logged by the worker that served it
        assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and ids[0] != ids[1]
        assert (await http.get(f"{edge}/metrics")).status_code in (200, 403)  # loopback may scrape; others may not
    results = await asyncio.gather(*(post_stream(edge, create(f"wet food for a kitten {n}")) for n in range(8)))
    assert all(r.status == 200 and r.done_items("assistant_message") for r in results)
    counts = []
    async with httpx.AsyncClient(timeout=30) as http:
        for worker in cluster.workers:
            text = (await http.get(f"{worker.url}/metrics")).text
            line = next(line for line in text.splitlines() if line.startswith(COMPLETED_TURNS))
            counts.append(float(line.split()[-1]))
    assert all(c > 0 for c in counts), f"nginx sent every turn to one worker: {counts}"


async def _echo_state(http: httpx.AsyncClient, url: str) -> tuple[bool, str]:
    response = await http.get(f"{url}/api/mcp/servers/echo", headers={"user-id": ADMIN})
    assert response.status_code == 200, response.text
    return response.json()["enabled"], response.json()["state"]


async def _until_echo(http: httpx.AsyncClient, url: str, expected: tuple[bool, str]) -> None:
    deadline = time.monotonic() + 30
    while (state := await _echo_state(http, url)) != expected:
        assert time.monotonic() < deadline, f"{url} still sees the echo server as {state}, not {expected}"
        await asyncio.sleep(0.2)


async def test_a_browser_page_served_through_nginx_may_post(cluster: Cluster) -> None:
    """The page's origin is nginx's address: the Host the worker sees must be that too (port included)."""
    edge = cluster.nginx.url
    body = {"type": "threads.create", "params": {"input": message("hello from the browser")}}
    headers = {**HEADERS, "origin": edge}
    async with httpx.AsyncClient(timeout=60) as http:
        response = await http.post(f"{edge}/chatkit", content=json.dumps(body), headers=headers)
        assert response.status_code == 200, response.text
        foreign = await http.post(
            f"{edge}/chatkit", content=json.dumps(body), headers={**HEADERS, "origin": "http://evil.test"}
        )
        assert foreign.status_code == 403


async def test_mcp_registry_changes_reach_every_worker(cluster: Cluster) -> None:
    a, b = (w.url for w in cluster.workers)
    async with httpx.AsyncClient(timeout=60) as http:
        assert await _echo_state(http, b) == (False, "disabled")
        enabled = await http.post(f"{a}/api/mcp/servers/echo/enable", headers={"user-id": ADMIN})
        assert enabled.status_code == 200 and enabled.json()["state"] == "connected", enabled.text
        await _until_echo(http, b, (True, "connected"))  # b re-read the shared servers file when a announced it
        disabled = await http.post(f"{b}/api/mcp/servers/echo/disable", headers={"user-id": ADMIN})
        assert disabled.status_code == 200 and disabled.json()["state"] == "disabled"
        await _until_echo(http, a, (False, "disabled"))


async def test_a_voice_ticket_from_one_worker_opens_the_websocket_on_another(cluster: Cluster) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    a, b = (w.url for w in cluster.workers)
    async with httpx.AsyncClient(timeout=30) as http:
        tickets = [(await http.post(f"{a}/voice/ticket", headers={"user-id": USER})).json()["ticket"] for _ in range(2)]
    # straight to the other worker, then through nginx (the WebSocket upgrade passes the proxy)
    for base, ticket in ((b, tickets[0]), (cluster.nginx.url, tickets[1])):
        async with connect(ws_url(base, ticket), open_timeout=30) as ws:
            assert ws.protocol.state.name == "OPEN"
        with pytest.raises(InvalidStatus):  # used: refused before the handshake completes, on any worker
            async with connect(ws_url(b, ticket), open_timeout=30):
                pass


def ws_url(base: str, ticket: str) -> str:
    return base.replace("http://", "ws://") + f"/voice/ws?ticket={ticket}"


async def test_a_killed_worker_loses_nothing_completed_and_a_retry_succeeds(cluster: Cluster) -> None:
    edge = cluster.nginx.url
    victim, survivor = cluster.workers
    done = await asyncio.gather(*(post_stream(edge, create(f"puppy food {n}")) for n in range(6)))
    completed = {next(e["thread"]["id"] for e in d.events if e["type"] == "thread.created"): d for d in done}
    in_flight = [asyncio.create_task(post_stream(edge, create(f"senior dog food {n}"))) for n in range(6)]
    await asyncio.sleep(0.3)
    victim.kill()
    outcomes = await asyncio.gather(*in_flight, return_exceptions=True)
    # every request either completed or failed visibly (an exception, a non-200, or a stream cut short)
    for outcome in outcomes:
        assert isinstance(outcome, BaseException) or outcome.status != 200 or outcome.events
    # a client retries what failed; nginx sends it to the live worker (a request already on its way to the dead one
    # when it died, such as one on a kept-alive connection, fails once more: nginx never resends a POST it sent)
    attempts: list[str] = []
    for _attempt in range(3):
        try:
            retry = await post_stream(edge, create("senior dog food, again"))
        except httpx.HTTPError as exc:
            attempts.append(repr(exc))
            await asyncio.sleep(0.5)
            continue
        if retry.status == 200 and retry.done_items("assistant_message"):
            break
        attempts.append(f"HTTP {retry.status}: {retry.events[-3:]}")
        await asyncio.sleep(0.5)
    else:
        pytest.fail(f"three retries through nginx failed after one of two workers was killed: {attempts}")
    for thread_id, streamed in completed.items():
        items = await all_items(survivor.url, thread_id)
        done_ids = {e["item"]["id"] for e in streamed.events if e["type"] == "thread.item.done"}
        assert done_ids <= {i["id"] for i in items}, "a completed turn lost items"
