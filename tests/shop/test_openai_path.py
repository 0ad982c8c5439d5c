"""The hosted-model path with a scripted fake of the OpenAI model (``agents.testing.ScriptedModel``) behind the real
ChatKit server: tool calls become progress updates, widgets and messages; the thread state reaches the model's
instructions; with the Responses API the next turn continues from ``previous_response_id``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from agents.strict_schema import ensure_strict_json_schema
from agents.testing import ModelCall, ModelStep, ScriptedModel, assistant_message, function_call
from fastapi import FastAPI

from aya.shop.agent import build_tools
from aya.shop.assistant import ShopAssistant

from .chatclient import ShopChat


@pytest.fixture
def use_model(shop_app: FastAPI) -> Iterator[Any]:
    """Swap the chat server's assistant for one driven by a given (scripted) model; restore it afterwards."""
    server = shop_app.state.resources.extras["chat_server"]
    original = server.assistant

    def install(model: Any, *, responses_api: bool) -> None:
        resources = shop_app.state.resources
        server.assistant = ShopAssistant(resources.settings, resources.search, model=model, responses_api=responses_api)

    yield install
    server.assistant = original


def _tool_output(call: ModelCall) -> dict[str, Any]:
    outputs = [i for i in call.input if isinstance(i, dict) and i.get("type") == "function_call_output"]
    assert outputs, "the tool's output must be in the model input"
    return json.loads(outputs[-1]["output"])  # type: ignore[no-any-return]


def _shown_ids(instructions: str | None) -> list[str]:
    """The ids of the products shown, as the state's structured context lists them ("1. [id] title ...")."""
    return re.findall(r"^\d+\. \[([^\]]+)\]", instructions or "", re.MULTILINE)


@pytest.mark.asyncio(loop_scope="module")
async def test_scripted_responses_model_tool_calls_become_widgets_and_messages(
    shop_http: httpx.AsyncClient, use_model: Any
) -> None:
    profile = {
        "name": "Milo", "species": "cat", "age_years": None, "life_stage": None, "breed": None, "breed_size": None,
        "conditions": [], "food_types": [], "features": [], "budget_max": None,
        "avoid_ingredients": ["chicken"], "brands": [],
    }  # fmt: skip

    def answer_from_tool(call: ModelCall) -> Any:
        picks = _tool_output(call)["picks"]
        return ModelStep(output=[assistant_message(f"For Milo I'd start with {picks[0]['product']['title']}.")],
                         response_id="resp_turn1")  # fmt: skip

    def compare_first_two(call: ModelCall) -> Any:
        ids = _shown_ids(call.system_instructions)[:2]
        return ModelStep(output=[function_call("compare_products", {"product_ids": ids}, call_id="call_2")],
                         response_id="resp_turn2a")  # fmt: skip

    def sum_up(call: ModelCall) -> Any:
        return [assistant_message("Here is the comparison: " + " | ".join(_tool_output(call)["highlights"]))]

    model = ScriptedModel(
        [
            ModelStep(
                output=[
                    function_call(
                        "get_recommendations",
                        {"profile": profile, "query": "", "sort": "relevance", "k": 3, "exclude_ids": []},
                        call_id="call_1",
                    )
                ],
                response_id="resp_turn1a",
            ),
            ModelStep.respond(answer_from_tool),
            ModelStep.respond(compare_first_two),
            ModelStep.respond(sum_up),
        ]
    )
    use_model(model, responses_api=True)
    chat = ShopChat(shop_http, user="scripted-1", username="Sam")

    first = await chat.say("My 12 year old cat Milo has kidney problems and can't have chicken")
    assert not first.errors
    assert first.progress and first.progress[0].startswith("Searching") and "without chicken" in first.progress[0]
    assert first.widget_kind == "products"
    shown = first.product_ids
    assert 1 <= len(shown) <= 3
    assert "For Milo I'd start with" in first.text
    assert first.text.endswith(".") and shown  # the message was written from the tool's output

    second = await chat.say("compare the first two")
    assert not second.errors
    assert second.widget_kind == "comparison" and second.product_ids == shown[:2]
    assert second.text.startswith("Here is the comparison: Cheapest:")

    calls = model.calls
    model.assert_complete()
    assert {t.name for t in calls[0].tools} >= {"search_products", "get_recommendations", "compare_products"}
    assert "Hi there! I'm Aya" in (calls[0].system_instructions or "")
    # The thread state (profile, products shown) reaches the model's instructions on the next turn ...
    instructions = calls[2].system_instructions or ""
    assert _shown_ids(instructions) == shown and "Active pet: Milo" in instructions
    assert "The shopper's name is Sam" in instructions
    # ... and with the Responses API the new message goes alone, continuing the last response.
    assert calls[2].previous_response_id == "resp_turn1"
    user_items = [i for i in calls[2].input if isinstance(i, dict) and i.get("role") == "user"]
    assert len(user_items) == 1


@pytest.mark.asyncio(loop_scope="module")
async def test_scripted_model_bad_tool_arguments_come_back_as_an_error_the_model_can_read(
    shop_http: httpx.AsyncClient, use_model: Any
) -> None:
    def apologise(call: ModelCall) -> Any:
        out = _tool_output(call)
        assert out["field"] == "product_id" and "no product" in out["error"]
        return [assistant_message("Sorry, I couldn't find that product.")]

    model = ScriptedModel(
        [
            [function_call("get_product_details", {"product_id": "no-such-product"}, call_id="c1")],
            ModelStep.respond(apologise),
        ]
    )
    use_model(model, responses_api=False)
    reply = await ShopChat(shop_http, user="scripted-2").say("tell me about product no-such-product")
    assert not reply.errors and reply.widget_kind == "none"
    assert reply.text == "Sorry, I couldn't find that product."
    model.assert_complete()


def test_tool_schemas_are_valid_for_openai_strict_mode() -> None:
    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    tools = build_tools()
    assert [t.name for t in tools] == [
        "search_products", "get_product_details", "get_recommendations", "compare_products", "find_similar",
        "feeding_guide", "unit_prices", "other_sizes", "switch_schedule", "pet_food_question", "check_ingredients",
        "safety_check",
    ]  # fmt: skip
    for tool in tools:
        assert tool.strict_json_schema
        schema = tool.params_json_schema
        assert ensure_strict_json_schema(json.loads(json.dumps(schema))) == schema
        for node in walk(schema):
            assert not {"default", "minLength", "maxLength", "title"} & set(node), (tool.name, node)
            if node.get("type") == "object":
                assert node.get("additionalProperties") is False, tool.name
                assert set(node.get("required", [])) == set(node.get("properties", {})), tool.name
