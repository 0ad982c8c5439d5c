"""``aya search TEXT [filters] [--json]``: search the catalog from the command line."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from pydantic import ValidationError

from aya.cli.common import settings_or_exit


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg="red", err=True)
    return typer.Exit(2)


def register(app: typer.Typer) -> None:
    @app.command()
    def search(
        text: Annotated[str, typer.Argument(help="What to look for (typos are corrected).")] = "",
        species: Annotated[str | None, typer.Option(help="dog or cat.")] = None,
        life_stage: Annotated[str | None, typer.Option(help="puppy, kitten, adult, senior, all.")] = None,
        food_type: Annotated[list[str] | None, typer.Option(help="dry, wet, raw, treat… (repeatable).")] = None,
        brand: Annotated[list[str] | None, typer.Option(help="Brand, case-insensitive (repeatable).")] = None,
        price_min: Annotated[float | None, typer.Option(help="Lowest price.")] = None,
        price_max: Annotated[float | None, typer.Option(help="Highest price.")] = None,
        protein_min: Annotated[float | None, typer.Option(help="Minimum crude protein, %.")] = None,
        feature: Annotated[list[str] | None, typer.Option(help="Special feature, all required (repeatable).")] = None,
        condition: Annotated[list[str] | None, typer.Option(help="Target condition, any of (repeatable).")] = None,
        exclude: Annotated[list[str] | None, typer.Option(help="Ingredient to avoid (repeatable).")] = None,
        availability: Annotated[str | None, typer.Option(help="in_stock, out_of_stock, preorder.")] = None,
        k: Annotated[int, typer.Option(help="How many results.")] = 10,
        offset: Annotated[int, typer.Option(help="Skip this many results.")] = 0,
        sort: Annotated[str, typer.Option(help="relevance, price, price_desc or rating.")] = "relevance",
        mode: Annotated[str, typer.Option(help="keyword, semantic or hybrid.")] = "hybrid",
        no_relax: Annotated[bool, typer.Option("--no-relax", help="Never relax filters.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    ) -> None:
        """Search the product catalog with the same engine the assistant uses."""
        from aya.search.models import SearchQuery

        settings = settings_or_exit()
        raw_filters = {
            "species": species,
            "life_stage": life_stage,
            "food_type": food_type or None,
            "brand": brand or None,
            "price_min": price_min,
            "price_max": price_max,
            "protein_min": protein_min,
            "special_features": feature or None,
            "target_conditions": condition or None,
            "exclude_ingredients": exclude or None,
            "availability": availability,
        }
        try:
            query = SearchQuery.model_validate(
                {
                    "text": text,
                    "filters": {key: v for key, v in raw_filters.items() if v is not None},
                    "k": k,
                    "offset": offset,
                    "sort": sort,
                    "mode": mode,
                    "relax": not no_relax,
                }
            )
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err.get("loc", ()) if p != "filters") or "query"
            raise _fail(f"--{field.replace('_', '-')}: {err.get('msg')}") from None

        from aya.search.factory import open_search

        async def run() -> object:
            search = await open_search(settings)
            try:
                return await search.search(query)
            finally:
                await search.aclose()

        result = asyncio.run(run())
        from aya.search.models import SearchResult

        assert isinstance(result, SearchResult)
        if as_json:
            typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))
            return
        _print_table(result)


def _print_table(result: object) -> None:
    from rich.console import Console
    from rich.table import Table

    from aya.search.models import SearchResult

    assert isinstance(result, SearchResult)
    console = Console()
    for note in result.notes:
        console.print(f"[yellow]{note}[/yellow]")
    if result.corrected_text:
        console.print(f"showing results for [bold]{result.corrected_text}[/bold]")
    for rel in result.relaxations:
        console.print(f"[yellow]relaxed:[/yellow] {rel.description}")
    table = Table(title=f"{result.total} products ({result.took_ms:.1f} ms, {result.mode})")
    for col in ("#", "product", "brand", "type", "price", "rating", "why"):
        table.add_column(col, overflow="fold")
    for i, hit in enumerate(result.hits, 1):
        p = hit.product
        table.add_row(
            str(i),
            p.title,
            p.brand,
            f"{p.species} {p.life_stage} {p.food_type}",
            f"${p.price:.2f}",
            f"{p.rating:.1f}" if p.rating is not None else "",
            "; ".join(hit.why),
        )
    console.print(table)
