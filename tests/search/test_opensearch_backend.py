"""What only the OpenSearch backend has: the analyzer's synonyms, the alias switch, bulk errors, cluster health and
failures, /healthz. On a real node (the session's, see conftest.py)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Sequence

import httpx
import numpy as np
import pytest
from tests.search.contract import ids, kw
from tests.search.products import contract_products, product

from aya.catalog.models import Product
from aya.core.settings import Settings
from aya.search.models import SearchQuery
from aya.search.opensearch_backend import BulkWriteFailed, OpenSearchProductSearch, SearchUnavailable
from aya.search.opensearch_node import free_port
from aya.web.app import create_app

_names = itertools.count()


def os_settings(settings: Settings, url: str, **extra: object) -> Settings:
    update = {"search_backend": "opensearch", "opensearch_url": url, "opensearch_index": f"t-{next(_names)}"}
    return settings.model_copy(update=update | extra)


@pytest.fixture
async def search(settings: Settings, opensearch_url: str) -> AsyncIterator[OpenSearchProductSearch]:
    s = await OpenSearchProductSearch.open(os_settings(settings, opensearch_url), use_settings_embedder=False)
    try:
        yield s
    finally:
        await _drop(s)


async def _drop(s: OpenSearchProductSearch) -> None:
    indices = await s.client.indices.get(index=f"{s.alias}*", ignore_unavailable=True)
    for name in indices:
        await s.client.indices.delete(index=name)
    await s.aclose()


async def test_vocabulary_synonyms_reach_the_vocabulary_fields(search: OpenSearchProductSearch) -> None:
    await search.upsert(
        [
            product("d1", "Ocean Recipe", food_type="dry", special_features=["grain_free"]),
            product("w1", "Ocean Recipe", food_type="wet"),
        ]
    )
    # neither word is in any title or description: only the vocabulary's synonyms connect them
    assert await kw(search, "kibble") == ["d1"]
    assert await kw(search, "grainless") == ["d1"]
    assert set(await kw(search, "canned")) == {"w1"}


async def test_english_stemming_and_typos(search: OpenSearchProductSearch) -> None:
    await search.upsert(contract_products())
    assert "p3" in await kw(search, "lambs")
    res = await search.search(SearchQuery(text="salmn puppy", mode="keyword", relax=False))
    assert res.corrected_text == "salmon puppy" and ids(res)[0] == "p1"  # a word no product has is corrected
    assert "p3" in await kw(search, "lamb sneior")  # fuzziness AUTO catches what the suggester leaves


async def test_facets_count_brands_and_vocabularies(search: OpenSearchProductSearch) -> None:
    await search.upsert(contract_products())
    facets = await search.facets()
    assert [(f.value.lower(), f.count) for f in facets.brands][:3] == [("acme", 3), ("prairie", 2), ("whisker co", 2)]
    assert [(f.value, f.count) for f in facets.species] == [("dog", 7), ("cat", 3)]
    assert sum(f.count for f in facets.food_types) == 10
    assert facets.life_stages[0].value == "adult"


async def test_replace_switches_the_alias_atomically(search: OpenSearchProductSearch) -> None:
    await search.upsert(contract_products())
    first = await search.current_index()
    halfway = asyncio.Event()
    go_on = asyncio.Event()

    async def slow_catalog() -> AsyncIterator[Product]:
        for i in range(4):
            if i == 2:
                halfway.set()
                await go_on.wait()
            yield product(f"n{i}", f"New Product {i}")

    writer = asyncio.create_task(search.write(slow_catalog(), replace=True, batch_size=1))
    await halfway.wait()
    # half of the new catalog is written: searches still see the whole old one
    assert (await search.stats()).total == 10
    go_on.set()
    assert await writer == 4
    assert (await search.stats()).total == 4
    now = await search.current_index()
    assert now != first
    assert not await search.client.indices.exists(index=first)  # the old index is gone


async def _index_settings(search: OpenSearchProductSearch, index: str) -> dict[str, str]:
    got = await search.client.indices.get_settings(index=index)
    flat: dict[str, str] = got[index]["settings"]["index"]
    return flat


async def test_a_replace_builds_with_refresh_off_and_serves_with_the_configured_settings(
    settings: Settings, opensearch_url: str
) -> None:
    """The bulk-loading settings hold only while the new index fills; it serves with the configured ones."""
    search = await OpenSearchProductSearch.open(
        os_settings(settings, opensearch_url, opensearch_replicas=1), use_settings_embedder=False
    )
    try:
        first = await search.current_index()
        assert first is not None
        assert (await _index_settings(search, first))["refresh_interval"] == "1s"
        halfway = asyncio.Event()
        go_on = asyncio.Event()

        async def slow_catalog() -> AsyncIterator[Product]:
            for i in range(4):
                if i == 2:
                    halfway.set()
                    await go_on.wait()
                yield product(f"n{i}", f"New Product {i}")

        writer = asyncio.create_task(search.write(slow_catalog(), replace=True, batch_size=1))
        await halfway.wait()
        building = [i for i in await search.client.indices.get(index=f"{search.alias}-*") if i != first]
        assert len(building) == 1
        during = await _index_settings(search, building[0])
        assert (during["refresh_interval"], during["number_of_replicas"]) == ("-1", "0")
        go_on.set()
        assert await writer == 4
        assert await search.current_index() == building[0]
        after = await _index_settings(search, building[0])
        assert (after["refresh_interval"], after["number_of_replicas"]) == ("1s", "1")
        assert (await search.stats()).total == 4  # searchable without an explicit refresh by the caller
    finally:
        await _drop(search)


async def test_a_failure_mid_build_leaves_the_live_catalog_untouched(search: OpenSearchProductSearch) -> None:
    await search.upsert(contract_products())
    first = await search.current_index()

    async def broken_catalog() -> AsyncIterator[Product]:
        for i in range(5):
            yield product(f"n{i}", f"New Product {i}")
        raise RuntimeError("the catalog feed broke")

    with pytest.raises(RuntimeError, match="feed broke"):
        await search.write(broken_catalog(), replace=True, batch_size=2)
    assert await search.current_index() == first
    assert list(await search.client.indices.get(index=f"{search.alias}-*")) == [first]  # the new index is gone
    assert (await search.stats()).total == 10


async def test_refused_documents_fail_a_replace_and_keep_the_live_catalog(
    settings: Settings, opensearch_url: str
) -> None:
    s = await OpenSearchProductSearch.open(os_settings(settings, opensearch_url), ZeroForSomeEmbedder())
    try:
        await s.upsert(contract_products())
        first = await s.current_index()
        new = [product(f"n{i}", f"New Food {i}") for i in range(7)] + [product("bad1", "ZERO Food")]
        with pytest.raises(BulkWriteFailed) as err:
            await s.write(new, replace=True, batch_size=3)  # three batches, two requests in flight
        assert [pid for pid, _ in err.value.failures] == ["bad1"]
        assert err.value.written == 7
        assert await s.current_index() == first
        assert list(await s.client.indices.get(index=f"{s.alias}-*")) == [first]
        assert (await s.stats()).total == 10
    finally:
        await _drop(s)


async def test_a_lost_switch_answer_never_drops_the_serving_index(search: OpenSearchProductSearch) -> None:
    """The alias switch landed but its answer was lost: the new index serves, so it must not be dropped."""
    await search.upsert(contract_products())
    switch = search._switch_alias

    async def switch_then_fail(new: str) -> list[str]:
        await switch(new)
        raise SearchUnavailable("the answer was lost")

    search._switch_alias = switch_then_fail  # type: ignore[method-assign]
    with pytest.raises(SearchUnavailable):
        await search.write([product("n1", "New Product")], replace=True)
    now = await search.current_index()
    assert now is not None and await search.client.indices.exists(index=now)
    assert [p.id for p in await search.get(["n1"])] == ["n1"]


async def test_the_last_write_of_a_product_wins_with_requests_in_flight(search: OpenSearchProductSearch) -> None:
    versions = [product("p1", f"Version {i}") for i in range(6)] + [product("p2", "Other")]
    assert await search.write(versions, batch_size=1) == 7
    assert [p.title for p in await search.get(["p1"])] == ["Version 5"]
    await search.write(versions[:3], replace=True, batch_size=1)
    assert [p.title for p in await search.get(["p1", "p2"])] == ["Version 2"]


async def test_reindex_keeps_every_product(search: OpenSearchProductSearch) -> None:
    await search.upsert(contract_products())
    before = await search.current_index()
    assert await search.reindex() == 10
    assert await search.current_index() != before
    assert sorted(p.id for p in await search.get([f"p{i}" for i in range(1, 11)])) == sorted(
        f"p{i}" for i in range(1, 11)
    )


class ZeroForSomeEmbedder:
    """A deterministic test embedder: a zero vector (which the cosine space refuses) for texts naming ZERO."""

    model_id = "test-zero-for-some"
    dim = 8

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            if "ZERO" not in t:
                out[i, i % self.dim] = 1.0
        return out


async def test_refused_documents_are_reported_not_dropped(settings: Settings, opensearch_url: str) -> None:
    s = await OpenSearchProductSearch.open(os_settings(settings, opensearch_url), ZeroForSomeEmbedder())
    try:
        good = [product("ok1", "Fine Food"), product("ok2", "Other Fine Food")]
        with pytest.raises(BulkWriteFailed) as err:
            await s.upsert([*good, product("bad1", "ZERO Food")])
        assert [pid for pid, _ in err.value.failures] == ["bad1"]
        assert err.value.written == 2
        assert "bad1" in err.value.message
        assert sorted(p.id for p in await s.get(["ok1", "ok2", "bad1"])) == ["ok1", "ok2"]
    finally:
        await _drop(s)


async def test_unreachable_cluster_is_a_clear_error(settings: Settings) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SearchUnavailable, match="unreachable"):
        await OpenSearchProductSearch.open(os_settings(settings, url), use_settings_embedder=False)


async def test_timeouts_are_a_clear_error(search: OpenSearchProductSearch) -> None:
    from opensearchpy import AsyncOpenSearch

    await search.upsert(contract_products())
    # a search slower than the client's timeout (a busy script per document)
    busy = "long s = 0; for (int i = 0; i < 50000000; i++) { s += i; } return 1;"
    slow = {"query": {"script_score": {"query": {"match_all": {}}, "script": {"source": busy}}}}
    quick = OpenSearchProductSearch(
        AsyncOpenSearch(hosts=search.hosts, timeout=0.05, max_retries=0), search.alias, hosts=search.hosts
    )
    try:
        with pytest.raises(SearchUnavailable, match="timed out"):
            await quick._search(slow)
    finally:
        await quick.aclose()


async def test_red_and_yellow_clusters_are_reported(search: OpenSearchProductSearch) -> None:
    health = await search.health()
    assert health["status"] == "green"
    c = search.client
    index = await search.current_index()
    await c.indices.put_settings(index=index, body={"index": {"number_of_replicas": 1}})  # one node: no replica
    health = await search.health()
    assert health["status"] == "yellow" and "replica" in str(health["detail"])
    # a new index that can live on no node: red
    red = f"{search.alias}-red"
    await c.indices.create(
        index=red,
        body={"settings": {"index.routing.allocation.require._name": "no-such-node", "number_of_replicas": 0}},
        wait_for_active_shards=0,
    )
    await c.indices.update_aliases(
        body={
            "actions": [
                {"remove": {"index": index, "alias": search.alias}},
                {"add": {"index": red, "alias": search.alias}},
            ]
        }
    )
    health = await search.health()
    assert health["status"] == "red" and "primary" in str(health["detail"])
    with pytest.raises(SearchUnavailable):
        await search.search(SearchQuery(text="salmon", mode="keyword"))


async def test_healthz_says_which_failure(settings: Settings, opensearch_url: str) -> None:
    from opensearchpy import AsyncOpenSearch

    from aya.search.progressive import ProgressiveSearch

    s = os_settings(settings, opensearch_url, embedder="none")
    app = create_app(s)
    async with app.router.lifespan_context(app):
        resources = app.state.resources
        live = resources.search
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://aya.test") as client:
            r = await client.get("/healthz")
            assert r.status_code == 200
            assert r.json()["search"]["status"] == "green" and r.json()["catalog_size"] == 0
            # a backend whose node is gone: /healthz answers 503 and names the failure, searches a clear 503
            dead_url = f"http://127.0.0.1:{free_port()}"
            dead = OpenSearchProductSearch(
                AsyncOpenSearch(hosts=[dead_url], max_retries=0), live.backend.alias, hosts=[dead_url]
            )
            resources.search = ProgressiveSearch(dead)
            try:
                r = await client.get("/healthz")
                assert r.status_code == 503
                assert r.json()["status"] == "degraded" and r.json()["search"]["status"] == "unreachable"
                r = await client.post("/api/search", json={"text": "chicken"})
                assert r.status_code == 503 and r.json()["error"] == "search_unavailable"
                assert "unreachable" in r.json()["message"] and dead_url in r.json()["message"]
            finally:
                resources.search = live
                await dead.aclose()
        index = await live.backend.current_index()
        await live.backend.client.indices.delete(index=index)


async def test_semantic_search_without_embedder_says_so(search: OpenSearchProductSearch) -> None:
    await search.upsert(contract_products())
    res = await search.search(SearchQuery(text="salmon", mode="hybrid"))
    assert res.mode == "keyword" and "no embedder" in res.notes[0]
    assert set(ids(res)) == {"p1", "p5"}


async def test_embeddings_added_later_and_kept_on_updates(settings: Settings, opensearch_url: str) -> None:
    s = await OpenSearchProductSearch.open(os_settings(settings, opensearch_url), ZeroForSomeEmbedder())
    try:
        products = contract_products()
        assert await s.write(products, embed=False) == 10
        assert (await s.stats()).with_embeddings == 0
        assert await s.upsert(products) == 10  # same content: only the vectors are added
        assert (await s.stats()).with_embeddings == 10
        assert await s.upsert(products) == 0
        p1 = products[0].model_copy(update={"price": 1.0})  # the price is not embedded: the vector stays
        assert await s.upsert([p1]) == 1
        assert (await s.stats()).with_embeddings == 10
        res = await s.search(SearchQuery(text="salmon", mode="semantic", relax=False))
        assert res.mode == "semantic" and res.hits
    finally:
        await _drop(s)


async def test_429_and_503_are_retried_with_backoff(search: OpenSearchProductSearch) -> None:
    """The retry policy of ``_request`` on the client's own error type: two 429s, then an answer; 503 every time
    ends in a clear error after the last backoff."""
    from opensearchpy.exceptions import TransportError

    from aya.search import opensearch_backend

    calls: list[float] = []

    async def busy_twice() -> str:
        calls.append(asyncio.get_running_loop().time())
        if len(calls) <= 2:
            raise TransportError(429, "rejected_execution_exception", {})
        return "answer"

    assert await search._request("search", busy_twice) == "answer"
    assert len(calls) == 3
    assert calls[1] - calls[0] >= opensearch_backend.RETRY_DELAYS[0] * 0.9
    assert calls[2] - calls[1] >= opensearch_backend.RETRY_DELAYS[1] * 0.9

    async def unavailable() -> str:
        raise TransportError(503, "unavailable", {})

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(opensearch_backend, "RETRY_DELAYS", (0.01, 0.01))
        with pytest.raises(SearchUnavailable, match="503"):
            await search._request("search", unavailable)


async def test_an_index_built_without_embedder_gets_its_vector_field(settings: Settings, opensearch_url: str) -> None:
    s = os_settings(settings, opensearch_url)
    plain = await OpenSearchProductSearch.open(s, use_settings_embedder=False)
    await plain.upsert(contract_products())
    await plain.aclose()
    with_vectors = await OpenSearchProductSearch.open(s, ZeroForSomeEmbedder())
    try:
        assert await with_vectors.upsert(contract_products()) == 10  # the vectors are added
        res = await with_vectors.search(SearchQuery(text="salmon", mode="semantic", relax=False))
        assert res.mode == "semantic" and len(res.hits) == 10
    finally:
        await _drop(with_vectors)
