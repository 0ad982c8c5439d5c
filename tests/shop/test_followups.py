"""Follow-up chips: the pure suggestion function, and the chips under a real answer (offline model, sample catalog)."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from chatkit.types import WidgetItem

from aya.chat.history import AyaItemConverter
from aya.core.context import RequestContext
from aya.search.models import ProductSearch
from aya.shop.followups import ACTION_FOLLOWUP, FOLLOWUPS_KEY, FollowUp, followups_widget, suggest_followups
from aya.shop.state import ShownProduct

from .chatclient import ShopChat


def _shown(*specs: tuple[float, str, str]) -> list[ShownProduct]:
    return [
        ShownProduct(id=f"p{i}", title=f"Food {i}", price=price, food_type=food_type, species=species)
        for i, (price, food_type, species) in enumerate(specs)
    ]


def test_nothing_shown_nothing_to_follow_up() -> None:
    assert suggest_followups([]) == []


def test_suggestions_follow_what_was_shown() -> None:
    mixed = _shown((30.0, "dry", "cat"), (22.5, "wet", "cat"), (41.0, "dry", "cat"))
    assert [f.label for f in suggest_followups(mixed)] == ["Cheaper", "Only wet food", "Compare 1 & 2", "Best rated"]
    # One dry product, already cheap: no "Cheaper", no comparison; wet food offered instead.
    assert suggest_followups(_shown((3.5, "dry", "dog"))) == [FollowUp("Wet food instead", "only wet food")]
    assert suggest_followups(_shown((12.0, "wet", "dog")))[-1] == FollowUp("Dry food instead", "only dry food")
    # A shopper with two pets gets a chip for the other one (of the species in the conversation).
    two = suggest_followups(_shown((30.0, "dry", "cat"), (20.0, "dry", "cat")), species=["cat"], pets=2)
    assert two[-1] == FollowUp("For my other cat", "now for my other cat")
    assert len(two) <= 4


def test_the_widget_carries_each_message_as_a_client_action() -> None:
    widget = followups_widget([FollowUp("Cheaper", "something cheaper?"), FollowUp("Compare 1 & 2", "compare 1")])
    data = widget.model_dump(mode="json", exclude_none=True)
    assert data["type"] == "Basic" and data["key"] == FOLLOWUPS_KEY
    buttons = data["children"][0]["children"]
    assert [b["label"] for b in buttons] == ["Cheaper", "Compare 1 & 2"]
    assert buttons[0]["onClickAction"] == {
        "type": ACTION_FOLLOWUP,
        "payload": {"message": "something cheaper?"},
        "handler": "client",
        "loadingBehavior": "auto",
        "streaming": True,
    }


async def test_the_model_never_sees_the_chips() -> None:
    widget = followups_widget([FollowUp("Cheaper", "something cheaper?")])
    item = WidgetItem(id="msg_1", thread_id="thr_1", created_at=datetime.now(), widget=widget)
    converter = AyaItemConverter(None, RequestContext(user_id="u"))
    assert await converter.widget_to_input(item) is None


@pytest.mark.asyncio(loop_scope="module")
async def test_an_answer_with_products_ends_with_chips_that_work_as_messages(
    shop_http: httpx.AsyncClient, shop_search: ProductSearch
) -> None:
    chat = ShopChat(shop_http, user="followups-1")
    question = await chat.say("Hi! I need food for my cat")
    assert not any(w.get("key") == FOLLOWUPS_KEY for w in question.widgets)  # a question shows nothing to follow up

    listing = await chat.say("She is 12 years old, dry food please")
    assert listing.widget_kind == "products"
    last = listing.events[-1] if listing.events[-1].type == "thread.item.done" else None
    chips = [w for w in listing.widgets if w.get("key") == FOLLOWUPS_KEY]
    assert len(chips) == 1 and listing.widgets[-1] is chips[0]
    assert last is not None and last.item.widget.key == FOLLOWUPS_KEY  # under the answer: the last item
    buttons = {b["label"]: b["onClickAction"]["payload"]["message"] for b in chips[0]["children"][0]["children"]}
    assert "Cheaper" in buttons and "Compare 1 & 2" in buttons

    shown = await shop_search.get(listing.product_ids)
    # Each chip acts on the answer it sits under: compare the listing's first two, then ask for cheaper.
    compared = await chat.say(buttons["Compare 1 & 2"])
    assert compared.widget_kind == "comparison" and compared.product_ids == listing.product_ids[:2]
    cheaper = await chat.say(buttons["Cheaper"])
    assert cheaper.widget_kind == "products"
    assert min(p.price for p in await shop_search.get(cheaper.product_ids)) < min(p.price for p in shown)
    # Stored with the thread, so the chips come back after a reload.
    thread = await chat.thread()
    assert any(i["type"] == "widget" and i["widget"].get("key") == FOLLOWUPS_KEY for i in thread["items"]["data"])
