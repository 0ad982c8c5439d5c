"""``aya reindex``: rebuild the search index from the catalog it holds, switching to it atomically."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console

from aya.cli.common import settings_or_exit
from aya.core.settings import Settings


async def run_reindex(settings: Settings, console: Console) -> int:
    """Rebuild the index (new analyzers, mapping, embedder) into a new index; searches see the old one until the
    alias switches. Returns the products written."""
    from aya.search.factory import open_backend

    backend = await open_backend(settings)
    try:
        reindex = getattr(backend, "reindex", None)
        if reindex is None:
            raise typer.BadParameter(
                "the embedded backend rebuilds its own index when it is stale; reindex applies to OpenSearch"
            )
        with console.status("reindexing…") as status:

            def tick(done: int, _total: int) -> None:
                status.update(f"reindexing… {done} products")

            return int(await reindex(progress=tick))
    finally:
        await backend.aclose()


def register(app: typer.Typer) -> None:
    @app.command()
    def reindex() -> None:
        """Rebuild the OpenSearch index into a new index and switch the alias to it atomically."""
        console = Console(stderr=True)
        settings = settings_or_exit()
        n = asyncio.run(run_reindex(settings, console))
        console.print(f"reindexed {n} products into a new index; the alias now points to it", highlight=False)
