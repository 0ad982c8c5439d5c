"""Ingest: atomic batches, failed/interrupted ingests lose nothing, replace, re-embedding only what changed,
index recovery from SQLite, and changes made by another process."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator

import pytest
from tests.search.products import contract_products, product

from aya.catalog.models import Product
from aya.catalog.sample import generate_sample_catalog
from aya.core.settings import Settings
from aya.search.embedder import MiniLMEmbedder
from aya.search.factory import open_search
from aya.search.ingest import ingest_products
from aya.search.models import SearchQuery
from aya.search.sqlite_backend import SqliteProductSearch


def failing_after(n: int) -> Iterator[Product]:
    yield from generate_sample_catalog(n, 3)
    raise OSError("disk went away")


async def test_failed_ingest_loses_nothing(settings: Settings) -> None:
    settings = settings.model_copy(update={"embedder": "none"})
    search = await open_search(settings)
    await ingest_products(search, contract_products())
    with pytest.raises(OSError):
        await ingest_products(search, failing_after(1200), batch_size=500)  # two batches written before the error
    assert (await search.stats()).total == 10
    with pytest.raises(OSError):
        await ingest_products(search, failing_after(700), replace=True)
    res = await search.search(SearchQuery(text="salmon", mode="keyword"))
    assert {h.product.id for h in res.hits} == {"p1", "p5"}
    await search.aclose()
    reopened = await open_search(settings)  # and the files on disk agree
    assert (await reopened.stats()).total == 10
    assert (await reopened.search(SearchQuery(text="samon", mode="keyword"))).total == 2
    await reopened.aclose()


async def test_replace_swaps_the_whole_catalog(settings: Settings) -> None:
    settings = settings.model_copy(update={"embedder": "none"})
    search = await open_search(settings)
    await ingest_products(search, contract_products())
    report = await ingest_products(search, [product("n1", "Venison Stew"), product("n2", "Rabbit Bites")], replace=True)
    assert report.total == 2 and report.replaced
    assert await search.get(["p1"]) == []
    assert (await search.search(SearchQuery(text="venison", mode="keyword"))).hits[0].product.id == "n1"
    await search.aclose()


async def test_reingest_embeds_only_what_changed(settings: Settings) -> None:
    search = await SqliteProductSearch.open(settings, MiniLMEmbedder())
    first = await ingest_products(search, contract_products())
    assert first.embedded == 10 and (await search.stats()).with_embeddings == 10
    again = await ingest_products(search, contract_products())
    assert again.changed == 0 and again.embedded == 0
    edited = [*contract_products()[:9], product("p10", "Duck & Potato Dog Food", description="Now with pumpkin.")]
    third = await ingest_products(search, edited)
    assert third.changed == 1 and third.embedded == 1
    await search.aclose()
    # a rebuilt catalog (replace) finds every vector in the embedding cache
    search = await SqliteProductSearch.open(settings, MiniLMEmbedder())
    fourth = await ingest_products(search, edited, replace=True)
    assert fourth.changed == 10 and fourth.embedded == 0
    assert (await search.stats()).with_embeddings == 10
    await search.aclose()


async def test_index_is_rebuilt_from_sqlite_when_stale(settings: Settings) -> None:
    settings = settings.model_copy(update={"embedder": "none"})
    search = await open_search(settings)
    await ingest_products(search, contract_products())
    await search.aclose()
    shutil.rmtree(settings.index_dir)  # lost index (or a crash between the SQLite and the index commit)
    search = await open_search(settings)
    res = await search.search(SearchQuery(text="salmon", mode="keyword"))
    assert {h.product.id for h in res.hits} == {"p1", "p5"}
    await search.aclose()


async def test_changes_by_another_process_are_picked_up(settings: Settings) -> None:
    settings = settings.model_copy(update={"embedder": "none"})
    server = await open_search(settings)
    await ingest_products(server, contract_products())
    assert (await server.search(SearchQuery(text="venison", mode="keyword"))).total == 0
    cli = await open_search(settings)  # e.g. `aya ingest` while the server runs
    await ingest_products(cli, [product("n1", "Venison Stew", species="cat")])
    await cli.delete(["p1"])
    await cli.aclose()
    res = await server.search(SearchQuery(text="venison", mode="keyword"))
    assert [h.product.id for h in res.hits] == ["n1"]
    assert await server.get(["p1"]) == []
    assert (await server.stats()).by_species["cat"] == 4
    await server.aclose()


async def test_without_embedder_semantic_degrades_and_says_so(settings: Settings) -> None:
    settings = settings.model_copy(update={"embedder": "none"})
    search = await open_search(settings)
    await ingest_products(search, contract_products())
    res = await search.search(SearchQuery(text="salmon", mode="semantic"))
    assert res.mode == "keyword" and "keyword" in res.notes[0]
    assert {h.product.id for h in res.hits} == {"p1", "p5"}
    similar = await search.similar("p1", k=2)  # keyword fallback over the product's own words
    assert similar.hits and all(h.product.species == "dog" and h.product.id != "p1" for h in similar.hits)
    await search.aclose()


async def test_reader_survives_another_process_between_its_two_commits(settings: Settings) -> None:
    settings = settings.model_copy(update={"embedder": "none"})
    server = await open_search(settings)
    await ingest_products(server, contract_products())
    other = await SqliteProductSearch.open(settings, None, use_settings_embedder=False)
    # the other process has committed SQLite and still holds the index writer (its index commit is pending)
    tx = other.store.begin()
    written = tx.put([product("n1", "Venison Stew")])
    generation = other.store.commit(tx)
    iw = other.text.writer()
    iw.add(written)
    res = await server.search(SearchQuery(text="salmon", mode="keyword"))  # no crash, no rebuild attempt
    assert {h.product.id for h in res.hits} == {"p1", "p5"}
    assert (await server.get(["n1"]))[0].title == "Venison Stew"  # documents come from SQLite already
    iw.commit()
    other._write_marker(generation)
    res = await server.search(SearchQuery(text="venison", mode="keyword"))
    assert [h.product.id for h in res.hits] == ["n1"]
    await other.aclose()
    await server.aclose()


async def test_cancelled_ingest_loses_nothing_and_frees_the_writer(settings: Settings) -> None:
    settings = settings.model_copy(update={"embedder": "none"})
    search = await open_search(settings)
    await ingest_products(search, contract_products())
    first_batch_done = asyncio.Event()

    async def slow() -> AsyncIterator[Product]:
        for i, p in enumerate(generate_sample_catalog(1500, 5)):
            if i == 600:
                first_batch_done.set()
                await asyncio.Event().wait()  # stalls until cancelled (an interrupted ingest)
            yield p

    task = asyncio.create_task(ingest_products(search, slow(), batch_size=500))
    await first_batch_done.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await search.stats()).total == 10
    report = await ingest_products(search, [product("n1", "Venison Stew")])  # the writer was released
    assert report.total == 11
    await search.aclose()
