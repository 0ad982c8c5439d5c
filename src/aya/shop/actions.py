"""Card actions: "Details", "More like this" and "Compare selected" on product widgets.

An action runs the matching shop tool directly (no model call: the shopper already said exactly what they want) and
streams the result back into the thread like a turn would: a progress update, the widget, and a short message
written from the result. The thread state is updated the same way the agent's tools update it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

from chatkit.errors import CustomStreamError
from chatkit.server import stream_widget
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ProgressUpdateEvent,
    ThreadItemDoneEvent,
    ThreadMetadata,
    ThreadStreamEvent,
)
from pydantic import BaseModel, ValidationError

from aya.core.errors import AyaError
from aya.shop import replies
from aya.shop.agent import AyaRunContext, progress_text, remember, render
from aya.shop.state import load_state
from aya.shop.tools import (
    CompareArgs,
    ComparisonResult,
    ProductDetails,
    ProductIdArgs,
    SimilarArgs,
    SimilarResult,
    compare_products,
    find_similar,
    get_product_details,
)
from aya.shop.widgets import ACTION_COMPARE, ACTION_DETAILS, ACTION_SIMILAR

logger = logging.getLogger("aya.shop")

_SELECTED = re.compile(r"^compare_(\d+)$")


def selected_ids(payload: Mapping[str, Any]) -> list[str]:
    """The products ticked in a product list form (``compare_<i>`` checkboxes); all of them when none is ticked."""
    ids = [str(i) for i in payload.get("product_ids") or []]
    ticked: list[str] = []
    for key, value in payload.items():
        m = _SELECTED.match(str(key))
        if m and value in (True, "true", "on", "1", 1) and int(m.group(1)) < len(ids):
            ticked.append(ids[int(m.group(1))])
    if isinstance(payload.get("selected"), list):
        ticked += [str(i) for i in payload["selected"] if str(i) in ids]
    chosen = list(dict.fromkeys(ticked)) or ids
    return chosen[:4]


def _args(action_type: str, payload: Any, avoid: list[str]) -> BaseModel:
    if not isinstance(payload, Mapping):
        raise CustomStreamError("That button sent no product.", allow_retry=False)
    try:
        match action_type:
            case "aya.details":
                return ProductIdArgs.model_validate({"product_id": payload.get("product_id")})
            case "aya.similar":
                return SimilarArgs.model_validate(
                    {"product_id": payload.get("product_id"), "k": 3, "exclude_ingredients": avoid}
                )
            case "aya.compare":
                return CompareArgs.model_validate({"product_ids": selected_ids(payload)})
    except ValidationError as exc:
        raise CustomStreamError(_friendly(action_type, exc), allow_retry=False) from None
    raise CustomStreamError(f"Aya doesn't know the action {action_type!r}.", allow_retry=False)


def _friendly(action_type: str, exc: ValidationError) -> str:
    if action_type == ACTION_COMPARE:
        return "Tick at least two products to compare them."
    first = exc.errors()[0]
    return f"That button sent an invalid {'.'.join(str(p) for p in first.get('loc', ())) or 'payload'}."


async def _run(ctx: AyaRunContext, args: BaseModel) -> BaseModel:
    match args:
        case ProductIdArgs():
            return await get_product_details(ctx.search, args)
        case SimilarArgs():
            return await find_similar(ctx.search, args)
        case CompareArgs():
            return await compare_products(ctx.search, args)
    raise AssertionError(f"no tool for {type(args).__name__}")


def _message(result: BaseModel, key: str) -> str:
    match result:
        case ProductDetails():
            return replies.details(result, None, key)
        case SimilarResult():
            return replies.similar(result, key)
        case ComparisonResult():
            return replies.comparison(result, key)
    return ""


async def handle(
    ctx: AyaRunContext,
    thread: ThreadMetadata,
    action_type: str,
    payload: Any,
    store: Any,
    request_context: Any,
) -> AsyncIterator[ThreadStreamEvent]:
    """Run one card action and stream its widget and message into the thread."""
    if action_type not in (ACTION_DETAILS, ACTION_SIMILAR, ACTION_COMPARE):
        raise CustomStreamError(f"Aya doesn't know the action {action_type!r}.", allow_retry=False)
    args = _args(action_type, payload, list(load_state(thread.metadata).profile.avoid_ingredients))

    def generate_id(item_type: Any) -> str:
        return str(store.generate_item_id(item_type, thread, request_context))

    yield ProgressUpdateEvent(icon="search", text=progress_text(action_type, args))
    try:
        result = await _run(ctx, args)
    except AyaError as exc:
        text = replies.tool_error(exc.message)
    except Exception:  # the catalog failed: say so in the thread rather than failing the stream
        logger.exception("card action %s failed", action_type)
        text = replies.tool_error("the catalog is not answering right now; please try again in a moment")
    else:
        remember(ctx.state, result, args)
        ctx.save()
        widget, copy = render(result)
        if widget is not None:
            async for event in stream_widget(thread, widget, copy, generate_id):
                yield event
        text = _message(result, f"{action_type}:{args.model_dump_json()}")
    yield ThreadItemDoneEvent(
        item=AssistantMessageItem(
            id=generate_id("message"),
            thread_id=thread.id,
            created_at=datetime.now(),
            content=[AssistantMessageContent(text=text, annotations=[])],
        )
    )
