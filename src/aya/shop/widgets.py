"""ChatKit widgets for Aya's results: product cards, a details card, a comparison table.

Built only from the tool result models (:mod:`aya.shop.tools`), so the chat agent and the card actions render the same
way. Every product block carries its product id (as the component ``key`` and in every action payload). Buttons send
server actions handled by :mod:`aya.shop.actions`:

- ``aya.details``  ``{"product_id": ...}``
- ``aya.similar``  ``{"product_id": ...}``
- ``aya.compare``  ``{"product_ids": [...]}`` plus the form's ``compare_<i>`` checkboxes ("compare selected").
"""

from __future__ import annotations

from collections.abc import Sequence

from chatkit.actions import ActionConfig
from chatkit.widgets import (
    Badge,
    Box,
    Button,
    Caption,
    Card,
    CardAction,
    Checkbox,
    Col,
    Divider,
    Image,
    Markdown,
    Row,
    Text,
    Title,
    WidgetComponent,
)

from aya.shop.profile import FOOD_TYPE_WORDS, condition_phrase, feature_phrase
from aya.shop.tools import ComparisonResult, ProductDetails, ProductSummary

ACTION_DETAILS = "aya.details"
ACTION_SIMILAR = "aya.similar"
ACTION_COMPARE = "aya.compare"
MAX_BADGES = 4


def _action(kind: str, payload: dict[str, object]) -> ActionConfig:
    return ActionConfig(type=kind, payload=payload, handler="server", loadingBehavior="container")


def image_src(p: ProductSummary) -> str:
    """The catalog's picture, or the web app's clean placeholder for the species and food type (``/placeholders/``)."""
    if p.image_url:
        return p.image_url
    species = p.species if p.species in ("dog", "cat") else "dog"
    kind = p.food_type if p.food_type in ("dry", "wet") else "other"
    return f"/placeholders/{species}-{kind}.svg"


def price_text(p: ProductSummary) -> str:
    return f"${p.price:,.2f}"


def rating_text(p: ProductSummary) -> str:
    if p.rating is None:
        return "No ratings yet"
    return f"★ {p.rating:.1f} ({p.review_count:,} reviews)"


def nutrition_text(p: ProductSummary) -> str:
    parts: list[str] = []
    if p.protein_min is not None:
        parts.append(f"Protein {p.protein_min:g}%")
    if p.fat_min is not None:
        parts.append(f"Fat {p.fat_min:g}%")
    if p.kcal_per_cup is not None:
        parts.append(f"{p.kcal_per_cup:g} kcal/cup")
    elif p.kcal_per_kg is not None:
        parts.append(f"{p.kcal_per_kg:g} kcal/kg")
    return " · ".join(parts)


def badges(p: ProductSummary) -> list[Badge]:
    out = [Badge(label=feature_phrase(f), color="success", variant="soft", size="sm") for f in p.special_features]
    out += [Badge(label=condition_phrase(c), color="info", variant="soft", size="sm") for c in p.target_conditions]
    return out[:MAX_BADGES]


def _subtitle(p: ProductSummary) -> str:
    kind = FOOD_TYPE_WORDS.get(p.food_type, p.food_type)
    bits = [p.brand, f"{kind} {p.species} food" if p.food_type != "treat" else f"{p.species} treat", p.size]
    if p.life_stage not in ("all", ""):
        bits.insert(2, p.life_stage)
    return " · ".join(b for b in bits if b)


def product_block(p: ProductSummary, index: int, *, reason: str | None = None, selectable: bool = True) -> Box:
    """One product card inside a list: image, title, brand, price, rating, badges, nutrition, reason, buttons."""
    text_col: list[WidgetComponent] = [
        Text(value=f"{index + 1}. {p.title}", weight="semibold", size="sm", maxLines=2),
        Caption(value=_subtitle(p), maxLines=1),
        Row(
            gap=2,
            align="center",
            children=[
                Text(value=price_text(p), weight="semibold", size="sm"),
                Caption(value=rating_text(p)),
            ],
        ),
    ]
    tags = badges(p)
    if tags:
        text_col.append(Row(gap=1, wrap="wrap", children=list(tags)))
    nutrition = nutrition_text(p)
    if nutrition:
        text_col.append(Caption(value=nutrition))
    if reason:
        text_col.append(Caption(value=f"Why: {reason}", color="secondary"))
    buttons: list[WidgetComponent] = [
        Button(
            label="Details", size="sm", variant="outline", onClickAction=_action(ACTION_DETAILS, {"product_id": p.id})
        ),
        Button(
            label="More like this",
            size="sm",
            variant="ghost",
            onClickAction=_action(ACTION_SIMILAR, {"product_id": p.id}),
        ),
    ]
    if selectable:
        buttons.append(Checkbox(name=f"compare_{index}", label="Compare"))
    text_col.append(Row(gap=2, align="center", wrap="wrap", children=buttons))
    children: list[WidgetComponent] = []
    # A placeholder says nothing the title does not: empty alt text.
    children.append(Image(src=image_src(p), alt=p.title if p.image_url else "", size=72, fit="contain", radius="md"))
    children.append(Col(gap=1, flex=1, children=text_col))
    return Box(key=p.id, id=f"product-{p.id}", direction="row", gap=3, padding=2, children=children)


