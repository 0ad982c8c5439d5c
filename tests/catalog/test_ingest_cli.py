"""``aya ingest`` / ``aya catalog`` through the real CLI (typer CliRunner) on real SQLite + tantivy files in a tmp
data dir: exit codes, rejects with file/line/reason, --strict, --replace, idempotent re-runs, and failed ingests that
leave the catalog intact. Embeddings are off (AYA_EMBEDDER=none) to keep these fast; embedding is H1's suite."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import aya.catalog.importers as importers
from aya.catalog.models import Product
from aya.cli.main import app
from aya.cli.sample import ensure_sample_catalog
from aya.core.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("AYA_DATA_DIR", str(data_dir))
    monkeypatch.setenv("AYA_EMBEDDER", "none")


def aya(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def catalog(settings: Settings) -> dict[str, Product]:
    from aya.search.factory import open_search

    async def load() -> dict[str, Product]:
        search = await open_search(settings.model_copy(update={"embedder": "none"}))
        try:
            stats = await search.stats()
            ids = [f"ex-00{i}" for i in range(1, 5)] + ["ex-101", "ex-102"] + [f"nx-{i}" for i in range(1, 7)]
            found = {p.id: p for p in await search.get(ids)}
            assert stats.total >= len(found)
            found["__total__"] = stats.total  # type: ignore[assignment]
            return found
        finally:
            await search.aclose()

    return asyncio.run(load())


def total(settings: Settings) -> int:
    return catalog(settings)["__total__"]  # type: ignore[return-value]


def content(products: dict[str, Product]) -> dict[str, dict[str, object]]:
    return {
        k: p.model_dump(exclude={"created_at", "updated_at"}) for k, p in products.items() if isinstance(p, Product)
    }


def test_ingest_examples_then_stats(settings: Settings) -> None:
    code, out = aya(
        "ingest", str(EXAMPLES / "products.jsonl"), str(EXAMPLES / "products.csv"), str(EXAMPLES / "normalized")
    )
    assert code == 0, out
    assert "imported 11 products" in out and "0 row(s) rejected" in out
    code, out = aya("catalog", "stats", "--json")
    assert code == 0
    stats = json.loads(out)
    assert stats["total"] == 11
    assert stats["by_species"] == {"dog": 5, "cat": 6}
    assert stats["with_embeddings"] == 0
    code, out = aya("catalog", "stats")
    assert code == 0 and "11 products" in out


def test_reingest_is_idempotent(settings: Settings) -> None:
    args = ("ingest", str(EXAMPLES / "products.jsonl"), str(EXAMPLES / "normalized"))
    assert aya(*args)[0] == 0
    before = content(catalog(settings))
    code, out = aya(*args)
    assert code == 0, out
    assert content(catalog(settings)) == before
    assert total(settings) == 9


def test_bad_rows_are_reported_and_the_rest_imported(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "mixed.jsonl"
    lines = (EXAMPLES / "products.jsonl").read_text(encoding="utf-8").splitlines()
    lines.insert(1, '{"id": "bad-1", "title": "Acme Dog Food Dry", "price": "call us"}')
    lines.insert(3, '{"id": "bad-2", "title": "Acme Dog Food Dry", "price": 5, "life_stage": "teenager"}')
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = aya("ingest", str(bad), "--rejects", str(tmp_path / "rejects.jsonl"))
    assert code == 1
    assert f"{bad}:2: price: not a price: 'call us'" in out
    assert f"{bad}:4: life_stage: unknown value 'teenager'" in out
    assert "imported 4 products" in out and "2 row(s) rejected" in out
    assert total(settings) == 4
    written = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert [(r["line"], r["id"]) for r in written] == [(2, "bad-1"), (4, "bad-2")]


def test_strict_aborts_before_writing(settings: Settings, tmp_path: Path) -> None:
    assert aya("ingest", str(EXAMPLES / "normalized"))[0] == 0
    before = content(catalog(settings))
    bad = tmp_path / "one-bad.csv"
    bad.write_text(
        (EXAMPLES / "products.csv").read_text(encoding="utf-8")
        + "ex-103,Bad Row Dry Dog Food,X,dog,adult,dry,free,,,,,,,\n",
        encoding="utf-8",
    )
    code, out = aya("ingest", "--strict", str(bad))
    assert code == 1
    assert f"{bad}:4: price: not a price: 'free'" in out and "nothing was written" in out
    assert content(catalog(settings)) == before
    code, out = aya("ingest", "--strict", str(EXAMPLES / "products.csv"))
    assert code == 0 and total(settings) == 7


def test_replace_rebuilds_the_catalog(settings: Settings) -> None:
    assert aya("ingest", str(EXAMPLES / "products.jsonl"))[0] == 0
    code, out = aya("ingest", "--replace", str(EXAMPLES / "normalized"))
    assert code == 0 and "replaced the catalog with 5 products" in out
    products = catalog(settings)
    assert products["__total__"] == 5 and "ex-001" not in products and "nx-1" in products


def test_mapped_export_through_the_cli(settings: Settings) -> None:
    code, out = aya(
        "ingest", str(EXAMPLES / "retailer" / "export.tsv"), "--mapping", str(EXAMPLES / "retailer" / "mapping.toml")
    )
    assert code == 1  # one row has no price
    assert "export.tsv:4: price: not a price: 'call for price'" in out
    assert total(settings) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ingest", "no/such/file.jsonl"), "no such file or directory"),
        (("ingest", "--format", "xml", "x.jsonl"), "--format must be"),
        (("ingest", "--format", "mapped", "examples/retailer/export.tsv"), "needs --mapping"),
        (("ingest", "--mapping", "no/such/mapping.toml", "examples/retailer/export.tsv"), "no such mapping file"),
        (("ingest", "examples/retailer/mapping.toml"), "cannot tell the format"),
    ],
)
def test_usage_errors_exit_2(
    settings: Settings, args: tuple[str, ...], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    code, out = aya(*args)
    assert code == 2 and message in out


def test_a_source_that_breaks_midway_loses_nothing(settings: Settings, tmp_path: Path) -> None:
    assert aya("ingest", str(EXAMPLES / "products.jsonl"), str(EXAMPLES / "normalized"))[0] == 0
    before = content(catalog(settings))
    broken = tmp_path / "broken.json"
    from aya.catalog.sample import generate_sample_catalog

    items = ",\n".join(p.model_dump_json() for p in generate_sample_catalog(1200, 3))
    broken.write_text("[\n" + items + ",\n{oops\n]", encoding="utf-8")  # 1,200 good items, then a syntax error
    for extra in ((), ("--replace",)):
        code, out = aya("ingest", *extra, str(broken))
        assert code == 2, out
        assert "invalid JSON" in out and "nothing was written" in out
        assert content(catalog(settings)) == before
        assert total(settings) == 9


def test_an_importer_that_raises_midway_loses_nothing(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert aya("ingest", str(EXAMPLES / "normalized"))[0] == 0
    before = content(catalog(settings))
    real = importers.read_source

    def exploding(path: Path, fmt: importers.Format = "auto", mapping: object = None) -> Iterator[object]:
        yield from real(path, fmt, mapping)  # type: ignore[arg-type]
        from aya.catalog.sample import generate_sample_catalog

        yield from generate_sample_catalog(700, 1)
        raise OSError("the disk went away")

    monkeypatch.setattr(importers, "read_source", exploding)
    code, out = aya("ingest", str(EXAMPLES / "products.jsonl"))
    assert code == 1 and "the disk went away" in out and "nothing was written" in out
    assert content(catalog(settings)) == before and total(settings) == 5


def test_sample_command_and_first_start(settings: Settings, tmp_path: Path) -> None:
    out_file = tmp_path / "sample.jsonl"
    code, _ = aya("catalog", "sample", "--n", "40", "--seed", "3", "--out", str(out_file))
    assert code == 0
    lines = out_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 40 and json.loads(lines[0])["id"] == "s3-00000-" + json.loads(lines[0])["id"][-1]
    code, out = aya("catalog", "sample", "--n", "3")
    assert code == 0 and len(out.strip().splitlines()) == 3

    first = settings.model_copy(update={"embedder": "none", "sample_catalog_size": 60, "sample_catalog_seed": 3})
    assert ensure_sample_catalog(first) is True
    assert total(settings) == 60
    assert ensure_sample_catalog(first) is False  # not empty any more: nothing to do
    code, out = aya("ingest", str(out_file))  # the same products written by `aya catalog sample`
    assert code == 0 and total(settings) == 60


def test_repeated_ids_in_one_ingest_are_noted(settings: Settings) -> None:
    code, out = aya("ingest", str(EXAMPLES / "products.jsonl"), str(EXAMPLES / "products.jsonl"))
    assert code == 0
    assert "4 row(s) repeated an id" in out
    assert total(settings) == 4


def test_an_interrupted_ingest_loses_nothing(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert aya("ingest", str(EXAMPLES / "normalized"))[0] == 0
    before = content(catalog(settings))

    def interrupted(path: Path, fmt: importers.Format = "auto", mapping: object = None) -> Iterator[object]:
        from aya.catalog.sample import generate_sample_catalog

        yield from generate_sample_catalog(900, 2)
        raise KeyboardInterrupt  # Ctrl-C while the third batch is being read

    monkeypatch.setattr(importers, "read_source", interrupted)
    for extra in ((), ("--replace",)):
        code, out = aya("ingest", *extra, str(EXAMPLES / "products.jsonl"))
        assert code == 130 and "interrupted" in out and "nothing was written" in out
        assert content(catalog(settings)) == before and total(settings) == 5
