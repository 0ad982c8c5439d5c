"""``aya catalog stats [--json]`` and ``aya catalog sample [--n N] [--seed S] [--out FILE]``."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from aya.cli.common import settings_or_exit
from aya.core.settings import Settings

catalog_app = typer.Typer(help="Inspect the catalog and produce the sample catalog.", no_args_is_help=True)


async def catalog_stats(settings: Settings) -> dict[str, object]:
    """The catalog's counts (by species, food type, life stage; brands; products with embeddings)."""
    from aya.search.factory import open_search

    search = await open_search(settings.model_copy(update={"embedder": "none"}))
    try:
        return (await search.stats()).model_dump()
    finally:
        await search.aclose()


def _table(title: str, counts: dict[str, int]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("value")
    table.add_column("products", justify="right")
    for key, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        table.add_row(key, str(n))
    return table


@catalog_app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False) -> None:
    """Counts by species, food type and life stage; brands; products with embeddings; price range."""
    import json

    settings = settings_or_exit()
    data = asyncio.run(catalog_stats(settings))
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    console = Console()
    console.print(
        f"[bold]{data['total']}[/bold] products, {data['brands']} brands, {data['with_embeddings']} with embeddings"
        + (f", prices {data['price_min']:.2f}–{data['price_max']:.2f}" if data.get("price_min") is not None else ""),
        highlight=False,
    )
    for title, key in (("species", "by_species"), ("food type", "by_food_type"), ("life stage", "by_life_stage")):
        counts = data.get(key) or {}
        if counts:
            console.print(_table(title, counts))  # type: ignore[arg-type]


@catalog_app.command()
def sample(
    n: Annotated[
        int | None, typer.Option("--n", help="How many products (default AYA_SAMPLE_CATALOG_SIZE).", min=0)
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Generator seed (default AYA_SAMPLE_CATALOG_SEED).")] = None,
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output.")] = None,
) -> None:
    """Write the deterministic sample catalog as canonical JSON Lines (ingest it with `aya ingest FILE`)."""
    from aya.cli.sample import write_sample_file, write_sample_jsonl

    settings = settings_or_exit()
    count_n = settings.sample_catalog_size if n is None else n
    count_seed = settings.sample_catalog_seed if seed is None else seed
    if out is None:
        write_sample_jsonl(sys.stdout, count_n, count_seed)
    else:
        written = write_sample_file(out, count_n, count_seed)
        Console(stderr=True).print(f"wrote {written} products to {out}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(catalog_app, name="catalog")
