"""A question asked alongside a request for food ("grain free for my frenchie? heard about DCM tho, is grain free
bad") is answered, and the food is shown: before, the question was dropped and only products came back. Only the
question's own part is read ("need grain free food for my lab?" asks for food, not whether grain-free is better)."""

from __future__ import annotations

import httpx
import pytest

from aya.shop.knowledge_tools import side_question_answer

from .chatclient import ShopChat

DCM = "nobody knows for sure yet"
RAW = "Salmonella"
MEALS = "meals a day"
TREATS = "10% of the day's calories"


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("grain free for my frenchie? heard about DCM tho, is grain free bad", DCM),
        ("grain free food for my lab, is that linked to dcm", DCM),
        (
            "looking at grain free for my boxer but worried about heart issues, is grain free linked to heart disease?",
            DCM,
        ),
        ("raw food for my dog, is raw safe", RAW),
        ("need puppy food, how often should i feed him", MEALS),
        ("lamb kibble for my pit, also how many treats a day is ok", TREATS),
    ],
)
def test_the_question_beside_a_request_is_answered(text: str, answer: str) -> None:
    assert answer in (side_question_answer(text) or "")


@pytest.mark.parametrize(
    "text",
    [
        "need grain free food for my lab?",
        "do you have grain free cat food?",
        "grain free for my 2yo pit, no chicken",
        "senior food for my 8 yo lab",
        "wet food pls, shes 12",
        "anything for a puppy with a sensitive stomach?",
    ],
)
def test_a_request_alone_gets_no_lecture(text: str) -> None:
    assert side_question_answer(text) is None


@pytest.mark.asyncio(loop_scope="module")
async def test_through_the_server_the_answer_comes_with_the_food(shop_http: httpx.AsyncClient) -> None:
    chat = ShopChat(shop_http, user="side-question-1")
    reply = await chat.say("grain free for my 4 yo frenchie? heard about DCM tho, is grain free bad")
    assert DCM in reply.text
    assert reply.widget_kind == "products" and reply.product_ids
    plain = await ShopChat(shop_http, user="side-question-2").say("grain free food for my 4 year old frenchie")
    assert DCM not in plain.text and plain.widget_kind == "products"
