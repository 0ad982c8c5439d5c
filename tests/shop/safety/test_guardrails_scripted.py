"""The guardrails with a hosted model: a scripted model (``agents.testing.ScriptedModel``, the fake at the OpenAI
boundary) behind the real ChatKit server proposes unsafe answers and tool calls, and the safety code corrects them.

``responses_api=False`` is the OpenAI-compatible path (Chat Completions: the full history every turn, SDK output
guardrail); ``True`` the OpenAI Responses path (server-side history: the output is reviewed after the run)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from agents.testing import ModelCall, ScriptedModel, assistant_message, function_call
from fastapi import FastAPI

from aya.search.models import ProductSearch
from aya.shop.assistant import ShopAssistant
from aya.shop.safety.diets import is_vet_diet
from aya.shop.tools import contains_ingredient

from ..chatclient import ShopChat

# Sample catalog products (seed 7): a dog food whose label starts with chicken; a rabbit recipe whose only chicken
# is "Chicken Fat" (not in its name).
CHICKEN_STEW = "s7-00005-1"
RABBIT_WITH_CHICKEN_FAT = "s7-00013-1"


@pytest.fixture
def use_model(shop_app: FastAPI) -> Iterator[Any]:
    server = shop_app.state.resources.extras["chat_server"]
    original = server.assistant

    def install(model: Any, *, responses_api: bool = False) -> None:
        resources = shop_app.state.resources
        server.assistant = ShopAssistant(resources.settings, resources.search, model=model, responses_api=responses_api)

    yield install
    server.assistant = original


def _outputs(call: ModelCall) -> list[dict[str, Any]]:
    return [
        json.loads(i["output"]) for i in call.input if isinstance(i, dict) and i.get("type") == "function_call_output"
    ]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("text", ["help my dog just ate a bunch of grapes what do i do", "my cat collapsed"])
async def test_an_emergency_never_reaches_the_model(shop_http: httpx.AsyncClient, use_model: Any, text: str) -> None:
    model = ScriptedModel([])  # any model call would fail the turn
    use_model(model)
    reply = await ShopChat(shop_http, user=f"g-emergency-{len(text)}").say(text)
    assert not reply.errors and reply.widget_kind == "none"
    assert "veterinarian" in reply.text and "right now" in reply.text
    assert model.calls == ()


@pytest.mark.asyncio(loop_scope="module")
async def test_store_policy_answers_without_the_model(shop_http: httpx.AsyncClient, use_model: Any) -> None:
    model = ScriptedModel([])
    use_model(model)
    reply = await ShopChat(shop_http, user="g-policy").say("please add it to my cart")
    assert not reply.errors and "can't see or change your cart" in reply.text
    assert model.calls == ()


@pytest.mark.asyncio(loop_scope="module")
async def test_a_forgotten_allergy_is_added_to_the_search(
    shop_http: httpx.AsyncClient, shop_search: ProductSearch, use_model: Any
) -> None:
    profile = {
        "name": None, "species": "dog", "age_years": 4, "life_stage": None, "breed": None, "breed_size": None,
        "conditions": [], "food_types": [], "features": [], "budget_max": None,
        "avoid_ingredients": ["chicken"], "brands": [],
    }  # fmt: skip
    search_args = {
        "query": "chicken stew", "species": "dog", "life_stage": None, "food_type": ["wet"], "brand": None,
        "price_min": None, "price_max": None, "special_features": [], "target_conditions": [],
        "exclude_ingredients": [], "sort": "relevance", "k": 5,
    }  # fmt: skip
    model = ScriptedModel(
        [
            [
                function_call(
                    "get_recommendations",
                    {"profile": profile, "query": "", "sort": "relevance", "k": 3, "exclude_ids": []},
                    call_id="c1",
                )
            ],
            [assistant_message("Here are some chicken-free picks.")],
            # the next turn: the model forgets the allergy and searches for chicken stew
            [function_call("search_products", search_args, call_id="c2")],
            [assistant_message("Here are some stews.")],
        ]
    )
    use_model(model)
    chat = ShopChat(shop_http, user="g-allergy")
    first = await chat.say("food for my 4 year old dog, he is allergic to chicken")
    assert not first.errors and first.widget_kind == "products"
    second = await chat.say("show me wet chicken stew")
    assert not second.errors
    assert second.progress and "without chicken" in second.progress[0]
    products = await shop_search.get(second.product_ids)
    assert CHICKEN_STEW not in second.product_ids
    assert all(not contains_ingredient(p, "chicken") for p in products)
    seen = _outputs(model.calls[3])[-1]
    assert all(
        not contains_ingredient(p, "chicken") for p in await shop_search.get([x["id"] for x in seen["products"]])
    )
    model.assert_complete()


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("responses_api", [False, True])
async def test_a_false_ingredient_claim_is_corrected(
    shop_http: httpx.AsyncClient, use_model: Any, responses_api: bool
) -> None:
    model = ScriptedModel(
        [
            [function_call("get_product_details", {"product_id": RABBIT_WITH_CHICKEN_FAT}, call_id="d1")],
            [assistant_message("No, chicken is not in its ingredients: it's a rabbit recipe.")],
        ]
    )
    use_model(model, responses_api=responses_api)
    chat = ShopChat(shop_http, user=f"g-claim-{responses_api}")
    reply = await chat.say(f"does {RABBIT_WITH_CHICKEN_FAT} have chicken in it?")
    assert not reply.errors
    assert "Let me correct that" in reply.text and "chicken fat" in reply.text
    removed = {e.item_id for e in reply.events if e.type == "thread.item.removed"}
    shown = [
        "".join(c.text for c in e.item.content)
        for e in reply.events
        if e.type == "thread.item.done" and e.item.type == "assistant_message" and e.item.id not in removed
    ]
    if not responses_api:  # the tripped answer was removed from the thread; only the correction remains
        assert removed and len(shown) == 1 and shown[0].startswith("Let me correct that")
        stored = json.dumps(await chat.thread())
        assert "Let me correct that" in stored and "not in its ingredients" not in stored


@pytest.mark.asyncio(loop_scope="module")
async def test_empty_fields_are_removed_and_safety_notes_passed_on(
    shop_http: httpx.AsyncClient, use_model: Any
) -> None:
    search_args = {
        "query": "urinary", "species": "cat", "life_stage": None, "food_type": None, "brand": None,
        "price_min": None, "price_max": None, "special_features": ["prescription"],
        "target_conditions": ["urinary_health"], "exclude_ingredients": [], "sort": "relevance", "k": 3,
    }  # fmt: skip
    model = ScriptedModel(
        [
            [function_call("search_products", search_args, call_id="s1")],
            [assistant_message("1. **Urinary pick** by  ($14.99)\n- Calories: - vs -\nEnjoy!")],
        ]
    )
    use_model(model)
    reply = await ShopChat(shop_http, user="g-fields").say("prescription urinary food for my cat")
    assert not reply.errors and reply.widget_kind == "products"
    assert "by  (" not in reply.text and "Calories: -" not in reply.text
    assert "**Urinary pick** ($14.99)" in reply.text
    assert "vet's authorization" in reply.text  # the model said nothing about it; the output guard did


@pytest.mark.asyncio(loop_scope="module")
async def test_a_vegan_cat_diet_gets_the_warning_and_no_vet_diet_for_a_chunky_cat(
    shop_http: httpx.AsyncClient, shop_search: ProductSearch, use_model: Any
) -> None:
    vegan = {
        "query": "", "species": "cat", "life_stage": None, "food_type": None, "brand": None, "price_min": None,
        "price_max": None, "special_features": ["vegan"], "target_conditions": [], "exclude_ingredients": [],
        "sort": "relevance", "k": 3,
    }  # fmt: skip
    chunky = dict(vegan, special_features=[], target_conditions=["weight_management"], k=10)
    model = ScriptedModel(
        [
            [function_call("search_products", vegan, call_id="v1")],
            [assistant_message("Sure, here are vegan options for your cat!")],
            [function_call("search_products", chunky, call_id="v2")],
            [assistant_message("Here are weight-control foods.")],
        ]
    )
    use_model(model)
    chat = ShopChat(shop_http, user="g-diets")
    first = await chat.say("vegan food for my cat please")
    assert not first.errors and "obligate carnivore" in first.text
    second = await chat.say("she's a bit chunky, what about weight control food?")
    assert not second.errors
    products = await shop_search.get(second.product_ids)
    assert products and not any(is_vet_diet(p) for p in products)


@pytest.mark.asyncio(loop_scope="module")
async def test_realtime_voice_tools_carry_the_same_checks(shop_http: httpx.AsyncClient) -> None:
    """The Realtime voice model calls tools over HTTP: safety_check, knowledge tools and the tool-result checks."""
    headers = {"user-id": "voice-safety"}
    check = await shop_http.post("/api/tools/safety_check", headers=headers, json={"message": "my dog ate grapes"})
    assert check.status_code == 200 and check.json()["kind"] == "emergency"
    assert "veterinarian" in check.json()["answer"]
    fine = await shop_http.post("/api/tools/safety_check", headers=headers, json={"message": "grain free kibble"})
    assert fine.json()["kind"] == "none"
    vegan = {"species": "cat", "special_features": ["vegan"], "k": 3}
    found = (await shop_http.post("/api/tools/search_products", headers=headers, json=vegan)).json()
    assert any("obligate carnivores" in n for n in found["safety_notes"])
    feed = {"species": "cat", "weight": 11, "weight_unit": "lb"}
    answer = (await shop_http.post("/api/tools/feeding_guide", headers=headers, json=feed)).json()
    assert answer["kcal_per_day"] == 280
