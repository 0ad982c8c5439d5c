"""The product widgets: every card carries its product id, every button a server action with the ids it needs."""

from __future__ import annotations

from typing import Any

from chatkit.types import WidgetItem

from aya.catalog.models import NutritionalInfo, Product
from aya.shop import widgets
from aya.shop.tools import ComparisonResult, ComparisonRow, ProductDetails, ProductSummary


def _summary(pid: str, **kw: Any) -> ProductSummary:
    base: dict[str, Any] = {
        "id": pid, "title": f"Food {pid}, 5-lb bag", "brand": "B", "species": "cat", "price": 10.0, "rating": 4.5,
        "review_count": 12, "special_features": ["grain_free"], "target_conditions": ["kidney_support"],
        "nutritional_info": NutritionalInfo(protein_min=30, fat_min=12, kcal_per_cup=400),
        "image_url": f"https://img.example/{pid}.jpg",
    }  # fmt: skip
    base.update(kw)
    return ProductSummary.of(Product.model_validate(base))


def _walk(node: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(node, dict):
        out.append(node)
        for v in node.values():
            out += _walk(v)
    elif isinstance(node, list):
        for v in node:
            out += _walk(v)
    return out


def test_product_list_cards_carry_ids_and_actions() -> None:
    products = [_summary("p1"), _summary("p2", image_url=None)]
    card = widgets.product_list(products, title="Top picks", reasons=["made for seniors", None], notes=["relaxed x"])
    WidgetItem.model_validate({"id": "w", "thread_id": "t", "created_at": "2026-01-01T00:00:00", "widget": card})
    nodes = _walk(card.model_dump(mode="json", exclude_none=True))
    blocks = [n for n in nodes if str(n.get("id", "")).startswith("product-")]
    assert [(b["key"], b["id"]) for b in blocks] == [("p1", "product-p1"), ("p2", "product-p2")]
    actions = [n["onClickAction"] for n in nodes if n.get("type") == "Button"]
    assert {(a["type"], a["payload"]["product_id"]) for a in actions} == {
        ("aya.details", "p1"), ("aya.similar", "p1"), ("aya.details", "p2"), ("aya.similar", "p2"),
    }  # fmt: skip
    assert all(a["handler"] == "server" for a in actions)
    assert [n["name"] for n in nodes if n.get("type") == "Checkbox"] == ["compare_0", "compare_1"]
    assert card.asForm and card.confirm is not None
    assert card.confirm["action"].type == "aya.compare" and card.confirm["action"].payload == {
        "product_ids": ["p1", "p2"]
    }
    texts = " ".join(str(n.get("value", "")) + str(n.get("label", "")) for n in nodes)
    facts = ["Food p1", "$10.00", "★ 4.5 (12 reviews)", "grain-free", "kidney support", "Protein 30%", "400 kcal/cup"]
    for fact in [*facts, "Why: made for seniors", "relaxed x"]:
        assert fact in texts, fact
    # The catalog's picture when there is one, else the web app's placeholder for the species and food type.
    images = [(n["src"], n.get("alt")) for n in nodes if n.get("type") == "Image"]
    assert images == [("https://img.example/p1.jpg", "Food p1, 5-lb bag"), ("/placeholders/cat-dry.svg", "")]


def test_a_single_product_has_no_compare_button() -> None:
    assert widgets.product_list([_summary("p1")], title="One").confirm is None


def test_details_and_comparison_carry_ids() -> None:
    details = ProductDetails.of_product(
        Product(id="d1", title="Food d1", species="dog", price=5, ingredients=["beef", "rice"], description="Good.")
    )
    card = widgets.details_card(details)
    assert card.key == "d1" and card.id == "details-d1"
    result = ComparisonResult(
        products=[_summary("a"), _summary("b")], rows=[ComparisonRow(label="Price", values=["$1", "$2"])]
    )
    table = widgets.comparison_table(result).model_dump(mode="json", exclude_none=True)
    header = table["children"][1]
    assert [c["key"] for c in header["children"] if c.get("key")] == ["a", "b"]
    payloads = [n["onClickAction"]["payload"] for n in _walk(table) if n.get("type") == "Button"]
    assert payloads == [{"product_id": "a"}, {"product_id": "b"}]
