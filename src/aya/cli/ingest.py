"""``aya ingest PATH... [--replace] [--strict] [--no-embeddings] [--format …] [--mapping FILE]``.

Reads every source (canonical file, normalized directory, or a retailer export through a mapping), reports each
rejected row with its file, line and reason, and writes the rest in ONE transaction (upsert by id; ``--replace``
swaps the whole catalog atomically). A failed or interrupted ingest leaves the catalog as it was.

Exit codes: 0 everything imported; 1 some rows were rejected (the rest imported; with ``--strict`` nothing was
written); 2 usage or configuration error (missing file, bad mapping, unreadable source).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from aya.cli.common import settings_or_exit
from aya.core.settings import Settings

SHOWN_REJECTS = 50


class _Stream:
    """Products from several sources in order; Rejects are set aside (and printed) as they pass."""

    def __init__(self, sources: Sequence[tuple[Path, Iterable[Any]]], on_reject: Any = None) -> None:
        self.sources = sources
        self.rejects: list[Any] = []
        self.read = 0
        self.on_reject = on_reject
        self.seen: set[str] = set()
        self.duplicates = 0  # ids met again in this ingest: the later row wins

    def __iter__(self) -> Iterator[Any]:
        from aya.catalog.importers import Reject

        for _path, items in self.sources:
            for item in items:
                if isinstance(item, Reject):
                    self.rejects.append(item)
                    if self.on_reject is not None:
                        self.on_reject(item)
                    continue
                self.read += 1
                if item.id in self.seen:
                    self.duplicates += 1
                else:
                    self.seen.add(item.id)
                yield item


def _usage_error(console: Console, message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(2)


def _progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rejected]} rejected"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def run_ingest(
    settings: Settings,
    paths: list[Path],
    *,
    replace: bool = False,
    strict: bool = False,
    embeddings: bool = True,
    fmt: str = "auto",
    mapping_path: Path | None = None,
    rejects_out: Path | None = None,
    console: Console | None = None,
) -> int:
    """The command's work; returns the exit code (see the module docstring)."""
    from aya.catalog.importers import Format, SourceError, detect_format, load_mapping, read_source

    console = console or Console(stderr=True, soft_wrap=True)
    try:
        mapping = load_mapping(mapping_path) if mapping_path is not None else None
        if fmt == "mapped" and mapping is None:
            raise SourceError("--format mapped needs --mapping FILE")
        formats: list[Format] = []
        for path in paths:
            if not path.exists():
                raise SourceError(f"{path}: no such file or directory")
            formats.append(detect_format(path, mapping) if fmt == "auto" else fmt)  # type: ignore[arg-type]
        sources = [(p, read_source(p, f, mapping)) for p, f in zip(paths, formats, strict=True)]
    except SourceError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        return 2
    from aya.catalog.brands import BrandsFileError, read_brands_file

    try:
        brands = read_brands_file(settings.brands_file) if settings.brands_file is not None else []
    except BrandsFileError as exc:
        console.print(f"[red]error:[/red] AYA_BRANDS_FILE: {exc}", highlight=False)
        return 2

    shown = 0

    def show(reject: Any) -> None:
        nonlocal shown
        shown += 1
        if shown <= SHOWN_REJECTS:
            console.print(f"[yellow]rejected[/yellow] {reject}", highlight=False, soft_wrap=True)

    stream = _Stream(sources, on_reject=show)
    if not embeddings:
        settings = settings.model_copy(update={"embedder": "none"})
    started = time.perf_counter()
    try:
        if strict:
            with console.status("validating…"):
                products = list(stream)
            if stream.rejects:
                _finish_rejects(console, stream.rejects, shown, rejects_out)
                console.print(
                    f"[red]--strict:[/red] {len(stream.rejects)} bad row(s) in {len(paths)} source(s); "
                    "nothing was written",
                    highlight=False,
                )
                return 1
            items: Iterable[Any] = products
            total = len(products)
        else:
            items, total = stream, -1
        report = asyncio.run(
            _write(settings, items, total, replace=replace, embed=embeddings, brands=brands, console=console)
        )
    except SourceError as exc:
        console.print(f"[red]error:[/red] {exc}; nothing was written", highlight=False)
        return 2
    except KeyboardInterrupt:
        console.print("[red]interrupted:[/red] nothing was written; the catalog is as it was", highlight=False)
        return 130
    except Exception as exc:  # an importer or the disk failed midway: the transaction was rolled back
        failures = getattr(exc, "failures", None)  # documents a search cluster refused (the others were written)
        if failures is not None:
            console.print(f"[red]ingest incomplete:[/red] {exc}", highlight=False)
            for pid, why in failures[:SHOWN_REJECTS]:
                console.print(f"[yellow]not indexed[/yellow] {pid}: {why}", highlight=False, soft_wrap=True)
            return 1
        outcome = "nothing was written, the catalog is as it was"
        if settings.search_backend == "opensearch" and not replace:
            outcome = "products written before the failure stay; run it again to finish (unchanged ones are skipped)"
        console.print(f"[red]ingest failed:[/red] {type(exc).__name__}: {exc}; {outcome}", highlight=False)
        return 1
    elapsed = time.perf_counter() - started
    _finish_rejects(console, stream.rejects, shown, rejects_out)
    verb = "replaced the catalog with" if replace else "imported"
    rate = report.products / elapsed if elapsed > 0 else 0.0
    console.print(
        f"{verb} {report.products} products ({report.changed} new or changed, {report.embedded} embedded) "
        f"in {elapsed:.1f}s ({rate:.0f}/s); catalog now holds {report.total}; "
        f"{len(stream.rejects)} row(s) rejected",
        highlight=False,
    )
    if report.brandless:
        console.print(
            f"brands: {report.brands_filled} of {report.brandless} product(s) without a brand got one from the start "
            f"of their title ({report.known_brands} known brands)",
            highlight=False,
        )
    if stream.duplicates:
        console.print(
            f"[yellow]note:[/yellow] {stream.duplicates} row(s) repeated an id seen earlier in this ingest; "
            "the later row won",
            highlight=False,
        )
    return 1 if stream.rejects else 0


