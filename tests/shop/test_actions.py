"""Card actions (Details, More like this, Compare selected) through the real ChatKit server's custom_action."""

from __future__ import annotations

import httpx
import pytest

from aya.search.models import ProductSearch
from aya.shop.actions import selected_ids

from .chatclient import ShopChat


@pytest.mark.asyncio(loop_scope="module")
async def test_card_actions_stream_results_back_into_the_thread(
    shop_http: httpx.AsyncClient, shop_search: ProductSearch
) -> None:
    chat = ShopChat(shop_http, user="actions-1")
    listing = await chat.say("food for my 4 year old dog")
    assert listing.widget_kind == "products"
    shown, sender = listing.product_ids, listing.widget_item_ids[0]
    assert len(shown) == 3

    details = await chat.act("aya.details", {"product_id": shown[1]}, item_id=sender)
    assert not details.errors and details.progress == ["Looking up the details…"]
    assert details.widget_kind == "details" and details.product_ids == [shown[1]]
    (product,) = await shop_search.get([shown[1]])
    assert f"costs ${product.price:.2f}" in details.text and product.title in details.text

    similar = await chat.act("aya.similar", {"product_id": shown[0]}, item_id=sender)
    assert not similar.errors and similar.widget_kind == "products"
    assert shown[0] not in similar.product_ids and similar.product_ids
    assert all(p.species == "dog" for p in await shop_search.get(similar.product_ids))
    # The action updated the thread's "products shown": a typed follow-up now refers to the new list.
    follow = await chat.say("tell me more about the first one")
    assert follow.widget_kind == "details" and follow.product_ids == [similar.product_ids[0]]

    ticked = await chat.act(
        "aya.compare", {"product_ids": shown, "compare_0": True, "compare_1": False, "compare_2": True}, item_id=sender
    )
    assert not ticked.errors and ticked.widget_kind == "comparison"
    assert ticked.product_ids == [shown[0], shown[2]]
    assert "My take" in ticked.text

    everything = await chat.act("aya.compare", {"product_ids": shown}, item_id=sender)
    assert everything.product_ids == shown

    one = await chat.act("aya.compare", {"product_ids": [shown[0]]}, item_id=sender)
    assert one.errors and "at least two" in (one.errors[0].message or "")

    missing = await chat.act("aya.details", {"product_id": "no-such-product"}, item_id=sender)
    assert not missing.errors and missing.widget_kind == "none"
    assert "no product with id 'no-such-product'" in missing.text

    unknown = await chat.act("aya.order_now", {"product_id": shown[0]}, item_id=sender)
    assert unknown.errors and "doesn't know the action" in (unknown.errors[0].message or "")

    # Every completed item is stored: the thread reloads with the action results in it.
    thread = await chat.thread()
    kinds = [item["type"] for item in thread["items"]["data"]]
    assert kinds.count("widget") >= 5 and kinds.count("assistant_message") >= 5


def test_selected_ids_from_the_form() -> None:
    ids = ["a", "b", "c", "d", "e"]
    assert selected_ids({"product_ids": ids, "compare_1": True, "compare_3": "on"}) == ["b", "d"]
    assert selected_ids({"product_ids": ids}) == ["a", "b", "c", "d"]  # none ticked: the first four
    assert selected_ids({"product_ids": ids, "compare_9": True}) == ["a", "b", "c", "d"]
    assert selected_ids({"product_ids": ids, "selected": ["e", "zzz", "a"]}) == ["e", "a"]
