"""Finding 7: malformed input is a 400 naming the problem, never a 500 or a traceback, and changes nothing stored
(a lone surrogate in a message must not leave an empty thread behind)."""

from __future__ import annotations

import json

import httpx
import pytest

from aya.web.jsoncheck import check_json_body, nesting_depth

from .conftest import AppFactory, client, thread_create

USER = {"user-id": "fuzz-1"}
DEEP = b"[" * 100_000
BIG_INT = b'{"type": "threads.list", "params": {"limit": ' + b"9" * 5000 + b"}}"
BODIES: list[tuple[str, bytes, str]] = [
    ("deep arrays", DEEP, "nested"),
    ("deep objects", b'{"a":' * 20_000 + b"1" + b"}" * 20_000, "nested"),
    ("5,000-digit integer", BIG_INT, "5000 characters"),
    ("300,000 tiny arrays", b"[" + b"[]," * 300_000 + b"[]]", "arrays and objects"),
    ("huge float", b'{"k": 1e999}', "out of range"),
    ("NaN", b'{"k": NaN}', "NaN"),
    ("invalid UTF-8", b'{"type": "threads.list", "params": {"x": "\xc3\x28"}}', "UTF-8"),
    ("latin-1 body", '{"text": "café"}'.encode("latin-1"), "UTF-8"),
    ("raw null byte", b'{"type": "threads.list",\x00 "params": {}}', "null byte"),
    ("escaped null", b'{"type": "threads.list", "params": {"after": "a\\u0000b"}}', "null character"),
    ("lone surrogate", json.dumps(thread_create("hi \ud800 there")).encode("utf-8", "surrogatepass"), "surrogate"),
]


def _no_traceback(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text


@pytest.mark.parametrize(
    "path", ["/chatkit", "/api/tools/search_products", "/api/session", "/api/search", "/voice/realtime/items", "/mcp"]
)
async def test_malformed_json_is_a_400_naming_the_problem(app_factory: AppFactory, path: str) -> None:
    async with app_factory() as app, client(app) as http:
        for name, body, needle in BODIES:
            response = await http.post(path, content=body, headers={**USER, "content-type": "application/json"})
            _no_traceback(response)
            assert response.status_code == 400, (name, response.text)
            assert needle in response.json()["message"], (name, response.json())
        listed = await http.post("/chatkit", json={"type": "threads.list", "params": {}}, headers=USER)
        assert listed.json()["data"] == []  # nothing stored: no empty thread either


async def test_a_lone_surrogate_in_a_message_leaves_no_thread(app_factory: AppFactory) -> None:
    async with app_factory() as app, client(app) as http:
        text = json.dumps(thread_create("\udc00")).replace("\\udc00", "\\udc00")
        response = await http.post("/chatkit", content=text.encode(), headers=USER)
        assert response.status_code == 400 and "params.input.content.0.text" in response.json()["message"]
        ok = await http.post("/chatkit", json=thread_create("a real emoji 🐶 is fine"), headers=USER)
        assert ok.status_code == 200
        listed = await http.post("/chatkit", json={"type": "threads.list", "params": {}}, headers=USER)
        assert len(listed.json()["data"]) == 1


@pytest.mark.parametrize("path", ["/%00", "/api/products/%00", "/assets/a%00.js", "/api/me?x=%00", "/chatkit%00"])
async def test_null_bytes_in_urls_are_a_400(app_factory: AppFactory, path: str) -> None:
    async with app_factory() as app, client(app) as http:
        response = await http.get(path, headers=USER)
        _no_traceback(response)
        assert response.status_code == 400 and "null character" in response.json()["message"]


@pytest.mark.parametrize(
    "path", ["/%ff%fe", "/api/products/%ed%a0%80", "/..%2f..%2fetc%2fpasswd", "/api/attachments/..%2f..%2fx"]
)
async def test_odd_paths_never_fail(app_factory: AppFactory, path: str) -> None:
    async with app_factory() as app, client(app) as http:
        response = await http.get(path, headers=USER)
        _no_traceback(response)
        assert response.status_code in (200, 400, 404)


async def test_valid_json_passes_untouched(app_factory: AppFactory) -> None:
    async with app_factory() as app, client(app) as http:
        deep_ok = {"type": "threads.list", "params": {"limit": 5}}
        response = await http.post("/chatkit", json=deep_ok, headers=USER)
        assert response.status_code == 200


def test_nesting_depth_ignores_brackets_inside_strings() -> None:
    assert nesting_depth(b'{"a": "[[[[[[[[", "b": [1, [2]]}') == 3
    assert nesting_depth(b'"\\"[[[["') == 0
    assert nesting_depth(DEEP) == 100_000
    assert check_json_body(b"not json", max_depth=8, max_number_chars=20) is None
    # escaped characters outside the BMP (json.dumps' default) are whole characters, not lone surrogates
    assert check_json_body(json.dumps({"t": "🐶"}).encode(), max_depth=8, max_number_chars=20) == {"t": "🐶"}
