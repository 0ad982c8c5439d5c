"""Aya as an OpenAI Agents SDK ``Agent``: instructions, the shop tools wrapped for the SDK, and a per-run context.

The tools are the plain functions of :mod:`aya.shop.tools`; the wrappers here add what a chat needs around them:
a progress update while searching, the ChatKit widget of the result, and the thread state (pet profile, products
shown) kept up to date in the thread metadata. Their JSON schemas come from the tools' pydantic argument models,
made valid for OpenAI's strict mode.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agents import Agent, FunctionTool, RunContextWrapper
from agents.strict_schema import ensure_strict_json_schema
from agents.tool_context import ToolContext
from chatkit.agents import AgentContext
from chatkit.types import ProgressUpdateEvent
from pydantic import BaseModel, ValidationError

from aya.core.errors import AyaError
from aya.search.models import Filters, ProductSearch
from aya.shop import widgets
from aya.shop.knowledge_tools import KNOWLEDGE_TOOLS
from aya.shop.safety.guardrails import input_guardrail, output_guardrail
from aya.shop.safety.store_policy import StorePolicy
from aya.shop.safety.tool_checks import check_result, enforce_args
from aya.shop.sizes import OtherSizesArgs
from aya.shop.state import MAX_SHOWN, ThreadState, save_state
from aya.shop.tools import (
    TOOLS,
    CompareArgs,
    ComparisonResult,
    ProductDetails,
    RecommendationArgs,
    RecommendationsResult,
    SearchProductsArgs,
    SearchProductsResult,
    SimilarArgs,
    SimilarResult,
    ToolSpec,
    describe_search,
    profile_search_args,
)

logger = logging.getLogger("aya.shop")

INSTRUCTIONS = """\
You are Aya, the pet food specialist of an online pet food store. You introduce yourself as: "Hi there! I'm Aya, \
your pet food specialist." You help shoppers find the right dog or cat food, like a knowledgeable, friendly store \
employee.

How you work:
- Be warm and concise. Use the shopper's name when you know it, and the pet's name.
- When something essential is missing, ask ONE short clarifying question at a time. Species (dog or cat) comes first; \
age or life stage next if it matters. Do not ask about things the shopper already told you (see "What you know").
- Never invent products, prices, ingredients or facts. Only talk about products returned by your tools, and ground \
every claim in the tool results. If the tools find nothing, say so and suggest what to loosen.
- Use get_recommendations when you know the pet (it ranks picks and gives a reason for each); search_products for \
direct searches; get_product_details, compare_products and find_similar for follow-ups about shown products ("the \
second one" means the second product in the list of products shown most recently).
- Products appear to the shopper as cards; in your message, name at most three picks and say briefly why each fits \
the stated needs (life stage, health needs, budget, ingredients to avoid).
- When a tool reports relaxed constraints, tell the shopper plainly what you had to relax.
- Remember the pet's details across the conversation: pass the full pet profile to get_recommendations every time.
- You only sell dog and cat food. For other animals, orders, deliveries or accounts, politely say you can't help \
with that here and point to customer support. You are not a vet: for medical emergencies (poisoning, trouble \
breathing, seizures, bleeding, collapse) tell the shopper to contact a veterinarian or an emergency animal hospital \
right away; for health questions, suggest asking their vet, and offer foods that support the condition.

Safety and honesty (checked around you in code, too):
- When a tool result has "safety_notes", tell the shopper every one of them, in your own short words or verbatim. \
A product with a "caution" (a veterinary diet) needs the vet's authorization: say so whenever you mention it.
- Never say whether a product contains an ingredient without check_ingredients; chicken includes poultry, fowl, \
chicken meal and by-products. Allergies the shopper stated hold for every later search.
- Feeding amounts, cost per day or month, price per lb/kg/can and switching schedules come from feeding_guide, \
unit_prices and switch_schedule; general questions from pet_food_question. Say the assumptions; never invent numbers.
- Only say a product is "formulated for" a health need when its target_conditions say so.
"""


@dataclass
class AyaRunContext:
    """The per-run context every tool receives: the catalog, the thread state, and the ChatKit context for widgets."""

    search: ProductSearch
    state: ThreadState
    chat: AgentContext[Any] | None = None
    user_text: str = ""  # the shopper's message this turn (safety checks read it)
    turn_products: list[str] = field(default_factory=list)  # products the tools showed or looked up this turn

    def save(self) -> None:
        if self.chat is not None:
            save_state(self.chat.thread.metadata, self.state)


def build_instructions(state: ThreadState) -> str:
    return f"{INSTRUCTIONS}\n## What you know\n{state.describe()}\n"


def _instructions(run_context: RunContextWrapper[AyaRunContext], agent: Agent[AyaRunContext]) -> str:
    return build_instructions(run_context.context.state)


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of an argument model, valid for OpenAI strict mode (every property required, no defaults)."""
    schema = model.model_json_schema()
    _strip(schema)
    return ensure_strict_json_schema(schema)


