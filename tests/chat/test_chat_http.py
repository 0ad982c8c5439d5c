"""HTTP edges of the chat server: identity, isolation between users, bad requests, limits, attachments, user data."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from chatkit.types import ClosedStatus, LockedStatus

from aya.core.settings import Settings

from .chat_fakes import ChatClient, asgi_client, fake_assistant, fake_echo_model, message, of_type

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _new_thread(client: ChatClient, text: str = "Hello") -> str:
    events = await client.stream("threads.create", input=message(text))
    return str(events[0].thread.id)


async def test_no_identity_is_401(client: ChatClient) -> None:
    response = await client.http.post("/chatkit", content=b'{"type": "threads.list", "params": {}}')
    assert response.status_code == 401
    assert "user-id" in response.json()["message"]


async def test_another_users_thread_is_indistinguishable_from_a_missing_one(client: ChatClient) -> None:
    thread_id = await _new_thread(client, "Alice's private question")
    items = (await client.call("items.list", thread_id=thread_id, order="asc"))["data"]
    bob = client.as_user("bob")
    action = {"type": "x", "payload": {}}
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("threads.get_by_id", {}),
        ("items.list", {}),
        ("threads.update", {"title": "pwned"}),
        ("threads.delete", {}),
        ("threads.add_user_message", {"input": message("hi")}),
        ("items.feedback", {"item_ids": [items[1]["id"]], "kind": "negative"}),
        ("threads.retry_after_item", {"item_id": items[0]["id"]}),
        ("threads.custom_action", {"action": action}),
        ("threads.sync_custom_action", {"action": action}),
        ("threads.add_client_tool_output", {"result": {}}),
    ]
    for kind, params in attempts:
        theirs = await bob.status(kind, thread_id=thread_id, **params)
        missing = await bob.status(kind, thread_id="thr_000000000000ffffffffff", **params)
        assert theirs[0] == missing[0] == 404, kind
        assert theirs[1]["message"].replace(thread_id, "X") == missing[1]["message"].replace(
            "thr_000000000000ffffffffff", "X"
        ), kind
    assert (await bob.call("threads.list"))["data"] == []
    thread = await client.call("threads.get_by_id", thread_id=thread_id)
    assert thread["title"] == "Alice's private question"
    assert len(thread["items"]["data"]) == 2
    assert await client.server.store.load_feedback(thread_id, client.context) == {}


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "JSON object"),
        (b'{"params": {}}', 400, "type"),
        (b'{"type": "threads.explode", "params": {}}', 400, "unknown request type 'threads.explode'"),
        (b'{"type": "threads.get_by_id", "params": {}}', 400, "params.thread_id"),
        (b'{"type": "threads.list", "params": {"limit": "many"}}', 400, "params.limit"),
        (b'{"type": "threads.list", "params": {"limit": 0}}', 400, "limit"),
        (b'{"type": "threads.list", "params": {"order": "sideways"}}', 400, "params.order"),
        (b'{"type": "threads.create", "params": {"input": {"content": []}}}', 400, "params.input"),
        (b"\xff\xfe", 400, "JSON"),
    ],
)
async def test_bad_requests_name_the_problem(client: ChatClient, body: bytes, status: int, needle: str) -> None:
    response = await client.raw(body)
    assert response.status_code == status, response.text
    assert needle in response.json()["message"]
    assert (await client.call("threads.list"))["data"] == []


async def test_oversized_bodies_are_413_and_store_nothing(client: ChatClient) -> None:
    thread_id = await _new_thread(client)
    limit = client.server.settings.max_request_bytes
    huge = json.dumps(
        {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": message("x" * (limit + 1))}}
    )
    response = await client.raw(huge)
    assert response.status_code == 413
    assert str(limit) in response.json()["message"]
    assert len((await client.call("items.list", thread_id=thread_id))["data"]) == 2


@pytest.mark.parametrize("status", [LockedStatus(reason="under review"), ClosedStatus()])
async def test_locked_and_closed_threads_take_no_new_content(client: ChatClient, status: Any) -> None:
    thread_id = await _new_thread(client)
    thread = await client.server.store.load_thread(thread_id, client.context)
    thread.status = status
    await client.server.store.save_thread(thread, client.context)
    code, body = await client.status("threads.add_user_message", thread_id=thread_id, input=message("more"))
    assert code == 409 and status.type in body["message"]
    code, _ = await client.status("threads.retry_after_item", thread_id=thread_id, item_id="msg_x")
    assert code == 409
    shown = await client.call("threads.get_by_id", thread_id=thread_id)
    assert shown["status"]["type"] == status.type
    assert len(shown["items"]["data"]) == 2


async def _upload(client: ChatClient, name: str, mime: str, data: bytes) -> dict[str, Any]:
    created = await client.call("attachments.create", name=name, size=len(data), mime_type=mime)
    assert created["upload_descriptor"]["method"] == "PUT"
    url = created["upload_descriptor"]["url"].removeprefix("http://testserver")
    response = await client.http.put(url, content=data, headers=client.headers)
    assert response.status_code == 200, response.text
    uploaded: dict[str, Any] = response.json()
    assert "upload_descriptor" not in uploaded and "metadata" not in uploaded
    return uploaded


async def test_attachments_upload_use_serve_and_delete_with_their_thread(client: ChatClient, model: Any) -> None:
    image = await _upload(client, "dog.png", "image/png", PNG)
    assert image["type"] == "image" and f"/api/attachments/{image['id']}?exp=" in image["preview_url"]
    assert "alice" not in image["preview_url"]  # signed links carry no user id
    preview = image["preview_url"].removeprefix("http://testserver")
    assert (await client.http.get(preview)).content == PNG  # a signed link works without identity headers
    forged = await client.http.get(preview.replace("exp=", "exp=1"))
    assert forged.status_code == 404
    note = await _upload(client, "allergies.txt", "text/plain", b"allergic to chicken")
    events = await client.stream("threads.create", input=message("What about this?", [image["id"], note["id"]]))
    thread_id = events[0].thread.id
    sent = model.last_call.input[0]["content"]
    assert any(p.get("type") == "input_image" and p["image_url"].startswith("data:image/png;base64,") for p in sent)
    assert any("allergic to chicken" in p.get("text", "") for p in sent)

    own = await client.http.get(f"/api/attachments/{image['id']}", headers=client.headers)
    assert own.status_code == 200 and own.content == PNG and own.headers["content-type"] == "image/png"
    other = await client.http.get(f"/api/attachments/{image['id']}", headers=client.as_user("bob").headers)
    assert other.status_code == 404
    status, _ = await client.as_user("bob").status("attachments.delete", attachment_id=image["id"])
    assert status == 404
    upload_url = f"/api/attachments/{image['id']}/upload"
    overwrite = await client.http.put(upload_url, content=b"evil", headers=client.as_user("bob").headers)
    assert overwrite.status_code == 404
    again = await client.http.put(upload_url, content=b"again", headers=client.headers)
    assert again.status_code == 409
    assert (await client.http.get(f"/api/attachments/{image['id']}", headers=client.headers)).content == PNG

    files = list(client.server.settings.attachments_dir.rglob("atc_*"))
    assert len(files) == 2
    await client.call("threads.delete", thread_id=thread_id)
    assert list(client.server.settings.attachments_dir.rglob("atc_*")) == []
    gone = await client.http.get(f"/api/attachments/{image['id']}", headers=client.headers)
    assert gone.status_code == 404


async def test_attachment_limits(client: ChatClient) -> None:
    limit = client.server.settings.max_attachment_bytes
    status, body = await client.status("attachments.create", name="big.png", size=limit + 1, mime_type="image/png")
    assert status == 413 and body["field"] == "params.size"
    status, body = await client.status("attachments.create", name="run.exe", size=10, mime_type="application/x-msdos")
    assert status == 400 and body["field"] == "params.mime_type"
    created = await client.call("attachments.create", name="small.txt", size=4, mime_type="text/plain")
    status, body = await client.status("threads.create", input=message("see file", [created["id"]]))
    assert status == 400 and "never uploaded" in body["message"]
    too_much = await client.http.put(
        f"/api/attachments/{created['id']}/upload", content=b"12345678", headers=client.headers
    )
    assert too_much.status_code == 413
    status, _ = await client.status("threads.create", input=message("see file", ["atc_000000000000ffffffffff"]))
    assert status == 404
    assert await client.call("attachments.delete", attachment_id=created["id"]) == {}
    assert (await client.call("threads.list"))["data"] == []


async def test_direct_multipart_upload(client: ChatClient) -> None:
    response = await client.http.post(
        "/api/attachments",
        files={"file": ("label.pdf", b"%PDF-1.4 test", "application/pdf")},
        headers={k: v for k, v in client.headers.items() if k != "content-type"},
    )
    assert response.status_code == 200, response.text
    attachment = response.json()
    assert attachment["type"] == "file" and attachment["name"] == "label.pdf"
    content = await client.http.get(f"/api/attachments/{attachment['id']}", headers=client.headers)
    assert content.content == b"%PDF-1.4 test"
    assert content.headers["content-disposition"].startswith("attachment")


async def test_export_and_erase_my_data(client: ChatClient) -> None:
    thread_id = await _new_thread(client, "My dog Rex is 9")
    bob = client.as_user("bob")
    bobs = await _new_thread(bob, "Bob's cat")
    await _upload(client, "rex.png", "image/png", PNG)
    response = await client.http.get("/api/me/data", headers=client.headers)
    assert response.status_code == 200
    data = response.json()
    assert data["user_id"] == "alice"
    assert [t["id"] for t in data["threads"]] == [thread_id]
    assert data["threads"][0]["items"][0]["content"][0]["text"] == "My dog Rex is 9"
    assert len(data["attachments"]) == 1
    assert "Bob's cat" not in response.text

    response = await client.http.delete("/api/me/data", headers=client.headers)
    assert response.json()["deleted"] == {"feedback": 0, "items": 2, "attachments": 1, "threads": 1}
    assert (await client.call("threads.list"))["data"] == []
    assert list(client.server.settings.attachments_dir.rglob("atc_*")) == []
    assert (await bob.call("threads.get_by_id", thread_id=bobs))["title"] == "Bob's cat"


async def test_client_config_and_identity(client: ChatClient) -> None:
    config = (await client.http.get("/api/config")).json()
    assert config["chatkit"]["url"] == "/chatkit"
    assert config["auth"]["mode"] == "dev"
    assert config["attachments"]["max_bytes"] == client.server.settings.max_attachment_bytes
    assert "image/png" in config["attachments"]["accept"]
    assert config["greeting"] and config["prompts"][0]["prompt"]
    assert "key" not in json.dumps(config).replace("domain_key", "")
    me = (await client.http.get("/api/me", headers={**client.headers, "username": "Dana"})).json()
    assert me == {
        "user_id": "alice",
        "session_id": "ses-alice",
        "username": "Dana",
        "is_authenticated": False,
        "auth_mode": "dev",
        "role": "shopper",
    }


async def test_token_mode_sessions(data_dir: Any) -> None:
    settings = Settings(data_dir=data_dir, embedder="none", auth_mode="token", secret_key="s" * 32, _env_file=None)  # type: ignore[call-arg]
    async with asgi_client(settings, fake_assistant(fake_echo_model())) as client:
        http = client.http
        assert (await http.post("/chatkit", content=b'{"type":"threads.list","params":{}}')).status_code == 401
        headers_only = await http.post(
            "/chatkit", content=b'{"type":"threads.list","params":{}}', headers={"user-id": "alice"}
        )
        assert headers_only.status_code == 401
        minted = await http.post("/api/session", json={"username": "Dana"})
        assert minted.status_code == 200
        session = minted.json()
        assert session["user_id"].startswith("usr_") and session["username"] == "Dana"
        assert "aya_session" in minted.headers["set-cookie"] and "HttpOnly" in minted.headers["set-cookie"]
        bearer = {"authorization": f"Bearer {session['token']}"}
        body = json.dumps({"type": "threads.create", "params": {"input": message("hi")}})
        created = await http.post("/chatkit", content=body, headers=bearer)
        assert created.status_code == 200 and "thread.created" in created.text
        assert (await http.get("/api/me", headers=bearer)).json()["username"] == "Dana"
        # the cookie alone works too (the browser keeps it)
        listed = await http.post("/chatkit", content=b'{"type":"threads.list","params":{}}')
        assert listed.status_code == 200 and len(listed.json()["data"]) == 1
        http.cookies.clear()
        other = (await http.post("/api/session", json={})).json()
        assert other["user_id"] != session["user_id"]
        theirs = await http.post(
            "/chatkit",
            content=b'{"type":"threads.list","params":{}}',
            headers={"authorization": f"Bearer {other['token']}"},
        )
        assert theirs.json()["data"] == []
        forged = await http.post(
            "/chatkit", content=b'{"type":"threads.list","params":{}}', headers={"authorization": "Bearer abc.def"}
        )
        assert forged.status_code == 401 and "invalid" in forged.json()["message"]
        fresh = await http.post("/api/session", json={}, headers={"authorization": "Bearer abc.def"})
        assert fresh.status_code == 200 and fresh.json()["user_id"] not in (session["user_id"], other["user_id"])


async def test_logs_carry_no_message_text_at_info(client: ChatClient, caplog: pytest.LogCaptureFixture) -> None:
    secret_text = "my-dog-is-called-Zorblax"
    with caplog.at_level(logging.INFO):
        events = await client.stream("threads.create", input=message(secret_text))
        await client.stream("threads.add_user_message", thread_id=events[0].thread.id, input=message(secret_text))
    assert of_type(events, "thread.item.done")
    assert caplog.records, "the chat server logs its requests"
    assert all(secret_text not in record.getMessage() for record in caplog.records)


@pytest.mark.postgres
async def test_database_url_selects_postgresql(data_dir: Any, postgres_dsn: str) -> None:
    from .conftest import _drop_schema, _postgres_store

    probe, schema = await _postgres_store(postgres_dsn)
    await probe.close()
    url = f"{postgres_dsn}?schema={schema}"
    settings = Settings(data_dir=data_dir, embedder="none", database_url=url, _env_file=None)  # type: ignore[call-arg]
    try:
        async with asgi_client(settings, fake_assistant(fake_echo_model())) as client:
            thread_id = await _new_thread(client, "stored in PostgreSQL")
            assert type(client.server.store.db).__name__ == "PostgresDatabase"  # type: ignore[attr-defined]
            thread = await client.call("threads.get_by_id", thread_id=thread_id)
            assert [i["type"] for i in thread["items"]["data"]] == ["user_message", "assistant_message"]
        assert not (data_dir / "threads.sqlite3").exists()
    finally:
        await _drop_schema(postgres_dsn, schema)


async def test_bad_parameters_against_stored_data(client: ChatClient) -> None:
    thread_id = await _new_thread(client)
    status, body = await client.status("threads.list", after="thr_000000000000ffffffffff")
    assert status == 400 and body["field"] == "after" and "unknown cursor" in body["message"]
    status, body = await client.status("items.list", thread_id=thread_id, after="msg_000000000000ffffffffff")
    assert status == 400 and "unknown cursor" in body["message"]
    status, body = await client.status("threads.update", thread_id=thread_id, title="x" * 201)
    assert status == 400 and body["field"] == "params.title"
    status, body = await client.status("items.feedback", thread_id=thread_id, item_ids=[], kind="positive")
    assert status == 400 and body["field"] == "params.item_ids"
    assert (await client.call("threads.get_by_id", thread_id=thread_id))["title"] == "Hello"


async def test_cors_allows_only_configured_origins(client: ChatClient) -> None:
    preflight = {"access-control-request-method": "POST", "access-control-request-headers": "user-id,content-type"}
    allowed = await client.http.options("/chatkit", headers={"origin": "http://localhost:5173", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
    denied = await client.http.options("/chatkit", headers={"origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in denied.headers
