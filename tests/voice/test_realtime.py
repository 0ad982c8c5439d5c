"""The Realtime path against a local stand-in for OpenAI: the key stays on the server, the session config is complete,
minting is authenticated and rate-limited, and the tools endpoint validates every call."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from aya.core.settings import Settings
from aya.shop.knowledge_tools import KNOWLEDGE_TOOLS
from aya.shop.tools import TOOLS
from aya.web.app import create_app

from .standin_openai import EPHEMERAL_SECRET, StandIn, openai_standin

API_KEY = "sk-test-never-leaves-the-server-7f3a9c"
USER = {"user-id": "shopper-1", "username": "Dana"}


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with openai_standin() as state:
        yield state


def _settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(  # type: ignore[call-arg]
        data_dir=data_dir,
        _env_file=None,
        model_provider="offline",
        **overrides,
    )


@pytest.fixture
def client(standin: StandIn, catalog_settings: Settings) -> Iterator[TestClient]:
    settings = _settings(
        catalog_settings.data_dir, openai_api_key=SecretStr(API_KEY), openai_base_url=standin.url, voice_mode="auto"
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_standin_mint_sends_full_session_config_and_never_returns_the_key(
    client: TestClient, standin: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config = client.get("/voice/config").json()
    assert config["mode"] == "realtime" and API_KEY not in str(config)

    response = client.post("/voice/realtime/session", headers=USER)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["client_secret"] == EPHEMERAL_SECRET
    assert API_KEY not in response.text and "sk-" not in response.text
    assert {t["name"] for t in body["tools"]} == set(TOOLS) | set(KNOWLEDGE_TOOLS)
    # What reached "OpenAI": the key as a bearer token, and the whole session configuration.
    (request,) = standin.requests
    assert request["headers"]["authorization"] == f"Bearer {API_KEY}"
    sent = request["json"]
    assert 10 <= sent["expires_after"]["seconds"] <= 600 and sent["expires_after"]["anchor"] == "created_at"
    session = sent["session"]
    assert session["type"] == "realtime" and session["model"] == "gpt-realtime"
    assert session["audio"]["output"]["voice"] == "marin"
    assert "Dana" in session["instructions"]
    turn = session["audio"]["input"]["turn_detection"]
    assert turn == {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 700,
        "create_response": True,
        "interrupt_response": True,
    }
    assert session["audio"]["input"]["transcription"]["model"]
    for tool in session["tools"]:
        params = tool["parameters"]
        assert tool["type"] == "function" and tool["description"]
        assert params["additionalProperties"] is False and set(params["required"]) == set(params["properties"])
    assert body["expires_at"] <= int(__import__("time").time()) + 600
    # And no log line, at any level, carries the key.
    assert all(API_KEY not in record.getMessage() for record in caplog.records)


def test_standin_settings_drive_turn_detection(standin: StandIn, data_dir: Path) -> None:
    settings = _settings(
        data_dir,
        openai_api_key=SecretStr(API_KEY),
        openai_base_url=standin.url,
        realtime_vad_threshold=0.7,
        realtime_prefix_padding_ms=200,
        realtime_silence_ms=900,
        realtime_voice="cedar",
    )
    with TestClient(create_app(settings)) as client:
        assert client.post("/voice/realtime/session", headers=USER).status_code == 200
    session = standin.requests[0]["json"]["session"]
    turn = session["audio"]["input"]["turn_detection"]
    assert (turn["threshold"], turn["prefix_padding_ms"], turn["silence_duration_ms"]) == (0.7, 200, 900)
    assert session["audio"]["output"]["voice"] == "cedar"


def test_minting_needs_identity_and_is_rate_limited(client: TestClient, standin: StandIn) -> None:
    assert client.post("/voice/realtime/session").status_code == 401
    codes = [client.post("/voice/realtime/session", headers=USER).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    # Another shopper is not affected.
    assert client.post("/voice/realtime/session", headers={"user-id": "shopper-2"}).status_code == 200
    assert len(standin.requests) == 6


def test_standin_failure_is_a_502_without_the_key(client: TestClient, standin: StandIn) -> None:
    standin.fail_with = 500
    response = client.post("/voice/realtime/session", headers=USER)
    assert response.status_code == 502
    assert API_KEY not in response.text and "HTTP 500" in response.json()["message"]


def test_no_key_means_offline_and_no_minting(data_dir: Path) -> None:
    with TestClient(create_app(_settings(data_dir))) as client:
        assert client.get("/voice/config").json()["mode"] == "offline"
        response = client.post("/voice/realtime/session", headers=USER)
    assert response.status_code == 503 and "OPENAI_API_KEY" in response.json()["message"]


# --- POST /api/tools/{name} ------------------------------------------------------------------------------------


def test_tool_call_runs_the_shop_tool(client: TestClient) -> None:
    response = client.post(
        "/api/tools/search_products",
        headers=USER,
        json={"query": None, "species": "cat", "life_stage": "senior", "special_features": ["grain_free"], "k": 3},
    )
    assert response.status_code == 200, response.text
    products = response.json()["products"]
    assert products and all(p["species"] == "cat" for p in products)


def test_every_tool_schema_accepts_its_all_null_call(client: TestClient) -> None:
    """A strict-schema call with every optional argument null is valid for the endpoint (null = the default)."""
    from aya.voice.toolschema import realtime_tools

    tool = next(t for t in realtime_tools() if t["name"] == "search_products")
    arguments = {name: None for name in tool["parameters"]["properties"]}
    response = client.post("/api/tools/search_products", headers=USER, json=arguments)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"species": "fish"}, "species"),
        ({"k": 500}, "k"),
        ({"colour": "blue"}, "colour"),
        ({"special_features": ["crunchy"]}, "special_features.0"),
    ],
)
def test_bad_tool_arguments_are_422_naming_the_field(client: TestClient, arguments: dict, field: str) -> None:
    response = client.post("/api/tools/search_products", headers=USER, json=arguments)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field and field in response.json()["message"]


def test_unknown_tool_is_404_and_anonymous_is_401(client: TestClient) -> None:
    response = client.post("/api/tools/delete_everything", headers=USER, json={})
    assert response.status_code == 404 and "search_products" in response.json()["message"]
    assert client.post("/api/tools/search_products", json={}).status_code == 401


def test_tool_body_must_be_a_json_object(client: TestClient) -> None:
    response = client.post("/api/tools/search_products", headers=USER, content=b"[1, 2]")
    assert response.status_code == 400 and response.json()["field"] == "body"
    response = client.post("/api/tools/search_products", headers=USER, content=b"{oops")
    assert response.status_code == 400


# --- Realtime transcripts into the ChatKit thread ----------------------------------------------------------------


def _items(client: TestClient, thread_id: str, headers: dict[str, str]) -> list[dict]:
    body = {"type": "items.list", "params": {"thread_id": thread_id, "limit": 20, "order": "asc"}}
    response = client.post("/chatkit", headers=headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def test_realtime_transcripts_are_saved_in_the_shoppers_thread(client: TestClient) -> None:
    first = client.post("/voice/realtime/items", headers=USER, json={"role": "user", "text": "food for my old cat"})
    assert first.status_code == 200, first.text
    thread_id = first.json()["thread_id"]
    answer = {"thread_id": thread_id, "role": "assistant", "text": "Here are three senior cat foods."}
    assert client.post("/voice/realtime/items", headers=USER, json=answer).json() == {"thread_id": thread_id}

    items = _items(client, thread_id, USER)
    assert [(i["type"], i["content"][0]["text"]) for i in items] == [
        ("user_message", "food for my old cat"),
        ("assistant_message", "Here are three senior cat foods."),
    ]
    # The thread is listed for its owner (the Text tab's history) and titled by the first words.
    threads = client.post("/chatkit", headers=USER, json={"type": "threads.list", "params": {"limit": 10}}).json()
    assert any(t["id"] == thread_id and t["title"] == "food for my old cat" for t in threads["data"])


def test_realtime_transcripts_are_validated_and_scoped_to_the_user(client: TestClient) -> None:
    thread_id = client.post("/voice/realtime/items", headers=USER, json={"role": "user", "text": "hi"}).json()[
        "thread_id"
    ]
    other = {"user-id": "someone-else"}
    response = client.post(
        "/voice/realtime/items", headers=other, json={"thread_id": thread_id, "role": "user", "text": "mine now"}
    )
    assert response.status_code == 404 and response.json()["field"] == "thread_id"
    response = client.post("/voice/realtime/items", headers=USER, json={"role": "system", "text": "x"})
    assert response.status_code == 422 and "role" in response.json()["message"]
    response = client.post("/voice/realtime/items", headers=USER, json={"role": "user", "text": ""})
    assert response.status_code == 422 and "text" in response.json()["message"]
    assert client.post("/voice/realtime/items", json={"role": "user", "text": "anon"}).status_code == 401
    assert len(_items(client, thread_id, USER)) == 1  # nothing was lost or added by the bad calls