_UNSUPPORTED_KEYS = ("default", "title", "minLength", "maxLength")


def _strip(node: Any) -> None:
    if isinstance(node, dict):
        for key in _UNSUPPORTED_KEYS:
            if key in node and not isinstance(node[key], dict):
                node.pop(key)
        for key, value in list(node.items()):
            if key == "properties" and isinstance(value, dict):
                for prop in value.values():
                    _strip(prop)
            else:
                _strip(value)
    elif isinstance(node, list):
        for item in node:
            _strip(item)


def progress_text(name: str, args: BaseModel) -> str:
    match args:
        case SearchProductsArgs():
            return f"Searching {describe_search(args)}…"
        case RecommendationArgs():
            return f"Searching {describe_search(profile_search_args(args.profile, query=args.query))}…"
        case CompareArgs():
            return f"Comparing {len(args.product_ids)} products…"
        case SimilarArgs():
            return "Finding cheaper alternatives…" if args.cheaper else "Finding similar products…"
        case OtherSizesArgs():
            return "Looking for other sizes…"
        case _:
            return "Looking up the details…"


def remember(state: ThreadState, result: BaseModel, args: BaseModel | None = None) -> None:
    """Update the thread state with a tool result: the pet profile used, the products now on screen, and the search
    it ran (once per tool call, with the filters of ``args``; see :meth:`ThreadState.record_search`)."""
    match result:
        case RecommendationsResult():
            state.profile = result.profile
            state.show((p.product for p in result.picks), search=result.looked_for)
            wanted = profile_search_args(result.profile).filters()
            state.record_search("get_recommendations", len(result.picks), result.relaxations, wanted)
        case SearchProductsResult():
            state.show(result.products, search=result.looked_for)
            asked = args.filters() if isinstance(args, SearchProductsArgs) else None
            state.record_search("search_products", len(result.products), result.relaxations, asked)
        case SimilarResult():
            state.show(result.products)
            avoid = args.exclude_ingredients if isinstance(args, SimilarArgs) else []
            try:
                similar: Filters | None = Filters(species=result.base.species or None, exclude_ingredients=avoid)
            except ValidationError:
                similar = None
            state.record_search("find_similar", len(result.products), result.relaxations, similar)
        case ComparisonResult():
            state.compared = [p.id for p in result.products][:MAX_SHOWN]
        case ProductDetails():
            state.focus = result.id
        case _:
            pass


def render(result: BaseModel) -> tuple[Any, str | None]:
    """The widget (and its copy text) that shows a tool result, or ``(None, None)`` when there is nothing to show."""
    match result:
        case RecommendationsResult() if result.picks:
            products = [p.product for p in result.picks]
            title = f"Top picks for {result.profile.describe()}"[:120]
            reasons: list[str | None] = [p.reason for p in result.picks]
            notes = [*result.safety_notes, *result.relaxations]
            widget = widgets.product_list(products, title=title, reasons=reasons, notes=notes)
            return widget, widgets.copy_text(products)
        case SearchProductsResult() if result.products:
            title = f"Results: {result.looked_for}"[:120]
            cautions: list[str | None] = [p.caution for p in result.products]
            notes = [*result.safety_notes, *result.relaxations]
            return widgets.product_list(result.products, title=title, reasons=cautions, notes=notes), (
                widgets.copy_text(result.products)
            )
        case SimilarResult() if result.products:
            title = f"More like {result.base.title}"[:120]
            cautions = [p.caution for p in result.products]
            notes = [*result.safety_notes, *result.relaxations]
            return widgets.product_list(result.products, title=title, reasons=cautions, notes=notes), (
                widgets.copy_text(result.products)
            )
        case ProductDetails():
            return widgets.details_card(result), f"[{result.id}] {result.title} ({result.brand}), ${result.price:.2f}"
        case ComparisonResult():
            return widgets.comparison_table(result), "\n".join(
                f"{r.label}: " + " | ".join(r.values) for r in result.rows
            )
        case _:
            return None, None