def product_list(
    products: Sequence[ProductSummary],
    *,
    title: str,
    reasons: Sequence[str | None] | None = None,
    notes: Sequence[str] = (),
) -> Card:
    """Product cards in one scrollable card (a form, so "Compare selected" sees the ticked boxes)."""
    children: list[WidgetComponent] = [Title(value=title, size="sm")]
    for note in notes:
        children.append(Caption(value=note, color="warning"))
    for i, p in enumerate(products):
        if i:
            children.append(Divider(spacing=1))
        children.append(product_block(p, i, reason=(reasons[i] if reasons and i < len(reasons) else None)))
    ids = [p.id for p in products]
    confirm = None
    if len(products) >= 2:
        confirm = CardAction(label="Compare selected", action=_action(ACTION_COMPARE, {"product_ids": ids}))
    return Card(key="products", size="lg", asForm=True, children=children, confirm=confirm)


def details_card(p: ProductDetails) -> Card:
    children: list[WidgetComponent] = []
    children.append(Image(src=image_src(p), alt=p.title if p.image_url else "", height=160, fit="contain", radius="md"))
    children += [
        Title(value=p.title, size="md"),
        Caption(value=_subtitle(p)),
        Row(
            gap=3,
            align="center",
            children=[Text(value=price_text(p), weight="semibold"), Caption(value=rating_text(p))],
        ),
    ]
    tags = [Badge(label=feature_phrase(f), color="success", variant="soft", size="sm") for f in p.special_features]
    tags += [Badge(label=condition_phrase(c), color="info", variant="soft", size="sm") for c in p.target_conditions]
    if tags:
        children.append(Row(gap=1, wrap="wrap", children=list(tags)))
    if p.description:
        children.append(Text(value=p.description, size="sm"))
    facts = [
        ("Protein (min)", p.protein_min, "%"),
        ("Fat (min)", p.fat_min, "%"),
        ("Fiber (max)", p.fiber_max, "%"),
        ("Moisture (max)", p.moisture_max, "%"),
        ("Calories", p.kcal_per_cup, " kcal/cup"),
        ("Calories", None if p.kcal_per_cup is not None else p.kcal_per_kg, " kcal/kg"),
    ]
    rows = [
        Row(justify="between", children=[Caption(value=label), Text(value=f"{value:g}{unit}", size="sm")])
        for label, value, unit in facts
        if value is not None
    ]
    if rows:
        children.append(Divider(spacing=1))
        children.extend(rows)
    if p.ingredients:
        children.append(Divider(spacing=1))
        children.append(Markdown(value="**Ingredients:** " + ", ".join(p.ingredients)))
    children.append(
        Row(
            gap=2,
            children=[
                Button(label="More like this", size="sm", onClickAction=_action(ACTION_SIMILAR, {"product_id": p.id})),
            ],
        )
    )
    return Card(key=p.id, id=f"details-{p.id}", size="md", children=children)


def comparison_table(result: ComparisonResult) -> Card:
    products = result.products
    header = Row(
        gap=2,
        children=[
            Box(flex=1, children=[Caption(value="")]),
            *[
                Box(key=p.id, flex=2, children=[Text(value=p.title, weight="semibold", size="xs", maxLines=3)])
                for p in products
            ],
        ],
    )
    rows: list[WidgetComponent] = [header, Divider(spacing=1)]
    for row in result.rows:
        rows.append(
            Row(
                gap=2,
                children=[
                    Box(flex=1, children=[Caption(value=row.label, weight="semibold")]),
                    *[Box(flex=2, children=[Text(value=v, size="xs")]) for v in row.values],
                ],
            )
        )
    children: list[WidgetComponent] = [Title(value="Side by side", size="sm"), *rows]
    if result.highlights:
        children.append(Divider(spacing=1))
        children.extend(Caption(value=h) for h in result.highlights)
    children.append(
        Row(
            gap=2,
            wrap="wrap",
            children=[
                Button(
                    label=f"Details: {i + 1}",
                    size="sm",
                    variant="outline",
                    onClickAction=_action(ACTION_DETAILS, {"product_id": p.id}),
                )
                for i, p in enumerate(products)
            ],
        )
    )
    return Card(key="comparison", size="full", children=children)


def copy_text(products: Sequence[ProductSummary]) -> str:
    """The plain-text form of a product list (copy button, and what the model sees of the widget later)."""
    return "\n".join(f"{i}. [{p.id}] {p.title} ({p.brand}), {price_text(p)}" for i, p in enumerate(products, start=1))
