"""The OpenAI Responses path against recorded exchanges: the real ``openai`` client and Agents SDK behind the real
ChatKit server and app, with only the HTTP answers of ``/v1/responses`` replayed (``tests/fixtures``).

- The continuity rule across typed, voice and card-action turns: ``previous_response_id`` is sent only when the model
  has seen everything since that response; otherwise the request carries the stored history.
- A stored response OpenAI no longer has (its documented 400 ``previous_response_not_found``) is forgotten and the turn
  rerun from history, once, automatically.
- Every documented failure (401, 403, 429 rate limit and quota, 5xx, timeout, context length) becomes a readable
  error event with retry offered only where it can help; the key and OpenAI's message never reach a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from agents.models.openai_responses import OpenAIResponsesModel
from fastapi import FastAPI
from pydantic import SecretStr
from tests.fixtures.openai_responses import RecordedResponses, error, text, timeout, tool_call

from aya.core.openai_api import MAX_RETRIES, openai_client
from aya.shop.assistant import ShopAssistant

from .chatclient import ShopChat

KEY = "sk-test-continuity-key-1234"


@pytest.fixture
def recorded(shop_app: FastAPI) -> Iterator[RecordedResponses]:
    """Aya with the OpenAI Responses model, its HTTP answered from a queue of recorded exchanges."""
    resources = shop_app.state.resources
    server = resources.extras["chat_server"]
    original = server.assistant
    settings = resources.settings.model_copy(update={"model_provider": "openai", "openai_api_key": SecretStr(KEY)})
    replay = RecordedResponses()
    client = openai_client(settings, http_client=httpx.AsyncClient(transport=replay.transport()))
    model = OpenAIResponsesModel(model=settings.model, openai_client=client)
    server.assistant = ShopAssistant(settings, resources.search, model=model, responses_api=True)
    yield replay
    server.assistant = original
    assert not replay.answers, f"{len(replay.answers)} recorded answer(s) never asked for"


async def _voice(http: httpx.AsyncClient, chat: ShopChat, role: str, words: str) -> None:
    response = await http.post(
        "/voice/realtime/items",
        headers=chat.headers,
        json={"thread_id": chat.thread_id, "role": role, "text": words},
    )
    assert response.status_code == 200, response.text


async def _metadata(shop_app: FastAPI, chat: ShopChat) -> dict[str, Any]:
    server = shop_app.state.resources.extras["chat_server"]
    from aya.core.context import RequestContext

    thread = await server.store.load_thread(chat.thread_id, RequestContext(user_id=chat.user))
    return dict(thread.metadata)


@pytest.mark.asyncio(loop_scope="module")
async def test_continuity_across_typed_voice_and_action_turns(
    shop_app: FastAPI, shop_http: httpx.AsyncClient, recorded: RecordedResponses
) -> None:
    chat = ShopChat(shop_http, user="continuity-1")

    # 1. A first message: no response to continue from; the request asks for truncation="auto".
    recorded.queue(text("resp_1", "Hi! Is it for a dog or a cat?"))
    assert (await chat.say("I need food for my pet")).text == "Hi! Is it for a dog or a cat?"
    first = recorded.requests[-1]
    assert "previous_response_id" not in first and first["truncation"] == "auto"
    assert recorded.sent_texts() == ["I need food for my pet"]

    # 2. Typed right after: the model has seen everything, the message goes alone with the stored id.
    recorded.queue(text("resp_2", "How old is your cat?"))
    await chat.say("A cat")
    assert recorded.requests[-1]["previous_response_id"] == "resp_1"
    assert recorded.sent_texts() == ["A cat"]

    # 3. A voice exchange is saved into the thread; the next typed message carries the history, voice included.
    await _voice(shop_http, chat, "user", "she is twelve and has kidney trouble")
    await _voice(shop_http, chat, "assistant", "I'll look for senior kidney support food.")
    recorded.queue(text("resp_3", "Any budget?"))
    await chat.say("Under 40 dollars please")
    third = recorded.requests[-1]
    assert "previous_response_id" not in third
    sent = recorded.sent_texts()
    assert sent[-3:] == ["she is twelve and has kidney trouble", "I'll look for senior kidney support food.",
                         "Under 40 dollars please"]  # fmt: skip
    assert "I need food for my pet" in sent[0]

    # 4. And the turn after that continues again.
    recorded.queue(text("resp_4", "Wet or dry?"))
    await chat.say("Anything works")
    assert recorded.requests[-1]["previous_response_id"] == "resp_3"

    # 5. A tool call inside one turn: the SDK chains its own second request.
    args = {"query": "kidney", "species": "cat", "life_stage": "senior", "k": 3}
    recorded.queue(
        tool_call("resp_5a", "search_products", args, call_id="call_5"),
        text("resp_5", "Here are three picks."),
    )
    picks = await chat.say("Show me some")
    assert not picks.errors and picks.widget_kind == "products", picks.errors
    assert recorded.requests[-2]["previous_response_id"] == "resp_4"
    assert recorded.requests[-1]["previous_response_id"] == "resp_5a"
    assert (await _metadata(shop_app, chat))["previous_response_id"] == "resp_5"

    # 6. A card action adds a details card and a message without the model: the next message rebuilds history.
    details = await chat.act("aya.details", {"product_id": picks.product_ids[0]}, item_id=picks.widget_item_ids[0])
    assert details.widget_kind == "details" and not details.errors
    recorded.queue(text("resp_6", "Yes, it is grain free."))
    await chat.say("Is that one grain free?")
    after_action = recorded.requests[-1]
    assert "previous_response_id" not in after_action
    assert any(picks.product_ids[0] in t for t in recorded.sent_texts())  # the details card's copy text

    # 7. Retrying the last message removes the answer the stored response covers: history again.
    items = await shop_http.post(
        "/chatkit",
        headers=chat.headers,
        json={"type": "items.list", "params": {"thread_id": chat.thread_id, "order": "desc", "limit": 5}},
    )
    last_user = next(i for i in items.json()["data"] if i["type"] == "user_message")
    recorded.queue(text("resp_7", "It is grain free."))
    retried = await chat.request(
        {"type": "threads.retry_after_item", "params": {"thread_id": chat.thread_id, "item_id": last_user["id"]}}
    )
    assert not retried.errors and retried.text == "It is grain free."
    assert "previous_response_id" not in recorded.requests[-1]
    recorded.queue(text("resp_8", "You're welcome!"))
    await chat.say("Thanks")
    assert recorded.requests[-1]["previous_response_id"] == "resp_7"


@pytest.mark.asyncio(loop_scope="module")
async def test_an_expired_stored_response_is_forgotten_and_the_turn_rerun_from_history(
    shop_app: FastAPI, shop_http: httpx.AsyncClient, recorded: RecordedResponses, caplog: pytest.LogCaptureFixture
) -> None:
    chat = ShopChat(shop_http, user="continuity-2")
    recorded.queue(text("resp_expired_0001", "Hello! Dog or cat?"))
    await chat.say("hello")
    # OpenAI no longer has resp_expired_0001 (retention, or no stored responses): its documented 400 ...
    recorded.queue(error("previous_response_not_found"), text("resp_10", "Great, a dog. How old?"))
    with caplog.at_level(logging.INFO, logger="aya"):
        reply = await chat.say("a dog")
    # ... and the turn was rerun from the stored history, once, with no error shown.
    assert not reply.errors and reply.text == "Great, a dog. How old?"
    failed, rerun = recorded.requests[-2:]
    assert failed["previous_response_id"] == "resp_expired_0001"
    assert "previous_response_id" not in rerun and recorded.sent_texts() == ["hello", "Hello! Dog or cat?", "a dog"]
    assert (await _metadata(shop_app, chat))["previous_response_id"] == "resp_10"
    assert "HTTP 400 previous_response_not_found (request req_400_prev)" in caplog.text
    # The next message continues from the new response.
    recorded.queue(text("resp_11", "Noted."))
    await chat.say("two years")
    assert recorded.requests[-1]["previous_response_id"] == "resp_10"


@pytest.mark.asyncio(loop_scope="module")
async def test_a_rerun_is_attempted_once_only(shop_http: httpx.AsyncClient, recorded: RecordedResponses) -> None:
    chat = ShopChat(shop_http, user="continuity-3")
    recorded.queue(text("resp_20", "Hello!"))
    await chat.say("hello")
    recorded.queue(error("previous_response_not_found"), *[error("server_error")] * (MAX_RETRIES + 1))
    reply = await chat.say("a cat")
    assert len(reply.errors) == 1 and reply.errors[0].allow_retry
    assert reply.errors[0].message == "Aya's AI service is having trouble right now. Please try again in a moment."
    assert len(recorded.requests) == 1 + 1 + MAX_RETRIES + 1  # hello; the lost id; the rerun and its retries
    # the failed turn left the user's message unanswered: the next one rebuilds from history
    recorded.queue(text("resp_21", "Back again."))
    assert (await chat.say("still there?")).text == "Back again."
    assert "previous_response_id" not in recorded.requests[-1]
    assert recorded.sent_texts()[-2:] == ["a cat", "still there?"]


CASES = [
    # (recorded failure, attempts the SDK makes, the message the shopper reads, retry offered)
    ("invalid_api_key", 1, "refused the store's API key", False),
    ("unsupported_region", 1, "not allowed to use this service", False),
    ("insufficient_quota", MAX_RETRIES + 1, "run out of credit", False),
    ("rate_limit_exceeded", MAX_RETRIES + 1, "very busy right now", True),
    ("server_error", MAX_RETRIES + 1, "having trouble right now", True),
    ("overloaded", MAX_RETRIES + 1, "having trouble right now", True),
    ("context_length_exceeded", 1, "grown too long", False),
    ("timeout", MAX_RETRIES + 1, "did not answer in time", True),
]


@pytest.mark.parametrize(("failure", "attempts", "says", "retry"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.asyncio(loop_scope="module")
async def test_openai_failures_become_readable_errors(
    shop_http: httpx.AsyncClient,
    recorded: RecordedResponses,
    caplog: pytest.LogCaptureFixture,
    failure: str,
    attempts: int,
    says: str,
    retry: bool,
) -> None:
    chat = ShopChat(shop_http, user=f"failure-{failure}")
    answer = timeout() if failure == "timeout" else error(failure)
    recorded.queue(*[answer] * attempts)
    with caplog.at_level(logging.DEBUG):
        reply = await chat.say("grain free food for my senior cat")
    assert len(recorded.requests) == attempts
    assert len(reply.errors) == 1 and reply.errors[0].code == "custom", reply.errors
    assert says in reply.errors[0].message and reply.errors[0].allow_retry is retry
    # The log says what failed (type, status, code), never the key nor OpenAI's message (it may quote the key).
    logged = caplog.text
    assert "OpenAI failed a turn" in logged
    assert KEY not in logged and "sk-test-****" not in logged and "Incorrect API key" not in logged
    # The thread stays usable: the next message gets an answer from the rebuilt history.
    recorded.queue(text("resp_ok", "Here I am."))
    assert (await chat.say("hello?")).text == "Here I am."
    assert "previous_response_id" not in recorded.requests[-1]
