"""The conversation suite: every scenario of conversations.toml through the real ChatKit server (ASGI), the real
SQLite search over the sample catalog, and the offline model. Assertions are turn by turn (see the file's header)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest

from aya.catalog.models import Product
from aya.search.models import ProductSearch
from aya.shop.tools import contains_ingredient

from .chatclient import Reply, ShopChat

SCENARIOS: list[dict[str, Any]] = tomllib.loads((Path(__file__).parent / "conversations.toml").read_text())["scenario"]

# The words a reply uses when the search relaxed a constraint (aya.search.progressive's descriptions).
RELAXED = {
    "price": "price",
    "brand": "other brands",
    "features": "that are not",
    "food_type": "food types other than",
    "conditions": "not specifically made for",
    "life_stage": "other life stages",
}


_SIZE_WORDS = [
    ("giant", re.compile(r"\bgiant breed")),
    ("large", re.compile(r"\blarge (?:breed|bites)|\blarge & giant|\blarge and giant")),
    ("toy", re.compile(r"\btoy (?:breed|dog)")),
    ("small", re.compile(r"\bsmall (?:breed|bites|dog)|\bmini\b|\bsmall & toy|\bsmall and toy")),
]


def sized_for(p: Product) -> str | None:
    """The dog size a product is made for, from its title (the test's own reading) or its breed size."""
    title = p.title.lower()
    for size, pattern in _SIZE_WORDS:
        if pattern.search(title):
            return size
    return p.breed_size if p.breed_size not in (None, "all") else None


def conflicting_sizes(pet: str, product: str | None) -> bool:
    small, big = {"toy", "small"}, {"large", "giant"}
    return product is not None and ((pet in small and product in big) or (pet in big and product in small))


def _has(text: str, wanted: str) -> bool:
    return any(option.lower() in text.lower() for option in wanted.split("|"))


# The suite's own reading of a veterinary diet (independent of Aya's rules): the lines' names on the label.
_VET_DIET = re.compile(
    r"prescription diet|veterinary diets?|vet diet|\b[a-z]/d\b|urinary so\b|pro plan veterinary|\bhydrolyzed protein\b",
    re.IGNORECASE,
)


def check_products(turn: dict[str, Any], reply: Reply, products: list[Product]) -> None:
    say = turn["say"]

    def ok_or_relaxed(constraint: str, ok: bool, product: Product) -> None:
        assert ok or RELAXED[constraint] in reply.text, (
            f"{say!r}: {product.id} ({product.title}) breaks {constraint}={turn.get(constraint)!r} "
            f"and the reply does not say it was relaxed:\n{reply.text}"
        )

    for p in products:
        if "species" in turn:
            assert p.species == turn["species"], f"{say!r}: {p.id} is {p.species} food"
        for ingredient in turn.get("exclude", []):
            assert not contains_ingredient(p, ingredient), f"{say!r}: {p.id} contains {ingredient}: {p.ingredients}"
        if "life_stage" in turn:
            ok_or_relaxed("life_stage", p.life_stage in (turn["life_stage"], "all"), p)
        if "food_type" in turn:
            ok_or_relaxed("food_type", p.food_type in turn["food_type"], p)
        if "price_max" in turn:
            ok_or_relaxed("price", p.price <= turn["price_max"], p)
        if "brand" in turn:
            ok_or_relaxed("brand", p.brand == turn["brand"], p)
        if "brand_any" in turn:
            ok_or_relaxed("brand", p.brand in turn["brand_any"], p)
        if "conditions" in turn:
            ok_or_relaxed("conditions", bool(set(p.target_conditions) & set(turn["conditions"])), p)
        if "features" in turn:
            ok_or_relaxed("features", set(turn["features"]) <= set(p.special_features), p)
        if "brand_not" in turn:
            assert p.brand not in turn["brand_not"], f"{say!r}: {p.id} is {p.brand}, refused"
        if turn.get("no_vet_diet"):
            assert not _VET_DIET.search(f"{p.brand} {p.title}") and "prescription" not in p.special_features, (
                f"{say!r}: {p.id} ({p.title}) is a veterinary diet, and the shopper has no prescription"
            )
        if "food_type_not" in turn:
            assert p.food_type not in turn["food_type_not"], f"{say!r}: {p.id} is {p.food_type} food"
        if "sized_for" in turn:
            made_for = sized_for(p)
            assert not conflicting_sizes(turn["sized_for"], made_for), (
                f"{say!r}: {p.id} ({p.title}) is made for {made_for} dogs, the pet is {turn['sized_for']}"
            )


async def run_turn(chat: ShopChat, search: ProductSearch, turn: dict[str, Any], shown: list[str]) -> list[str]:
    reply = await chat.say(turn["say"])
    say = turn["say"]
    assert not reply.errors, f"{say!r}: error events {reply.errors}"
    assert reply.text.strip(), f"{say!r}: no assistant message"
    if "widget" in turn:
        assert reply.widget_kind == turn["widget"], f"{say!r}: widget {reply.widget_kind}, reply:\n{reply.text}"
    if turn.get("question"):
        assert reply.widget_kind == "none" and reply.text.rstrip().endswith("?"), f"{say!r}: {reply.text}"
    for wanted in turn.get("reply_has", []):
        assert _has(reply.text, wanted), f"{say!r}: reply lacks {wanted!r}:\n{reply.text}"
    for unwanted in turn.get("progress_lacks", []):
        assert all(unwanted not in line for line in reply.progress), f"{say!r}: searched for {unwanted!r}"
    for unwanted in turn.get("reply_lacks", []):
        assert unwanted.lower() not in reply.text.lower(), f"{say!r}: reply has {unwanted!r}:\n{reply.text}"

    ids = reply.product_ids
    products = await search.get(ids) if ids else []
    assert [p.id for p in products] == ids, f"{say!r}: cards show unknown products"
    if reply.widget_kind == "products":
        assert products, f"{say!r}: an empty product list"
        assert reply.progress and reply.progress[0].endswith("…"), f"{say!r}: no progress update"
    check_products(turn, reply, products)
    if "min_products" in turn:
        assert len(ids) >= turn["min_products"], f"{say!r}: only {len(ids)} products shown"

    if "first_has" in turn:
        first = products[0]
        assert contains_ingredient(first, turn["first_has"]), (
            f"{say!r}: first pick {first.title} lacks {turn['first_has']}"
        )
    if "compare" in turn:
        assert ids == [shown[i - 1] for i in turn["compare"]], f"{say!r}: compared {ids}, shown {shown}"
    if "details" in turn:
        assert ids == [shown[turn["details"] - 1]], f"{say!r}: details of {ids}, shown {shown}"
    if "details_is" in turn:
        before = await search.get(shown)
        pick = {
            "cheapest": lambda: min(before, key=lambda p: p.price),
            "best_rated": lambda: max(before, key=lambda p: (p.rating or 0.0, p.review_count)),
        }[turn["details_is"]]()
        assert ids == [pick.id], f"{say!r}: details of {ids}, the {turn['details_is']} shown is {pick.id}"
    if "similar_to" in turn:
        base = shown[turn["similar_to"] - 1]
        assert base not in ids and ids, f"{say!r}: similar list {ids} vs base {base}"
        (base_product,) = await search.get([base])
        assert base_product.title.split(", ")[0] in reply.text, f"{say!r}: reply does not name the base product"
    if turn.get("cheaper"):
        floor = min(p.price for p in await search.get(shown))
        for p in products:
            assert p.price < floor or RELAXED["price"] in reply.text, f"{say!r}: {p.id} ${p.price} >= ${floor}"
    if "cheaper_than" in turn:
        (base_product,) = await search.get([shown[turn["cheaper_than"] - 1]])
        assert all(p.price < base_product.price for p in products), f"{say!r}: not cheaper than {base_product.id}"
    if turn.get("new_products"):
        assert not set(ids) & set(shown), f"{say!r}: repeated {set(ids) & set(shown)}"
    return ids if reply.widget_kind == "products" else shown


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
async def test_conversation(scenario: dict[str, Any], shop_http: httpx.AsyncClient, shop_search: ProductSearch) -> None:
    chat = ShopChat(shop_http, user=f"u-{abs(hash(scenario['name'])) % 10**8}", username=scenario.get("username"))
    shown: list[str] = []
    for turn in scenario["turn"]:
        shown = await run_turn(chat, shop_search, turn, shown)


def test_the_suite_is_big_enough() -> None:
    assert len(SCENARIOS) >= 40
    assert sum(len(s["turn"]) for s in SCENARIOS) >= 60
