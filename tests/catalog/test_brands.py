"""A missing brand filled from the start of the title when the catalog knows that brand (aya.catalog.brands), and
``aya ingest`` doing it on the embedded backend (the OpenSearch side: tests/search/test_opensearch_cli.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.catalog.brand_titles import brand_scenario
from tests.search.products import product
from typer.testing import CliRunner

from aya.catalog.brands import BrandFiller, BrandsFileError, read_brands_file
from aya.catalog.models import Product
from aya.cli.main import app
from aya.core.settings import Settings
from aya.search.factory import open_search


def brandless(pid: str, title: str) -> Product:
    return product(pid, title, brand="", species="cat")


def filled(known: list[str], *titles: str) -> list[str]:
    filler = BrandFiller(known)
    out = list(filler.fill([brandless(f"p{i}", t) for i, t in enumerate(titles)]))
    assert filler.brandless == len(titles)
    assert filler.filled == sum(1 for p in out if p.brand)
    return [p.brand for p in out]


def test_longest_known_brand_the_title_starts_with() -> None:
    known = ["Purina", "Purina Pro Plan", "Purina Pro Plan Veterinary Diets", "Diamond", "Diamond Naturals"]
    assert filled(
        known,
        "Purina Pro Plan Veterinary Diets OM Savory Selects With Chicken Wet Cat Food, 5.5-oz",
        "Purina Pro Plan Savor Adult Salmon & Rice Formula Dry Cat Food",
        "Purina Cat Chow Naturals Original Dry Cat Food",
        "Diamond Naturals Kitten Formula Dry Cat Food, 6-lb bag",
        "diamond naturals indoor hairball control adult canned cat food",
    ) == ["Purina Pro Plan Veterinary Diets", "Purina Pro Plan", "Purina", "Diamond Naturals", "Diamond Naturals"]


def test_whole_words_and_punctuated_brands() -> None:
    known = ["Go!", "Halo", "Dr. Elsey's", "Hound & Gatos", "Ziwi"]
    assert filled(
        known,
        "Go! CARNIVORE Grain Free Chicken, Turkey + Duck Pate Cat Food, 6.4-oz, case of 24",
        "Halo Holistic Chicken & Chicken Liver Recipe Grain-Free Senior Dry Cat Food",
        "Halomax Salmon Bites",  # not Halo's
        "Dr. Elsey's Cleanprotein Chicken Formula Grain-Free Dry Cat Food",
        "Hound & Gatos 98% Lamb & Liver Formula Grain-Free Canned Cat Food",
        "Ziwi Peak Mackerel Recipe Canned Cat Food, 6.5-oz, case of 12",
        "Grain-Free Chicken Pate Canned Cat Food",  # no brand: the first word is not invented as one
    ) == ["Go!", "Halo", "", "Dr. Elsey's", "Hound & Gatos", "Ziwi", ""]


def test_brands_of_the_same_stream_fill_earlier_products_and_lists_are_split() -> None:
    filler = BrandFiller()
    items = [
        brandless("a", "Tiki Cat Luau Succulent Chicken Grain-Free Canned Cat Food"),
        brandless("b", "Hill's Science Diet Adult Indoor Chicken Recipe Dry Cat Food"),
        product("c", "Tiki Cat After Dark Chicken & Quail Egg Canned Cat Food", brand="Tiki Cat", species="cat"),
        product("d", "Science Diet Adult Hairball Control", brand="Hill's, Science Diet", species="cat"),
        product("e", "A", brand="A", species="cat"),  # one letter: never a brand to fill with
        brandless("f", "A Cat's Dinner Pate"),
    ]
    out = {p.id: p.brand for p in filler.fill(items)}
    assert out == {"a": "Tiki Cat", "b": "Hill's", "c": "Tiki Cat", "d": "Hill's, Science Diet", "e": "A", "f": ""}
    assert (filler.brandless, filler.filled) == (3, 2)
    assert {"Hill's", "Science Diet", "Hill's, Science Diet", "Tiki Cat"} <= filler.known


async def test_async_streams_are_filled_too() -> None:
    async def stream() -> AsyncIterator[Product]:
        yield brandless("a", "Meow Mix Tender Centers Salmon & Chicken Flavors Dry Cat Food")
        yield product("b", "Meow Mix Original Choice Dry Cat Food", brand="Meow Mix", species="cat")

    filler = BrandFiller()
    assert [(p.id, p.brand) async for p in filler.afill(stream())] == [("b", "Meow Mix"), ("a", "Meow Mix")]


def test_brands_file(tmp_path: Path) -> None:
    path = tmp_path / "brands.txt"
    path.write_text("\ufeff# our brands\nTiki Cat\n\n  Fancy Feast   # Purina's\nStella & Chewy's\n", encoding="utf-8")
    assert read_brands_file(path) == ["Tiki Cat", "Fancy Feast", "Stella & Chewy's"]
    with pytest.raises(BrandsFileError, match="no such file"):
        read_brands_file(tmp_path / "missing.txt")


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.output


def test_aya_ingest_fills_brands_on_the_embedded_backend(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sc = brand_scenario(tmp_path)
    monkeypatch.setenv("AYA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("AYA_EMBEDDER", "none")
    monkeypatch.setenv("AYA_BRANDS_FILE", str(sc.brands_file))
    code, out = run("ingest", str(sc.first))
    assert code == 0, out
    code, out = run("ingest", str(sc.second))
    assert code == 0, out
    assert "brands: 4 of 6 product(s) without a brand got one from the start of their title" in out

    async def brands() -> dict[str, str]:
        search = await open_search(settings.model_copy(update={"embedder": "none"}))
        try:
            return {p.id: p.brand for p in await search.get(list(sc.expected))}
        finally:
            await search.aclose()

    assert asyncio.run(brands()) == sc.expected


def test_a_missing_brands_file_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sc = brand_scenario(tmp_path)
    monkeypatch.setenv("AYA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AYA_EMBEDDER", "none")
    monkeypatch.setenv("AYA_BRANDS_FILE", str(tmp_path / "nope.txt"))
    code, out = run("ingest", str(sc.second))
    assert code == 2 and "AYA_BRANDS_FILE" in out and "no such file" in out
