"""The sample catalog on a fresh install: ``ensure_sample_catalog`` (used by ``aya serve``) and writing it as JSONL."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from aya.core.settings import Settings

logger = logging.getLogger("aya.catalog")


def ensure_sample_catalog(settings: Settings, *, console: Console | None = None) -> bool:
    """When the catalog is empty, generate ``settings.sample_catalog_size`` products (seed
    ``settings.sample_catalog_seed``) and ingest them with a progress bar, embeddings included unless
    ``settings.embedder == "none"``. Returns True when it ingested, False when the catalog already had products."""
    return asyncio.run(_ensure(settings, console or Console(stderr=True)))


async def _ensure(settings: Settings, console: Console) -> bool:
    from aya.catalog.sample import generate_sample_catalog
    from aya.search.factory import open_search
    from aya.search.ingest import ingest_products

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    search = await open_search(settings)
    try:
        if (await search.stats()).total > 0:
            return False
        n = settings.sample_catalog_size
        embed = settings.embedder != "none"
        what = "sample catalog" + (" with embeddings" if embed else "")
        logger.info("catalog is empty: ingesting the %s (%d products)", what, n)
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task(f"ingesting the {what}", total=n)
            report = await ingest_products(
                search,
                generate_sample_catalog(n, settings.sample_catalog_seed),
                embed=embed,
                progress=lambda done, _total: progress.update(task, completed=done),
            )
            progress.update(task, completed=report.products)
        console.print(f"sample catalog ready: {report.total} products in {report.seconds:.1f}s", highlight=False)
        return True
    finally:
        await search.aclose()


def write_sample_jsonl(out: TextIO, n: int, seed: int) -> int:
    """Write the sample catalog as canonical JSON Lines; returns the number of products."""
    from aya.catalog.sample import generate_sample_catalog

    count = 0
    for product in generate_sample_catalog(n, seed):
        out.write(product.model_dump_json(exclude={"searchable_text"}) + "\n")
        count += 1
    return count


def write_sample_file(path: Path, n: int, seed: int) -> int:
    with path.open("w", encoding="utf-8") as fh:
        return write_sample_jsonl(fh, n, seed)