def _finish_rejects(console: Console, rejects: list[Any], shown: int, out: Path | None) -> None:
    if shown > SHOWN_REJECTS:
        console.print(f"… and {shown - SHOWN_REJECTS} more rejected row(s)", highlight=False)
    if out is not None:
        with out.open("w", encoding="utf-8") as fh:
            for r in rejects:
                fh.write(json.dumps({"file": r.file, "line": r.line, "reason": r.reason, "id": r.id}) + "\n")
        console.print(f"rejected rows written to {out}", highlight=False)


async def _write(
    settings: Settings,
    items: Iterable[Any],
    total: int,
    *,
    replace: bool,
    embed: bool,
    brands: Sequence[str],
    console: Console,
) -> Any:
    from aya.search.factory import open_search
    from aya.search.ingest import ingest_products

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    search = await open_search(settings)
    try:
        with _progress(console) as progress:
            task = progress.add_task("ingesting", total=total if total >= 0 else None, rejected=0)
            rejected = getattr(items, "rejects", [])

            def tick(done: int, _total: int) -> None:
                progress.update(task, completed=done, rejected=len(rejected))

            report = await ingest_products(search, items, replace=replace, embed=embed, progress=tick, brands=brands)
            progress.update(task, completed=report.products, total=report.products, rejected=len(rejected))
        return report
    finally:
        await search.aclose()


def register(app: typer.Typer) -> None:
    @app.command()
    def ingest(
        paths: Annotated[
            list[Path],
            typer.Argument(
                help="Files or directories: .jsonl/.json/.csv (canonical), a directory "
                "(normalized tables), or a retailer export with --mapping."
            ),
        ],
        replace: Annotated[
            bool, typer.Option(help="Replace the whole catalog (atomically) instead of upserting.")
        ] = False,
        strict: Annotated[
            bool, typer.Option(help="Validate everything first; write nothing if any row is bad.")
        ] = False,
        no_embeddings: Annotated[
            bool, typer.Option("--no-embeddings", help="Skip embeddings (keyword search only for new products).")
        ] = False,
        fmt: Annotated[
            str, typer.Option("--format", help="auto | canonical | normalized | mapped (auto: from the path).")
        ] = "auto",
        mapping: Annotated[
            Path | None, typer.Option(help="Column-mapping TOML for a retailer export (implies --format mapped).")
        ] = None,
        rejects: Annotated[
            Path | None, typer.Option(help="Also write every rejected row (file, line, reason) to this JSONL file.")
        ] = None,
    ) -> None:
        """Import products into the catalog. Exit code 0: all imported; 1: rows rejected; 2: usage error."""
        console = Console(stderr=True, soft_wrap=True)
        if fmt not in ("auto", "canonical", "normalized", "mapped"):
            raise _usage_error(console, f"--format must be auto, canonical, normalized or mapped, not {fmt!r}")
        settings = settings_or_exit()
        code = run_ingest(
            settings,
            paths,
            replace=replace,
            strict=strict,
            embeddings=not no_embeddings,
            fmt=fmt,
            mapping_path=mapping,
            rejects_out=rejects,
            console=console,
        )
        raise typer.Exit(code)