async def after_tool(ctx: AyaRunContext, result: BaseModel, args: BaseModel | None = None) -> None:
    """Keep the thread state current and show the result as a widget."""
    remember(ctx.state, result, args)
    ctx.save()
    widget, copy = render(result)
    if widget is not None and ctx.chat is not None:
        await ctx.chat.stream_widget(widget, copy_text=copy)


def _error_json(message: str, field: str | None = None) -> str:
    body: dict[str, Any] = {"error": message}
    if field:
        body["field"] = field
    return json.dumps(body)


def make_tool(spec: ToolSpec) -> FunctionTool:
    """Wrap one shop tool for the Agents SDK."""

    async def invoke(tool_context: ToolContext[AyaRunContext], raw_arguments: str) -> str:
        ctx = tool_context.context
        try:
            args = spec.args.model_validate_json(raw_arguments or "{}")
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first.get("loc", ())) or None
            return _error_json(f"invalid arguments for {spec.name}: {first.get('msg', 'invalid')}", field)
        wanted = getattr(args, "k", None)
        args = enforce_args(args, ctx.state.profile, ctx.user_text)  # safety: allergies hold for every search
        if ctx.chat is not None:
            await ctx.chat.stream(ProgressUpdateEvent(icon="search", text=progress_text(spec.name, args)))
        try:
            result = await spec.func(ctx.search, args)
            # safety: exact allergen check, vet diets, diets unsafe for the animal (aya.shop.safety.tool_checks)
            result = await check_result(ctx.search, args, result, ctx.state.profile, ctx.user_text, k=wanted)
        except AyaError as exc:
            return _error_json(exc.message, exc.field)
        except Exception:  # the catalog failed: the model apologises instead of the whole turn failing
            logger.exception("shop tool %s failed", spec.name)
            return _error_json("the catalog is not answering right now; please try again in a moment")
        ctx.turn_products.extend(_product_ids(result))
        await after_tool(ctx, result, args)
        return result.model_dump_json(exclude_none=True)

    return FunctionTool(
        name=spec.name,
        description=spec.description,
        params_json_schema=strict_schema(spec.args),
        on_invoke_tool=invoke,
        strict_json_schema=True,
    )


def _product_ids(result: BaseModel) -> list[str]:
    match result:
        case RecommendationsResult():
            return [p.product.id for p in result.picks]
        case SearchProductsResult() | SimilarResult() | ComparisonResult():
            return [p.id for p in result.products]
        case ProductDetails():
            return [result.id]
        case _:
            pid = getattr(result, "product_id", None)
            return [pid] if isinstance(pid, str) else []


def build_tools(names: Sequence[str] | None = None) -> list[FunctionTool]:
    """The shop tools and the knowledge tools (:mod:`aya.shop.knowledge_tools`), wrapped for the SDK."""
    specs = {**TOOLS, **KNOWLEDGE_TOOLS}
    return [make_tool(spec) for name, spec in specs.items() if names is None or name in names]


def build_agent(model: Any = None, *, policy: StorePolicy | None = None) -> Agent[AyaRunContext]:
    """The one agent, "Aya". ``model`` is a Model instance (see :func:`aya.shop.models.build_model`) or a name.

    Safety runs around every model: the input guardrail (emergencies, toxic foods, store policy) before the model,
    the output guardrail (ingredient claims) after it (:mod:`aya.shop.safety.guardrails`)."""
    return Agent[AyaRunContext](
        name="Aya",
        instructions=_instructions,
        tools=list(build_tools()),
        model=model,
        input_guardrails=[input_guardrail(policy)],
        output_guardrails=[output_guardrail()],
    )
