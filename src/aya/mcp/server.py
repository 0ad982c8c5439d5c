"""Aya's MCP server: the shop tools, catalog resources and a prompt, over the official ``mcp`` SDK (``MCPServer``).

The tools are the very functions the assistant uses (:data:`aya.shop.tools.TOOLS`), registered with their own
argument models as the input schema (``additionalProperties: false``) and their result models as the output schema,
so every MCP client gets typed structured output. Bad arguments come back as tool errors that name the field;
results are bounded by the tools themselves (at most ``MAX_K`` products, trimmed text).
"""

from __future__ import annotations

import json
import logging
import typing
from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, ToolAnnotations
from pydantic import BaseModel

from aya import __version__
from aya.catalog.vocab import vocabulary
from aya.core.errors import AyaError, NotFound
from aya.core.settings import Settings
from aya.search.models import ProductSearch
from aya.shop import tools as shop_tools
from aya.shop.profile import PetProfile
from aya.shop.safety.tool_checks import check_result, enforce_args

logger = logging.getLogger("aya.mcp")

#: The shop tools served over MCP, in the order clients list them.
SERVED_TOOLS = ("search_products", "get_product_details", "get_recommendations", "compare_products", "find_similar")

INSTRUCTIONS = (
    "Aya is a pet food store's catalog. Use search_products to find products with filters (species, life stage, "
    "food type, brand, price, features, health conditions, ingredients to avoid), get_recommendations for ranked "
    "picks for one pet, get_product_details and compare_products for facts about products by id. Read "
    "catalog://stats for the catalog's size and catalog://vocabulary for the filter values."
)


def _result_type(func: Callable[..., Awaitable[BaseModel]]) -> type[BaseModel]:
    hints = typing.get_type_hints(func)
    result = hints.get("return")
    if not (isinstance(result, type) and issubclass(result, BaseModel)):
        raise TypeError(f"{func.__name__} must return a pydantic model for structured output")
    return result


def _field_message(exc: AyaError) -> str:
    return f"{exc.field}: {exc.message}" if exc.field else exc.message


def _shop_tool(search: ProductSearch, spec: shop_tools.ToolSpec) -> Tool:
    """An MCP tool over ``spec``: the same argument model (as the input schema) and the same function."""
    # The SDK validates arguments with ``arg_model`` and reports failures naming the field; the argument model is
    # the shop's own, so the schema clients see is the one the assistant uses (extra arguments are refused).
    arg_model: type[ArgModelBase] = type(f"{spec.name}Arguments", (spec.args, ArgModelBase), {"__module__": __name__})
    result_type = _result_type(spec.func)

    async def run(**arguments: Any) -> BaseModel:
        try:
            args = spec.args.model_validate(arguments)
            wanted = getattr(args, "k", None)
            args = enforce_args(args, PetProfile())
            result = await spec.func(search, args)
            # the same checks as in chat: vet diets, unsafe diets, exact allergen check (aya.shop.safety.tool_checks)
            return await check_result(search, args, result, PetProfile(), k=wanted)
        except AyaError as exc:  # NotFound / BadRequest from the tool: the caller's mistake, named by field
            raise ToolError(_field_message(exc)) from exc

    run.__name__ = spec.name
    return Tool(
        fn=run,
        name=spec.name,
        title=spec.name.replace("_", " ").capitalize(),
        description=spec.description,
        parameters=arg_model.model_json_schema(by_alias=True),
        fn_metadata=FuncMetadata(arg_model=arg_model, output_model=result_type),
        is_async=True,
        context_kwarg=None,
        annotations=ToolAnnotations(read_only_hint=True, open_world_hint=False, idempotent_hint=True),
    )


class AyaMCPServer(MCPServer):
    """``MCPServer`` whose prompt argument errors reach the client as invalid-params errors naming the argument
    (the SDK reports them as a generic internal error)."""

    async def get_prompt(self, name: str, arguments: dict[str, Any] | None = None, context: Any = None) -> Any:
        try:
            return await super().get_prompt(name, arguments, context)
        except ValueError as exc:
            message = str(exc)
            if message.startswith(("Missing required arguments", "Unknown prompt")):
                raise MCPError(code=INVALID_PARAMS, message=message) from exc
            raise


def build_mcp_server(search: ProductSearch, settings: Settings) -> MCPServer:
    """Aya's MCP server over ``search``: shop tools, ``catalog://stats``, ``catalog://vocabulary``,
    ``product://{product_id}`` and the ``recommend_food`` prompt. Transports are added by the caller."""
    served = [_shop_tool(search, shop_tools.TOOLS[name]) for name in SERVED_TOOLS if name in shop_tools.TOOLS]
    server = AyaMCPServer(
        "aya",
        title="Aya pet food store",
        description="Search and compare the pet food catalog of an Aya store.",
        instructions=INSTRUCTIONS,
        version=__version__,
        tools=served,
        log_level=settings.log_level,
    )

    @server.resource(
        "catalog://stats",
        name="catalog_stats",
        title="Catalog statistics",
        description="How many products, by species, food type and life stage; brands; price range.",
        mime_type="application/json",
    )
    async def catalog_stats() -> str:
        stats = await search.stats()
        return stats.model_dump_json()

    @server.resource(
        "catalog://vocabulary",
        name="catalog_vocabulary",
        title="Filter vocabulary",
        description="The canonical values of species, life stages, food types, features and health conditions.",
        mime_type="application/json",
    )
    def catalog_vocabulary() -> str:
        return json.dumps({name: sorted(terms) for name, terms in vocabulary().items()})

    @server.resource(
        "product://{product_id}",
        name="product",
        title="Product",
        description="One product's full details by id (the same as get_product_details).",
        mime_type="application/json",
    )
    async def product(product_id: str) -> str:
        try:
            details = await shop_tools.get_product_details(
                search, shop_tools.ProductIdArgs.model_validate({"product_id": product_id})
            )
        except (NotFound, ValueError) as exc:
            raise ResourceNotFoundError(f"no product with id {product_id!r}") from exc
        return details.model_dump_json()

    @server.prompt(
        name="recommend_food",
        title="Recommend food for my pet",
        description="Ask for food recommendations for one pet; Aya's tools find and compare the products.",
    )
    def recommend_food(
        species: str, age: str = "", breed: str = "", health_needs: str = "", budget: str = "", avoid: str = ""
    ) -> str:
        pet = " ".join(w for w in (age.strip(), breed.strip(), species.strip()) if w)
        lines = [f"Please recommend food for my {pet}."]
        if health_needs.strip():
            lines.append(f"Health needs: {health_needs.strip()}.")
        if budget.strip():
            lines.append(f"My budget is {budget.strip()} per bag or case.")
        if avoid.strip():
            lines.append(f"Avoid: {avoid.strip()}.")
        lines.append(
            "Use get_recommendations (or search_products) from the Aya store, suggest two or three products with "
            "their price and why each fits, and offer to compare them."
        )
        return " ".join(lines)

    return server
