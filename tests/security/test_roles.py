"""Findings 1 and 3: admin surfaces need the admin role; shoppers see MCP server names, states and tool counts only.

In dev mode anyone can send any ``user-id``, so a user listed in ``AYA_ADMIN_USERS`` is an admin only from loopback;
in token mode the role is a claim of the signed token (or the lists), never something ``POST /api/session`` grants.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from aya.web.app import create_app
from aya.web.auth import mint_token

from .conftest import SECRET, AppFactory, client

STDIO_COMMAND = "/opt/secret-tools/bin/inventory-server"
HTTP_URL = "https://ops:hunter2@mcp.internal.example/mcp?key=abc"
SERVERS = f"""
[servers.inventory]
command = "{STDIO_COMMAND}"
args = ["--db", "/srv/private/inventory.db"]
env = {{ INVENTORY_TOKEN = "tok-123456789" }}

[servers.weather]
url = "{HTTP_URL}"
enabled = false
"""
LEAKS = (STDIO_COMMAND, "/srv/private", "mcp.internal.example", "hunter2", "INVENTORY_TOKEN", "tok-123456789")
MANAGEMENT = [
    ("POST", "/api/mcp/servers/weather/enable"),
    ("POST", "/api/mcp/servers/inventory/disable"),
    ("POST", "/api/mcp/servers/inventory/reconnect"),
    ("POST", "/api/mcp/servers/reload"),
    ("GET", "/api/mcp/servers/inventory"),
    ("GET", "/api/mcp/servers/inventory/tools"),
]


@pytest.fixture
def servers_file(tmp_path: Path) -> Path:
    path = tmp_path / "mcp_servers.toml"
    path.write_text(SERVERS)
    return path


def _no_leak(text: str) -> None:
    for secret in LEAKS:
        assert secret not in text, secret


async def test_a_shopper_cannot_manage_or_inspect_mcp_servers_in_dev_mode(
    app_factory: AppFactory, servers_file: Path, data_dir: Path
) -> None:
    async with app_factory(mcp_servers_file=servers_file, admin_users=["boss"]) as app, client(app) as http:
        shopper = {"user-id": "anyone"}
        for method, path in MANAGEMENT:
            response = await http.request(method, path, headers=shopper)
            assert response.status_code == 403, (method, path, response.text)
            assert "admin" in response.json()["message"]
        # the disabled server stayed disabled
        assert "enabled = false" in await asyncio.to_thread(servers_file.read_text)

        listing = await http.get("/api/mcp/servers", headers=shopper)
        assert listing.status_code == 200
        body = listing.json()
        assert body["redacted"] is True
        assert {s["name"] for s in body["servers"]} == {"inventory", "weather"}
        assert all(set(s) == {"name", "state", "tools_count"} for s in body["servers"])
        _no_leak(listing.text)

        info = await http.get("/api/mcp", headers=shopper)
        assert info.status_code == 200 and info.json()["stdio"] is None and info.json()["manager"] is False
        assert str(await asyncio.to_thread(data_dir.resolve)) not in info.text


async def test_a_listed_admin_is_admin_only_from_loopback_in_dev_mode(
    app_factory: AppFactory, servers_file: Path, data_dir: Path
) -> None:
    async with app_factory(mcp_servers_file=servers_file, admin_users=["boss"]) as app:
        async with client(app) as local:
            me = await local.get("/api/me", headers={"user-id": "boss"})
            assert me.json()["role"] == "admin"
            details = await local.get("/api/mcp/servers/inventory", headers={"user-id": "boss"})
            assert details.status_code == 200 and details.json()["target"].startswith(STDIO_COMMAND)
            info = await local.get("/api/mcp", headers={"user-id": "boss"})
            resolved = await asyncio.to_thread(data_dir.resolve)
            assert info.json()["stdio"]["env"]["AYA_DATA_DIR"] == str(resolved)
        async with client(app, ip="203.0.113.9") as remote:
            me = await remote.get("/api/me", headers={"user-id": "boss"})
            assert me.json()["role"] == "shopper"
            refused = await remote.post("/api/mcp/servers/weather/enable", headers={"user-id": "boss"})
            assert refused.status_code == 403
            _no_leak((await remote.get("/api/mcp/servers", headers={"user-id": "boss"})).text)


async def test_token_mode_roles_come_from_the_token_or_the_lists_never_from_a_new_session(
    app_factory: AppFactory, servers_file: Path
) -> None:
    async with (
        app_factory(
            mcp_servers_file=servers_file, auth_mode="token", secret_key=SECRET, staff_users=["usr_staff"]
        ) as app,
        client(app, ip="198.51.100.7") as http,
    ):
        minted = await http.post("/api/session", json={"username": "Mallory"})
        token = minted.json()["token"]
        shopper = {"authorization": f"Bearer {token}"}
        assert (await http.get("/api/me", headers=shopper)).json()["role"] == "shopper"
        assert (await http.post("/api/mcp/servers/weather/enable", headers=shopper)).status_code == 403

        settings = app.state.settings
        admin = {"authorization": f"Bearer {mint_token(settings, 'usr_admin', role='admin')}"}
        assert (await http.get("/api/me", headers=admin)).json()["role"] == "admin"
        assert (await http.get("/api/mcp/servers/inventory", headers=admin)).status_code == 200

        staff = {"authorization": f"Bearer {mint_token(settings, 'usr_staff')}"}
        assert (await http.get("/api/me", headers=staff)).json()["role"] == "staff"
        assert (await http.post("/api/mcp/servers/reload", headers=staff)).status_code == 403

        forged = mint_token(settings, "usr_x")
        tampered = forged[:-2] + ("AA" if not forged.endswith("AA") else "BB")
        assert (await http.get("/api/me", headers={"authorization": f"Bearer {tampered}"})).status_code == 401


async def test_the_mcp_token_is_still_required_of_admins_when_set(app_factory: AppFactory, servers_file: Path) -> None:
    token = "mcp-token-0123456789"
    async with app_factory(mcp_servers_file=servers_file, admin_users=["boss"], mcp_token=token) as app:
        async with client(app) as http:
            boss = {"user-id": "boss"}
            assert (await http.post("/api/mcp/servers/reload", headers=boss)).status_code == 403
            ok = await http.post("/api/mcp/servers/reload", headers={**boss, "x-aya-mcp-token": token})
            assert ok.status_code == 200


async def test_show_my_mcp_servers_in_chat_is_redacted_for_shoppers(tmp_path: Path, servers_file: Path) -> None:
    """Finding 3, through the real assistant (offline model) and the list_mcp_servers tool, over real HTTP."""
    import httpx
    from tests.mcp.conftest import _build_catalog, _serve_http

    from .conftest import make_settings, thread_create

    data = tmp_path / "catalog"
    data.mkdir()
    await _build_catalog(data)
    app = create_app(make_settings(data, mcp_servers_file=servers_file, admin_users=["boss"]))
    async with _serve_http(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as http:
        await app.state.resources.extras["mcp_registry"].wait_settled()

        async def ask(user: str) -> str:
            response = await http.post("/chatkit", json=thread_create("Show my MCP servers"), headers={"user-id": user})
            assert response.status_code == 200
            events = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]
            widgets = [
                e["item"] for e in events if e.get("type") == "thread.item.done" and e["item"]["type"] == "widget"
            ]
            assert len(widgets) == 1
            return response.text

        shopper_view = await ask("shopper-1")
        _no_leak(shopper_view)
        assert "inventory" in shopper_view and "weather" in shopper_view
        admin_view = await ask("boss")  # 127.0.0.1: loopback
        assert STDIO_COMMAND in admin_view


def test_aya_token_mints_a_role_claim(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from aya.cli.main import app
    from aya.web.auth import read_token

    from .conftest import make_settings

    monkeypatch.setenv("AYA_AUTH_MODE", "token")
    monkeypatch.setenv("AYA_SECRET_KEY", SECRET)
    monkeypatch.setenv("AYA_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["token", "usr_ops", "--role", "admin"])
    assert result.exit_code == 0, result.output
    settings = make_settings(tmp_path, auth_mode="token", secret_key=SECRET)
    context = read_token(settings, result.output.strip())
    assert context.user_id == "usr_ops" and context.role == "admin"
    refused = CliRunner().invoke(app, ["token", "usr_ops", "--role", "root"])
    assert refused.exit_code == 2
