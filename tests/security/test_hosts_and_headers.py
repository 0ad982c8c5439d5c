"""Findings 2 and 10: the whole app answers only its own host names (DNS rebinding), refuses state changes from other
origins, and sends a strict CSP with frame-ancestors, nosniff and a referrer policy on every answer."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from aya.web.app import create_app

from .conftest import AppFactory, client, make_settings, thread_create


@pytest.mark.parametrize("path", ["/", "/api/config", "/api/me", "/api/mcp/servers", "/healthz"])
async def test_a_foreign_host_is_refused_everywhere(app_factory: AppFactory, path: str) -> None:
    async with app_factory() as app, client(app) as http:
        response = await http.get(path, headers={"host": "attacker.example", "user-id": "u1"})
        assert response.status_code == 421
        assert response.json()["error"] == "misdirected_request" and "AYA_ALLOWED_HOSTS" in response.json()["message"]
        rebinding = await http.post(
            "/api/mcp/servers/reload", headers={"host": "rebind.attacker.example:8000", "user-id": "u1"}
        )
        assert rebinding.status_code == 421


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:9999", "[::1]:8000", "localhost", "[::1]"])
async def test_the_localhost_forms_are_served(app_factory: AppFactory, host: str) -> None:
    async with app_factory() as app, client(app) as http:
        assert (await http.get("/healthz", headers={"host": host})).status_code == 200


async def test_allowed_hosts_setting_and_wildcards(app_factory: AppFactory) -> None:
    async with app_factory(allowed_hosts=["shop.example.com", "*.store.example"]) as app, client(app) as http:
        assert (await http.get("/healthz", headers={"host": "shop.example.com"})).status_code == 200
        assert (await http.get("/healthz", headers={"host": "eu.store.example:443"})).status_code == 200
        assert (await http.get("/healthz", headers={"host": "localhost:8000"})).status_code == 421
        assert (await http.get("/healthz", headers={"host": "store.example.evil"})).status_code == 421


def test_a_websocket_with_a_foreign_host_is_refused(data_dir) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(data_dir))
    with TestClient(app, base_url="http://localhost:8000") as http:
        with pytest.raises(WebSocketDisconnect) as refused:
            with http.websocket_connect("/voice/ws?user_id=u1", headers={"host": "attacker.example"}):
                pass
        assert refused.value.code == 4421


async def test_state_changes_from_another_origin_are_refused(app_factory: AppFactory) -> None:
    async with app_factory() as app, client(app) as http:
        user = {"user-id": "u1"}
        foreign = await http.post(
            "/chatkit", json=thread_create("hi"), headers={**user, "origin": "https://attacker.example"}
        )
        assert foreign.status_code == 403 and "origin" in foreign.json()["message"]
        null = await http.post("/api/mcp/servers/reload", headers={**user, "origin": "null"})
        assert null.status_code == 403
        listed = await http.post("/chatkit", json={"type": "threads.list", "params": {}}, headers=user)
        assert listed.json()["data"] == []  # the refused request stored nothing

        same = await http.post(
            "/chatkit", json={"type": "threads.list", "params": {}}, headers={**user, "origin": "http://localhost:8000"}
        )
        assert same.status_code == 200
        cors = await http.post(
            "/chatkit", json={"type": "threads.list", "params": {}}, headers={**user, "origin": "http://localhost:5173"}
        )
        assert cors.status_code == 200
        reading = await http.get("/api/me", headers={**user, "origin": "https://attacker.example"})
        assert reading.status_code == 200  # reads are CORS's business: no Access-Control-Allow-Origin for it
        assert "access-control-allow-origin" not in reading.headers


@pytest.mark.parametrize("path", ["/", "/api/config", "/healthz", "/no/such/file.js", "/api/me"])
async def test_security_headers_on_every_answer(app_factory: AppFactory, path: str) -> None:
    async with app_factory() as app, client(app) as http:
        response = await http.get(path)
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp
        assert "img-src 'self' data: blob:" in csp and "https://" not in csp.split("img-src")[1].split(";")[0]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-frame-options"] == "DENY"


async def test_image_hosts_are_the_only_remote_images_the_csp_allows(app_factory: AppFactory) -> None:
    async with app_factory(image_hosts=["images.shop.example"]) as app, client(app) as http:
        response = await http.get("/api/config")
        img_src = response.headers["content-security-policy"].split("img-src")[1].split(";")[0]
        assert img_src.split() == ["'self'", "data:", "blob:", "https://images.shop.example"]
        assert response.json()["images"] == {"allowed_hosts": ["images.shop.example"]}
