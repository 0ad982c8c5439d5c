"""Aya's MCP server in-process (``mcp.Client`` against ``MCPServer``) over a real 60-product SQLite catalog."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp.server.mcpserver import MCPServer

from aya.core.settings import Settings
from aya.mcp.server import SERVED_TOOLS, build_mcp_server
from aya.search.models import ProductSearch
from aya.shop import tools as shop_tools
from aya.shop.profile import PetProfile
from aya.shop.safety.tool_checks import check_result, enforce_args
from mcp import Client, MCPError


@pytest.fixture
def server(search: ProductSearch, mcp_settings: Settings) -> MCPServer:
    return build_mcp_server(search, mcp_settings)


async def _any_product_ids(client: Client, n: int, species: str = "dog") -> list[str]:
    result = await client.call_tool("search_products", {"species": species, "k": n})
    assert not result.is_error
    assert result.structured_content is not None
    ids = [p["id"] for p in result.structured_content["products"]]
    assert len(ids) == n
    return ids


async def test_lists_the_shop_tools_with_typed_input_and_output(server: MCPServer) -> None:
    async with Client(server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert list(tools) == list(SERVED_TOOLS)
        search = tools["search_products"]
        assert search.input_schema["additionalProperties"] is False
        assert search.input_schema["properties"]["k"]["maximum"] == shop_tools.MAX_K
        assert {"enum": ["dog", "cat"], "type": "string"} in search.input_schema["properties"]["species"]["anyOf"]
        assert search.output_schema is not None and "products" in search.output_schema["properties"]
        assert tools["compare_products"].input_schema["required"] == ["product_ids"]
        assert all(t.annotations is not None and t.annotations.read_only_hint for t in tools.values())


async def test_search_returns_the_same_result_as_the_shop_function(server: MCPServer, search: ProductSearch) -> None:
    async with Client(server) as client:
        args = {"query": "salmon", "species": "cat", "k": 3}
        result = await client.call_tool("search_products", args)
        assert not result.is_error
        direct = await shop_tools.search_products(search, shop_tools.SearchProductsArgs.model_validate(args))
        assert result.structured_content == direct.model_dump(mode="json")
        products = result.structured_content["products"]
        assert 1 <= len(products) <= 3
        assert all(p["species"] == "cat" for p in products)
        # the unstructured content carries the same JSON for clients that ignore structured output
        assert json.loads(result.content[0].text) == result.structured_content  # type: ignore[union-attr]


async def test_search_results_are_bounded(server: MCPServer) -> None:
    async with Client(server) as client:
        result = await client.call_tool("search_products", {"species": "dog", "k": shop_tools.MAX_K})
        assert not result.is_error and result.structured_content is not None
        assert 1 <= len(result.structured_content["products"]) <= shop_tools.MAX_K
        assert len(result.content[0].text) < 40_000  # type: ignore[union-attr]
        too_many = await client.call_tool("search_products", {"species": "dog", "k": shop_tools.MAX_K + 1})
        assert too_many.is_error
        assert "k" in too_many.content[0].text.split("\n")  # type: ignore[union-attr]
        assert f"less than or equal to {shop_tools.MAX_K}" in too_many.content[0].text  # type: ignore[union-attr]


async def test_details_recommendations_compare_and_similar(server: MCPServer, search: ProductSearch) -> None:
    async with Client(server) as client:
        first, second = await _any_product_ids(client, 2)

        details = await client.call_tool("get_product_details", {"product_id": first})
        assert not details.is_error and details.structured_content is not None
        assert details.structured_content["id"] == first
        assert "ingredients" in details.structured_content

        profile = {"species": "dog", "age_years": 0.25, "breed": "golden retriever"}
        picks = await client.call_tool("get_recommendations", {"profile": profile, "k": 2})
        assert not picks.is_error and picks.structured_content is not None
        assert 1 <= len(picks.structured_content["picks"]) <= 2
        assert all(p["product"]["species"] == "dog" and p["reason"] for p in picks.structured_content["picks"])
        # MCP serves the tool with the chat's safety checks (aya.shop.safety.tool_checks): spares asked for, then
        # screened and trimmed back to k; the same done directly gives the same picks
        args = enforce_args(shop_tools.RecommendationArgs.model_validate({"profile": profile, "k": 2}), PetProfile())
        direct = await shop_tools.get_recommendations(search, args)
        checked = await check_result(search, args, direct, PetProfile(), k=2)
        assert picks.structured_content == checked.model_dump(mode="json")

        compared = await client.call_tool("compare_products", {"product_ids": [first, second]})
        assert not compared.is_error and compared.structured_content is not None
        assert [p["id"] for p in compared.structured_content["products"]] == [first, second]
        assert {row["label"] for row in compared.structured_content["rows"]} >= {"Price", "Protein"}

        similar = await client.call_tool("find_similar", {"product_id": first, "k": 3})
        assert not similar.is_error and similar.structured_content is not None
        assert similar.structured_content["base"]["id"] == first
        assert first not in [p["id"] for p in similar.structured_content["products"]]


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        ("search_products", {"species": "fish"}, "species"),
        ("search_products", {"colour": "red"}, "colour"),
        ("search_products", {"price_min": -1}, "price_min"),
        ("get_product_details", {}, "product_id"),
        ("get_product_details", {"product_id": "no-such-product"}, "product_id"),
        ("compare_products", {"product_ids": ["only-one"]}, "product_ids"),
        ("get_recommendations", {"profile": {"species": "dog", "age_years": -2}}, "profile.age_years"),
    ],
)
async def test_bad_arguments_are_tool_errors_naming_the_field(
    server: MCPServer, tool: str, arguments: dict[str, Any], field: str
) -> None:
    async with Client(server) as client:
        result = await client.call_tool(tool, arguments)
        assert result.is_error
        text = result.content[0].text  # type: ignore[union-attr]
        assert field in text, text


async def test_unknown_tool_is_an_error(server: MCPServer) -> None:
    async with Client(server) as client:
        result = await client.call_tool("delete_everything", {})
        assert result.is_error
        assert "delete_everything" in result.content[0].text  # type: ignore[union-attr]


async def test_resources_stats_vocabulary_and_products(server: MCPServer, catalog_size: int) -> None:
    async with Client(server) as client:
        uris = {str(r.uri) for r in (await client.list_resources()).resources}
        assert uris == {"catalog://stats", "catalog://vocabulary"}
        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        assert templates == ["product://{product_id}"]

        stats = json.loads((await client.read_resource("catalog://stats")).contents[0].text)  # type: ignore[union-attr]
        assert stats["total"] == catalog_size
        assert sum(stats["by_species"].values()) == catalog_size

        vocab = json.loads((await client.read_resource("catalog://vocabulary")).contents[0].text)  # type: ignore[union-attr]
        assert vocab["species"] == ["cat", "dog"]

        (product_id,) = await _any_product_ids(client, 1, species="cat")
        product = json.loads((await client.read_resource(f"product://{product_id}")).contents[0].text)  # type: ignore[union-attr]
        assert product["id"] == product_id and product["species"] == "cat"

        with pytest.raises(MCPError, match="no product with id 'missing-product'"):
            await client.read_resource("product://missing-product")


async def test_recommend_food_prompt(server: MCPServer) -> None:
    async with Client(server) as client:
        prompts = (await client.list_prompts()).prompts
        assert [p.name for p in prompts] == ["recommend_food"]
        assert [a.name for a in prompts[0].arguments or [] if a.required] == ["species"]
        result = await client.get_prompt(
            "recommend_food", {"species": "dog", "age": "3-month-old", "breed": "golden retriever", "avoid": "chicken"}
        )
        text = result.messages[0].content.text  # type: ignore[union-attr]
        assert result.messages[0].role == "user"
        assert "3-month-old golden retriever dog" in text
        assert "Avoid: chicken." in text
        assert "get_recommendations" in text
        with pytest.raises(MCPError, match="species"):
            await client.get_prompt("recommend_food", {"age": "2 years"})
