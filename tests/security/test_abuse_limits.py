"""Findings 4, 9 and 11: identities and Realtime sessions are limited per address, in all and by a daily budget;
messages and attachments per user; stored bytes by a quota; unattached uploads are swept; signed links expire and
carry no user id."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from pydantic import SecretStr
from tests.voice.standin_openai import openai_standin

from aya.core.context import RequestContext

from .conftest import SECRET, AppFactory, client, thread_create

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 900


async def test_identity_creation_is_limited_per_address_and_in_all(app_factory: AppFactory) -> None:
    async with app_factory(
        auth_mode="token", secret_key=SECRET, session_rate_per_ip="5/minute", session_rate_global="8/minute"
    ) as app:
        async with client(app, ip="198.51.100.1") as one:
            answers, token = [], None
            for _ in range(50):  # 50 fresh identities (no cookie kept)
                one.cookies.clear()
                response = await one.post("/api/session", json={})
                answers.append(response.status_code)
                if response.status_code == 200:
                    token = response.json()["token"]
            assert answers.count(200) == 5 and answers.count(429) == 45
            one.cookies.clear()
            refused = await one.post("/api/session", json={})
            assert "new sessions" in refused.json()["message"] and "5 per minute" in refused.json()["message"]
            # a caller who already has a session renews it freely (not a new identity)
            renewed = await one.post("/api/session", json={}, headers={"authorization": f"Bearer {token}"})
            assert renewed.status_code == 200
        statuses = []
        for i in range(10):
            async with client(app, ip=f"203.0.113.{i + 1}") as other:
                statuses.append((await other.post("/api/session", json={})).status_code)
        assert statuses.count(200) == 3  # 8 in all per minute, 5 already used


async def test_realtime_minting_is_limited_per_address_per_user_and_by_a_daily_budget(
    app_factory: AppFactory,
) -> None:
    with openai_standin() as standin:
        async with app_factory(
            openai_api_key=SecretStr("sk-standin-key-0123456789"),
            openai_base_url=standin.url,
            model_provider="offline",
            realtime_rate_per_ip="10/minute",
            realtime_daily_budget=14,
        ) as app:
            async with client(app, ip="198.51.100.2") as http:
                # 50 sessions from 50 fresh identities, as fast as possible: the address limit holds
                answers = [
                    (await http.post("/voice/realtime/session", headers={"user-id": f"fresh-{i}"})).status_code
                    for i in range(50)
                ]
            assert answers.count(200) == 10 and answers.count(429) == 40
            budget: list[int] = []
            for i in range(10):
                async with client(app, ip=f"203.0.113.{i + 1}") as other:
                    response = await other.post("/voice/realtime/session", headers={"user-id": f"other-{i}"})
                    budget.append(response.status_code)
            assert budget.count(200) == 4  # 14 a day in all
            assert "voice sessions today" in response.json()["message"]
            assert len(standin.requests) == 14  # nothing beyond the budget reached OpenAI


async def test_messages_are_limited_per_user(app_factory: AppFactory) -> None:
    async with app_factory(message_rate_per_user="3/minute;10/day") as app, client(app) as http:
        alice = {"user-id": "alice"}
        statuses = [
            (await http.post("/chatkit", json=thread_create("hi"), headers=alice)).status_code for _ in range(5)
        ]
        assert statuses == [200, 200, 200, 429, 429]
        assert (await http.post("/chatkit", json=thread_create("hi"), headers={"user-id": "bob"})).status_code == 200
        reads = await http.post("/chatkit", json={"type": "threads.list", "params": {}}, headers=alice)
        assert reads.status_code == 200 and len(reads.json()["data"]) == 3
    async with app_factory(message_rate_per_ip="4/minute") as app, client(app, ip="198.51.100.5") as http:
        fresh = [
            (await http.post("/chatkit", json=thread_create("hi"), headers={"user-id": f"u{i}"})).status_code
            for i in range(6)
        ]
        assert fresh == [200, 200, 200, 200, 429, 429]  # fresh identities do not escape the address's limit


async def _create(http: httpx.AsyncClient, user: dict[str, str], size: int = len(PNG)) -> httpx.Response:
    body = {"type": "attachments.create", "params": {"name": "a.png", "size": size, "mime_type": "image/png"}}
    return await http.post("/chatkit", json=body, headers=user)


async def _upload(http: httpx.AsyncClient, user: dict[str, str]) -> dict[str, Any]:
    created = await _create(http, user)
    assert created.status_code == 200, created.text
    url = created.json()["upload_descriptor"]["url"]
    uploaded = await http.put(url, content=PNG, headers=user)
    assert uploaded.status_code == 200, uploaded.text
    result: dict[str, Any] = uploaded.json()
    return result


async def test_attachments_are_limited_per_user_and_by_a_storage_quota(app_factory: AppFactory) -> None:
    async with app_factory(attachment_rate_per_user="3/minute") as app, client(app) as http:
        user = {"user-id": "uploader"}
        statuses = [(await _create(http, user)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
    async with app_factory(attachment_quota_bytes=2048, max_attachment_bytes=1024) as app, client(app) as http:
        user = {"user-id": "hoarder"}
        await _upload(http, user)
        await _upload(http, user)
        over = await _create(http, user)
        assert over.status_code == 413 and "quota" in over.json()["message"]
        assert (await _create(http, {"user-id": "someone-else"})).status_code == 200
    async with app_factory(attachment_rate_per_ip="4/minute") as app:
        async with client(app, ip="198.51.100.3") as http:  # fresh identities from one address
            statuses = [(await _create(http, {"user-id": f"fresh-{i}"})).status_code for i in range(6)]
            assert statuses == [200, 200, 200, 200, 429, 429]
        async with client(app, ip="198.51.100.4") as other:
            assert (await _create(other, {"user-id": "fresh-x"})).status_code == 200


async def test_unattached_uploads_are_swept_and_attached_ones_kept(app_factory: AppFactory) -> None:
    async with app_factory(unattached_upload_ttl_s=60) as app, client(app) as http:
        user = {"user-id": "sweeper"}
        kept = await _upload(http, user)
        lost = await _upload(http, user)
        message = thread_create("look")
        message["params"]["input"]["attachments"] = [kept["id"]]
        assert (await http.post("/chatkit", json=message, headers=user)).status_code == 200
        server = app.state.resources.extras["chat_server"]
        assert await server.attachments.sweep_unattached() == 0  # not old yet
        assert await server.attachments.sweep_unattached(now=time.time() + 61) == 1
        assert (await http.get(f"/api/attachments/{lost['id']}", headers=user)).status_code == 404
        assert (await http.get(f"/api/attachments/{kept['id']}", headers=user)).status_code == 200
        user_dir = server.attachments._user_dir(RequestContext(user_id="sweeper"))
        names = await asyncio.to_thread(lambda: sorted(p.name for p in user_dir.iterdir()))
        assert names == [kept["id"]]


async def test_signed_links_expire_and_carry_no_user_id(app_factory: AppFactory) -> None:
    async with app_factory(signed_link_ttl_s=60) as app, client(app) as http:
        owner = {"user-id": "dana-the-owner"}
        image = await _upload(http, owner)
        link = image["preview_url"]
        assert "dana-the-owner" not in link and "exp=" in link and "sig=" in link
        assert (await http.get(link)).status_code == 200  # works in an <img>, no identity needed

        server = app.state.resources.extras["chat_server"]
        old = server.attachments.signed_url(
            image["id"], RequestContext(user_id="dana-the-owner"), now=time.time() - 120
        )
        expired = await http.get(old)
        assert expired.status_code == 404 and "expired" in expired.json()["message"]
        assert (await http.get(old, headers=owner)).status_code == 200  # the owner's own client still can
        assert (await http.get(old, headers={"user-id": "mallory"})).status_code == 404
        forged = link.replace("exp=", "exp=9")
        assert (await http.get(forged)).status_code == 404
