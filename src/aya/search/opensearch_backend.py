"""``OpenSearchProductSearch``: the scale-out backend, over the opensearch-py async client.

- Reads and writes go to an ALIAS (``settings.opensearch_index``) over a concrete index ``<alias>-<timestamp>``:
  :meth:`reindex` and ``write(replace=True)`` build a new index and switch the alias in one atomic ``_aliases`` call,
  so searches never see a half-built index.
- Queries come from the pure builders of :mod:`aya.search.opensearch_query`; hybrid search fuses the keyword and
  the filtered-kNN pools client-side by weighted reciprocal rank fusion, the same formula as the embedded backend
  (OpenSearch 2.19's score-ranker processor lives in the neural-search plugin, which is not loaded here).
- Writes: ``async_bulk``, two requests in flight while the next batch is prepared (:class:`BulkOptions`); products
  whose content hash is unchanged are skipped; embeddings through the same :class:`CachedEmbedder` and cache file as
  the embedded backend; a document the cluster refuses is reported in a :class:`BulkWriteFailed` error naming the
  products, never dropped silently. A new index (replace, reindex) is filled with refresh off and no replicas, and
  gets both back before the alias switches to it.
- Failures: unreachable nodes and timeouts raise :class:`SearchUnavailable` (HTTP 503) with a clear message; 429
  and 503 answers are retried with exponential backoff; :meth:`health` says green, yellow, red or unreachable.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from aya.catalog.models import Product
from aya.core.errors import AyaError, NotConfigured, NotFound
from aya.core.settings import Settings
from aya.search.analysis import STOP_WORDS, embedding_text, query_hints, words
from aya.search.embedder import CachedEmbedder, Embedder, EmbeddingCache, text_hash
from aya.search.exclusions import excluded
from aya.search.explain import explain
from aya.search.models import (
    CatalogStats,
    FacetCount,
    Facets,
    Filters,
    ProductLineFacet,
    SearchHit,
    SearchMode,
    SearchQuery,
    SearchResult,
)
from aya.search.opensearch_index import index_body, live_settings, mappings, to_document, to_product
from aya.search.opensearch_query import (
    HIDDEN_FIELDS,
    Understood,
    build_opensearch_query,
    doc_freq_bodies,
    filter_query,
    keyword_query,
    knn_query,
    partial_candidate,
    search_body,
    suggest_body,
    understand,
)
from aya.search.store import content_hash
from aya.search.text_index import term_patterns
from aya.search.typos import english_words

if TYPE_CHECKING:
    from opensearchpy import AsyncOpenSearch

logger = logging.getLogger("aya.search")

RRF_K = 60
POOL = 50
RETRY_STATUSES = (429, 503)
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)
QUERY_VECTOR_CACHE = 1024
ADMIN_TIMEOUT = 60.0  # creating an index, switching the alias, bulk writes: may wait for shards to be assigned
Progress = Callable[[int, int], None]
T = TypeVar("T")
Failures = list[tuple[str, str]]


@dataclass(frozen=True)
class BulkOptions:
    """How writes reach the cluster.

    ``in_flight`` bulk requests may be under way while the next batch is prepared (hashes read, vectors computed,
    documents built), so the client's work and the node's overlap; a batch holding a product still in flight waits
    for it, so the last write of a product wins as before. A batch goes out in requests of at most
    ``max_chunk_bytes``. ``bulk_build``: a new index (replace, reindex) is created with refresh off and no replicas
    and gets them back before the alias switches to it.
    """

    in_flight: int = 2
    max_chunk_bytes: int = 10 * 2**20
    bulk_build: bool = True


SEQUENTIAL = BulkOptions(in_flight=1, max_chunk_bytes=100 * 2**20, bulk_build=False)  # the path before BulkOptions


class SearchUnavailable(AyaError):
    """OpenSearch cannot answer: unreachable, timed out, overloaded after retries, or its index is unusable."""

    status = 503
    code = "search_unavailable"


class BulkWriteFailed(AyaError):
    """Some documents of a write were refused by the cluster; the others were written."""

    status = 502
    code = "search_write_failed"

    def __init__(self, failures: list[tuple[str, str]], written: int) -> None:
        shown = "; ".join(f"{pid}: {why}" for pid, why in failures[:5])
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        super().__init__(f"{len(failures)} product(s) not indexed, {written} written: {shown}{more}")
        self.failures = failures
        self.written = written


def _import_client() -> Any:
    try:
        import opensearchpy
    except ImportError as exc:  # pragma: no cover - the extra is installed in development
        raise NotConfigured(
            "AYA_SEARCH_BACKEND=opensearch requires the 'opensearch' extra: pip install 'aya[opensearch]'",
            field="search_backend",
        ) from exc
    return opensearchpy


def hosts_of(url: str) -> list[str]:
    return [u.strip().rstrip("/") for u in url.split(",") if u.strip()]


def rrf(keyword_ids: Sequence[str], vector_ids: Sequence[str], semantic_weight: float) -> dict[str, float]:
    """Weighted reciprocal rank fusion (k = 60), the embedded backend's formula."""
    fused: dict[str, float] = {}
    for rank, pid in enumerate(keyword_ids, 1):
        fused[pid] = fused.get(pid, 0.0) + (1.0 - semantic_weight) / (RRF_K + rank)
    for rank, pid in enumerate(vector_ids, 1):
        fused[pid] = fused.get(pid, 0.0) + semantic_weight / (RRF_K + rank)
    return fused


def _cosine(score: float) -> float:
    """The lucene engine's cosinesimil score is (1 + cos) / 2."""
    return 2.0 * score - 1.0


def _sort_value(sort: str, p: Product) -> Any:
    if sort == "price":
        return p.price
    if sort == "price_desc":
        return -p.price
    return -(p.rating or 0.0)


class OpenSearchProductSearch:
    """Product search over an OpenSearch index (alias). Build with :meth:`open`; close with :meth:`aclose`."""

    def __init__(
        self,
        client: AsyncOpenSearch,
        alias: str,
        *,
        embedder: CachedEmbedder | None = None,
        semantic_weight: float = 0.6,
        shards: int = 1,
        replicas: int = 0,
        hosts: Sequence[str] = (),
        bulk: BulkOptions | None = None,
    ) -> None:
        self.client = client
        self.alias = alias
        self.embedder = embedder
        self.semantic_weight = semantic_weight
        self.shards = shards
        self.replicas = replicas
        self.hosts = list(hosts)
        self.bulk = bulk or BulkOptions()
        self._errors = _import_client().exceptions
        self._write_lock = asyncio.Lock()
        self._vectors_seen: tuple[float, bool] = (0.0, False)
        self._query_vecs: OrderedDict[str, list[float]] = OrderedDict()

    @classmethod
    async def open(
        cls,
        settings: Settings,
        embedder: Embedder | None = None,
        *,
        use_settings_embedder: bool = True,
        cache_path: Any = None,
        index: str | None = None,
    ) -> OpenSearchProductSearch:
        """Connect to ``settings.opensearch_url`` and make sure the index (alias) exists with a fitting mapping."""
        if not settings.opensearch_url:
            raise NotConfigured("AYA_SEARCH_BACKEND=opensearch needs AYA_OPENSEARCH_URL", field="opensearch_url")
        osp = _import_client()
        if embedder is None and use_settings_embedder:
            from aya.search.embedder import make_embedder

            embedder = make_embedder(settings)
        cached = None
        if embedder is not None:
            cache = await asyncio.to_thread(EmbeddingCache, cache_path or settings.embeddings_cache_path)
            cached = CachedEmbedder(embedder, cache)
        hosts = hosts_of(settings.opensearch_url)
        client = osp.AsyncOpenSearch(
            hosts=hosts,
            timeout=settings.opensearch_timeout,
            max_retries=2,  # another node on connection errors and timeouts; 429/503 are retried with backoff here
            retry_on_timeout=True,
            retry_on_status=(502, 504),
            http_compress=False,
        )
        search = cls(
            client,
            index or settings.opensearch_index,
            embedder=cached,
            semantic_weight=settings.search_semantic_weight,
            shards=settings.opensearch_shards,
            replicas=settings.opensearch_replicas,
            hosts=hosts,
        )
        try:
            await search.ensure_index()
        except BaseException:
            await search.aclose()
            raise
        return search

    @property
    def model_id(self) -> str | None:
        return self.embedder.model_id if self.embedder else None

    @property
    def dim(self) -> int | None:
        return self.embedder.dim if self.embedder else None

    # --- requests --------------------------------------------------------------------------------------------------
    async def _request(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """One request with backoff on 429/503, and failures translated into clear errors."""
        errors = self._errors
        where = ", ".join(self.hosts) or "OpenSearch"
        for attempt in range(len(RETRY_DELAYS) + 1):
            try:
                return await call()
            except errors.ConnectionTimeout as exc:
                raise SearchUnavailable(f"OpenSearch at {where} timed out during {what}") from exc
            except errors.ConnectionError as exc:
                raise SearchUnavailable(f"OpenSearch at {where} is unreachable ({what}): {exc.error}") from exc
            except errors.TransportError as exc:
                status = exc.status_code if isinstance(exc.status_code, int) else 0
                if status in RETRY_STATUSES and attempt < len(RETRY_DELAYS):
                    logger.warning("OpenSearch answered %s to %s; retrying", status, what)
                    await asyncio.sleep(RETRY_DELAYS[attempt])
                    continue
                if status in RETRY_STATUSES:
                    raise SearchUnavailable(
                        f"OpenSearch is overloaded or unavailable ({status}) during {what}"
                    ) from exc
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    # --- index lifecycle -------------------------------------------------------------------------------------------
    def _new_index_name(self) -> str:
        return f"{self.alias}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"

    async def _create_index(self, name: str, *, bulk_build: bool = False) -> None:
        body = index_body(self.dim, shards=self.shards, replicas=self.replicas, bulk_build=bulk_build)
        try:
            await self._request(
                "create index",
                lambda: self.client.indices.create(index=name, body=body, request_timeout=ADMIN_TIMEOUT),
            )
        except self._errors.RequestError as exc:
            if exc.error != "resource_already_exists_exception":  # a retried create whose first try landed
                raise

    async def current_index(self) -> str | None:
        """The concrete index behind the alias (or an index named like the alias), None when there is none."""
        c = self.client
        if await self._request("alias lookup", lambda: c.indices.exists_alias(name=self.alias)):
            got = await self._request("alias lookup", lambda: c.indices.get_alias(name=self.alias))
            return str(sorted(got)[-1])
        if await self._request("index lookup", lambda: c.indices.exists(index=self.alias)):
            return self.alias
        return None

    async def ensure_index(self) -> None:
        """Create the first index and its alias when missing; refuse an index whose vectors do not fit."""
        current = await self.current_index()
        if current is None:
            name = self._new_index_name()
            await self._create_index(name)
            try:
                await self._request("create alias", lambda: self.client.indices.put_alias(index=name, name=self.alias))
            except self._errors.RequestError:  # another process created it first
                await self._request("drop index", lambda: self.client.indices.delete(index=name))
            return
        mapping = await self._request("read mapping", lambda: self.client.indices.get_mapping(index=current))
        props = next(iter(mapping.values()))["mappings"].get("properties", {})
        dim = props.get("embedding", {}).get("dimension")
        if self.dim is not None and dim is None:  # built without an embedder: the vector field can be added in place
            vector = mappings(self.dim)["properties"]["embedding"]
            await self._request(
                "add the vector field",
                lambda: self.client.indices.put_mapping(index=current, body={"properties": {"embedding": vector}}),
            )
            return
        if self.dim is not None and dim is not None and dim != self.dim:
            raise NotConfigured(
                f"OpenSearch index {current!r} holds {dim}-dimensional vectors but the embedder makes {self.dim}: "
                "run `aya reindex` to rebuild it",
                field="embedder",
            )

    async def _switch_alias(self, new: str) -> list[str]:
        """Point the alias at ``new`` in one atomic call; returns the indices it left."""
        c = self.client
        old: list[str] = []
        if await self._request("alias lookup", lambda: c.indices.exists_alias(name=self.alias)):
            old = sorted(await self._request("alias lookup", lambda: c.indices.get_alias(name=self.alias)))
        actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": self.alias}} for i in old]
        if not old and await self._request("index lookup", lambda: c.indices.exists(index=self.alias)):
            actions.append({"remove_index": {"index": self.alias}})  # a plain index named like the alias
            old = [self.alias]
        actions.append({"add": {"index": new, "alias": self.alias}})
        await self._request(
            "switch alias", lambda: c.indices.update_aliases(body={"actions": actions}, request_timeout=ADMIN_TIMEOUT)
        )
        return [i for i in old if i != self.alias]

    # --- writes ----------------------------------------------------------------------------------------------------
    async def upsert(self, products: Iterable[Product]) -> int:
        return await self.write(products)

    async def replace_all(
        self,
        products: Iterable[Product] | AsyncIterable[Product],
        *,
        embed: bool = True,
        progress: Progress | None = None,
    ) -> int:
        return await self.write(products, replace=True, embed=embed, progress=progress)

    async def write(
        self,
        products: Iterable[Product] | AsyncIterable[Product],
        *,
        replace: bool = False,
        embed: bool = True,
        batch_size: int = 500,
        progress: Progress | None = None,
    ) -> int:
        """Upsert products with ``async_bulk`` (unchanged ones skipped). Returns products written.

        With ``replace`` the products go into a NEW index and the alias switches to it once complete: searches see
        the old catalog until then, and an error leaves it untouched (the new index is dropped).
        """
        from aya.search.sqlite_backend import _batches

        async with self._write_lock:
            if replace:
                target = self._new_index_name()
                await self._create_index(target, bulk_build=self.bulk.bulk_build)
            else:
                target = await self.current_index() or await self._recreate()
            written = 0
            seen = 0
            failures: Failures = []
            # (bulk request under way, its product ids, the batch's size), oldest first
            pending: deque[tuple[asyncio.Future[tuple[int, Failures]], set[str], int]] = deque()

            async def settle_oldest() -> None:
                nonlocal written, seen
                task, _, size = pending[0]
                n, failed = await task
                pending.popleft()
                written += n
                failures.extend(failed)
                seen += size
                if progress:
                    progress(seen, -1)

            previous: list[str] = []
            try:
                async for batch in _batches(products, batch_size):
                    unique = list({p.id: p for p in batch}.values())  # the last of repeated ids wins
                    ids = {p.id for p in unique}
                    while pending and (len(pending) >= self.bulk.in_flight or any(ids & b for _, b, _ in pending)):
                        await settle_oldest()
                    actions = await self._actions(target, unique, fresh=replace, embed=embed)
                    pending.append((asyncio.ensure_future(self._send(actions)), ids, len(batch)))
                    await asyncio.sleep(0)  # the request goes out before the next batch is prepared
                while pending:
                    await settle_oldest()
                if failures and replace:
                    raise BulkWriteFailed(failures, written)
                if replace:  # the configured refresh interval and replicas, before the index serves
                    await self._request(
                        "settings",
                        lambda: self.client.indices.put_settings(
                            index=target, body=live_settings(self.replicas), request_timeout=ADMIN_TIMEOUT
                        ),
                    )
                await self._request(
                    "refresh", lambda: self.client.indices.refresh(index=target, request_timeout=ADMIN_TIMEOUT)
                )
                if replace:
                    previous = await self._switch_alias(target)
            except BaseException:
                for task, _, _ in pending:
                    task.cancel()
                await asyncio.gather(*(task for task, _, _ in pending), return_exceptions=True)
                if replace:
                    await asyncio.shield(self._drop_unless_live(target))
                raise
            for old in previous:  # the new catalog serves; a leftover old index is only worth a warning
                try:
                    await self._drop(old)
                except Exception:
                    logger.warning("could not drop the replaced index %s", old, exc_info=True)
            self._vectors_seen = (0.0, False)
            if failures:
                raise BulkWriteFailed(failures, written)
            return written

    async def _recreate(self) -> str:
        """The index vanished under us (deleted by hand): create it again."""
        await self.ensure_index()
        index = await self.current_index()
        if index is None:
            raise SearchUnavailable(f"OpenSearch index {self.alias!r} could not be created")
        return index

    async def _drop(self, index: str) -> None:
        await self._request("drop old index", lambda: self.client.indices.delete(index=index))

    async def _drop_unless_live(self, index: str) -> None:
        """Drop an index a failed replace built, unless the alias already points at it (a switch whose answer was
        lost): dropping that one would take the catalog with it. Unsure whether it serves, it is left alone."""
        try:
            got = await self.client.indices.get_alias(name=self.alias, ignore_unavailable=True, ignore=[404])
            if index in got:
                logger.warning("the alias %s already points at %s: the replace landed", self.alias, index)
                return
            await self.client.indices.delete(index=index, ignore_unavailable=True)
        except Exception:
            logger.warning("could not drop the half-built index %s", index)

    async def _existing(self, index: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        res = await self._request(
            "read hashes",
            lambda: self.client.mget(index=index, body={"ids": ids}, _source_includes=["content_hash", "text_hash"]),
        )
        return {d["_id"]: d.get("_source", {}) for d in res["docs"] if d.get("found")}

    async def _actions(self, index: str, batch: list[Product], *, fresh: bool, embed: bool) -> list[dict[str, Any]]:
        """The bulk actions of a batch (ids unique): changed products in full, unchanged ones only for a new vector."""
        existing = {} if fresh else await self._existing(index, [p.id for p in batch])
        hashes = {p.id: content_hash(p) for p in batch}
        text_hashes: dict[str, str] = {}
        texts: dict[str, str] = {}
        if self.embedder is not None:
            texts = {p.id: embedding_text(p) for p in batch}
            text_hashes = {pid: text_hash(self.embedder.model_id, t) for pid, t in texts.items()}
        # a vector is needed where the embedded text changed or none is stored (an ingest without embeddings)
        need_vector = (
            {pid for pid in texts if existing.get(pid, {}).get("text_hash") != text_hashes[pid]} if embed else set()
        )
        changed = [p for p in batch if existing.get(p.id, {}).get("content_hash") != hashes[p.id]]
        changed_ids = {p.id for p in changed}
        only_vector = [p for p in batch if p.id in need_vector and p.id not in changed_ids]
        if not changed and not only_vector:
            return []
        vectors: dict[str, tuple[str, list[float]]] = {}
        todo = [pid for pid in texts if pid in need_vector]
        if todo:
            assert self.embedder is not None
            vecs = await self.embedder.embed([texts[pid] for pid in todo])
            vectors = {pid: (text_hashes[pid], vecs[i].tolist()) for i, pid in enumerate(todo)}
        actions: list[dict[str, Any]] = []
        for p in [*changed, *only_vector]:
            doc = to_document(p, hashes[p.id], vectors.get(p.id))
            same_text = p.id in existing and existing[p.id].get("text_hash") == text_hashes.get(p.id, "")
            if same_text or (p.id in vectors and p.id in existing and p not in changed):
                # the stored vector stays valid (or only the vector is new): update the document in place
                actions.append({"_op_type": "update", "_index": index, "_id": p.id, "doc": doc})
            else:
                actions.append({"_op_type": "index", "_index": index, "_id": p.id, "_source": doc})
        return actions

    async def _send(self, actions: list[dict[str, Any]]) -> tuple[int, Failures]:
        """One batch's actions, in requests of at most ``bulk.max_chunk_bytes``; refused documents by id and reason."""
        from opensearchpy.helpers import async_bulk

        if not actions:
            return 0, []
        ok, errors = await self._request(
            "bulk write",
            lambda: async_bulk(
                self.client,
                actions,
                raise_on_error=False,
                raise_on_exception=False,
                max_retries=len(RETRY_DELAYS),
                initial_backoff=RETRY_DELAYS[0],
                chunk_size=len(actions),
                max_chunk_bytes=self.bulk.max_chunk_bytes,
                request_timeout=ADMIN_TIMEOUT,
            ),
        )
        failures = []
        for err in errors if isinstance(errors, list) else []:
            item = next(iter(err.values()))
            reason = item.get("error", {})
            if isinstance(reason, dict):
                reason = reason.get("reason") or reason.get("type")
            failures.append((str(item.get("_id")), str(reason)))
        return int(ok), failures

    async def delete(self, product_ids: Sequence[str]) -> int:
        if not product_ids:
            return 0
        async with self._write_lock:
            index = await self.current_index()
            if index is None:
                return 0
            body = [{"delete": {"_index": index, "_id": pid}} for pid in dict.fromkeys(product_ids)]
            res = await self._request(
                "delete", lambda: self.client.bulk(body=body, refresh=True, request_timeout=ADMIN_TIMEOUT)
            )
            self._vectors_seen = (0.0, False)
            return sum(1 for item in res["items"] if item["delete"].get("result") == "deleted")

    async def reindex(self, *, progress: Progress | None = None) -> int:
        """Rebuild the catalog into a new index (current mapping and analyzers) and switch the alias atomically."""
        return await self.write(self._scan(), replace=True, embed=True, progress=progress)

    async def _scan(self) -> AsyncIterable[Product]:
        from opensearchpy.helpers import async_scan

        index = await self.current_index()
        if index is None:
            return
        async for hit in async_scan(self.client, index=index, query={"query": {"match_all": {}}}, size=500):
            yield to_product(hit["_source"])

    # --- reads -----------------------------------------------------------------------------------------------------
    async def get(self, product_ids: Sequence[str]) -> list[Product]:
        if not product_ids:
            return []
        res = await self._request(
            "get",
            lambda: self.client.mget(
                index=self.alias, body={"ids": list(product_ids)}, _source_excludes=list(HIDDEN_FIELDS)
            ),
        )
        found = {d["_id"]: to_product(d["_source"]) for d in res["docs"] if d.get("found")}
        return [found[pid] for pid in product_ids if pid in found]

    async def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        res: dict[str, Any] = await self._request("search", lambda: self.client.search(index=self.alias, body=body))
        self._check_shards(res)
        return res

    async def _msearch(self, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        lines: list[dict[str, Any]] = []
        for b in bodies:
            lines.extend([{"index": self.alias}, b])
        res = await self._request("search", lambda: self.client.msearch(body=lines))
        out: list[dict[str, Any]] = []
        for r in res["responses"]:
            if "error" in r:
                err = r["error"]
                reason = err.get("reason", err) if isinstance(err, dict) else err
                if r.get("status") in RETRY_STATUSES:
                    raise SearchUnavailable(f"OpenSearch could not search: {reason}")
                raise AyaError(f"OpenSearch refused a search: {reason}")
            self._check_shards(r)
            out.append(r)
        return out

    @staticmethod
    def _check_shards(res: dict[str, Any]) -> None:
        shards = res.get("_shards", {})
        if shards.get("failed"):
            logger.warning("OpenSearch answered from %s of %s shards", shards.get("successful"), shards.get("total"))
            if not shards.get("successful"):
                raise SearchUnavailable("OpenSearch has no copy of the catalog to search (cluster red)")

    async def stats(self) -> CatalogStats:
        body = {
            "size": 0,
            "track_total_hits": True,
            "aggs": {
                "species": {"terms": {"field": "species", "size": 10}},
                "food_type": {"terms": {"field": "food_type", "size": 20}},
                "life_stage": {"terms": {"field": "life_stage", "size": 10}},
                "brands": {
                    "filter": {"bool": {"must_not": {"term": {"brand_key": ""}}}},
                    "aggs": {"n": {"cardinality": {"field": "brand_key", "precision_threshold": 40000}}},
                },
                "embedded": {"filter": {"exists": {"field": "text_hash"}}},
                "price_min": {"min": {"field": "price"}},
                "price_max": {"max": {"field": "price"}},
            },
        }
        res = await self._search(body)
        aggs = res["aggregations"]

        def group(name: str) -> dict[str, int]:
            return {b["key"]: int(b["doc_count"]) for b in aggs[name]["buckets"]}

        with_embeddings = int(aggs["embedded"]["doc_count"])
        self._vectors_seen = (time.monotonic(), with_embeddings > 0)
        return CatalogStats(
            total=int(res["hits"]["total"]["value"]),
            by_species=group("species"),
            by_food_type=group("food_type"),
            by_life_stage=group("life_stage"),
            brands=int(aggs["brands"]["n"]["value"]),
            with_embeddings=with_embeddings,
            price_min=aggs["price_min"]["value"],
            price_max=aggs["price_max"]["value"],
        )

    async def facets(self) -> Facets:
        """Brands and product lines with their product counts (count desc, then value asc), and the vocabularies."""
        order = [{"_count": "desc"}, {"_key": "asc"}]
        body = {
            "size": 0,
            "aggs": {
                "brands": {
                    "terms": {"field": "brand_key", "size": 10000, "order": order, "exclude": [""]},
                    "aggs": {
                        "lines": {"terms": {"field": "product_line", "size": 1000, "order": order}},
                        "top": {"top_hits": {"size": 1, "_source": {"includes": ["brand"]}}},
                    },
                },
                "species": {"terms": {"field": "species", "size": 10, "order": order}},
                "food_types": {"terms": {"field": "food_type", "size": 20, "order": order}},
                "life_stages": {"terms": {"field": "life_stage", "size": 10, "order": order}},
            },
        }
        res = await self._search(body)
        aggs = res["aggregations"]
        brands: list[FacetCount] = []
        lines: list[ProductLineFacet] = []
        for b in aggs["brands"]["buckets"]:
            top = b["top"]["hits"]["hits"]
            name = top[0]["_source"].get("brand", b["key"]) if top else b["key"]
            brands.append(FacetCount(value=name, count=int(b["doc_count"])))
            for line in b["lines"]["buckets"]:
                lines.append(ProductLineFacet(brand=name, line=line["key"], count=int(line["doc_count"])))
        brands.sort(key=lambda f: (-f.count, f.value))
        lines.sort(key=lambda f: (-f.count, f.brand, f.line))

        def counts(name: str) -> list[FacetCount]:
            return [FacetCount(value=b["key"], count=int(b["doc_count"])) for b in aggs[name]["buckets"]]

        return Facets(
            brands=brands,
            product_lines=lines,
            species=counts("species"),
            food_types=counts("food_types"),
            life_stages=counts("life_stages"),
        )

    async def _has_vectors(self) -> bool:
        at, has = self._vectors_seen
        if time.monotonic() - at > 10.0 or not has:
            res = await self._search({"size": 0, "query": {"exists": {"field": "text_hash"}}, "terminate_after": 1})
            has = int(res["hits"]["total"]["value"]) > 0
            self._vectors_seen = (time.monotonic(), has)
        return has

    async def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        mode: SearchMode = query.mode
        notes: list[str] = []
        text = query.text.strip()
        if mode != "keyword" and text:
            reason = None
            if self.embedder is None:
                reason = "no embedder is configured"
            elif not await self._has_vectors():
                reason = "the catalog has no embeddings yet"
            if reason:
                notes.append(f"{mode} search fell back to keyword search: {reason}")
                mode = "keyword"
        corrected_text = None
        understood = Understood(text=text, fuzzy=False)
        if text:
            understood = await self._understand(text)
            if understood.text != text:
                corrected_text = text = understood.text
        terms = [w for w in words(text) if w not in STOP_WORDS]
        hints = query_hints(text) if text else {}
        if not text or mode == "keyword":
            result = await self._keyword(query, text, hints, terms, understood)
        else:
            result = await self._vector_search(query, text, mode, hints, terms, understood)
        result.mode = mode if text else query.mode
        result.corrected_text = corrected_text
        result.notes = notes + result.notes
        result.took_ms = round((time.perf_counter() - started) * 1000, 3)
        return result

    async def _understand(self, text: str) -> Understood:
        """One ``_msearch``: spelling suggestions for words no product contains, the catalog's size and each query
        word's document frequency (common words score on titles only), and whether the last word starts catalog
        words (a partial word to complete)."""
        english = english_words()

        def keep(w: str) -> bool:
            return w in STOP_WORDS or w in english

        terms = list(dict.fromkeys(w for w in words(text) if w not in STOP_WORDS))
        partial = partial_candidate(text, STOP_WORDS)
        responses = await self._msearch([suggest_body(text), *doc_freq_bodies(terms, partial)])
        return understand(text, responses[0], responses[1:], terms=terms, partial=partial, keep=keep)

    async def _keyword(
        self, q: SearchQuery, text: str, hints: dict[str, list[str]], terms: list[str], u: Understood
    ) -> SearchResult:
        f = q.filters
        conjunctive = bool(text) and q.sort != "relevance"
        # sorted by a field: every query word must match (an OR query would sort noise by price), else any word
        body = build_opensearch_query(
            text,
            f,
            mode="keyword",
            k=q.k,
            offset=q.offset,
            sort=q.sort,
            hints=hints,
            conjunctive=conjunctive,
            fuzzy=u.fuzzy,
            common=u.common,
            prefix=u.prefix,
        )[0]
        if text and q.sort != "relevance":
            body["track_scores"] = True
        res = await self._search(body)
        if conjunctive and res["hits"]["total"]["value"] == 0:
            body["query"] = keyword_query(text, f, hints, fuzzy=u.fuzzy, common=u.common, prefix=u.prefix)
            res = await self._search(body)
        hits = res["hits"]["hits"]
        return self._result(
            [to_product(h["_source"]) for h in hits],
            [float(h.get("_score") or 0.0) for h in hits],
            int(res["hits"]["total"]["value"]),
            f,
            terms,
            {},
        )

    async def _query_vector(self, text: str) -> list[float]:
        """The query's embedding, from a small LRU cache (shoppers and the assistant repeat queries)."""
        assert self.embedder is not None
        key = " ".join(words(text))
        vec = self._query_vecs.get(key)
        if vec is None:
            vec = [float(x) for x in await self.embedder.embed_query(text)]
            self._query_vecs[key] = vec
            if len(self._query_vecs) > QUERY_VECTOR_CACHE:
                self._query_vecs.popitem(last=False)
        else:
            self._query_vecs.move_to_end(key)
        return vec

    async def _vector_search(
        self,
        q: SearchQuery,
        text: str,
        mode: SearchMode,
        hints: dict[str, list[str]],
        terms: list[str],
        u: Understood,
    ) -> SearchResult:
        f = q.filters
        pool = max(POOL, q.offset + q.k)
        vector = await self._query_vector(text)
        bodies = build_opensearch_query(
            text, f, mode=mode, vector=vector, hints=hints, pool=pool, fuzzy=u.fuzzy, common=u.common, prefix=u.prefix
        )
        count = search_body(filter_query(f, {"exists": {"field": "text_hash"}}), size=0)
        responses = await self._msearch([*bodies, count])
        vec_res, total = responses[-2], int(responses[-1]["hits"]["total"]["value"])
        products: dict[str, Product] = {}
        vec_ids: list[str] = []
        cosines: dict[str, float] = {}
        for h in vec_res["hits"]["hits"]:
            products[h["_id"]] = to_product(h["_source"])
            vec_ids.append(h["_id"])
            cosines[h["_id"]] = _cosine(float(h["_score"]))
        if mode == "semantic":
            ranked = vec_ids
            scores = {pid: cosines[pid] for pid in vec_ids}
        else:
            kw_hits = responses[0]["hits"]["hits"]
            for h in kw_hits:
                products.setdefault(h["_id"], to_product(h["_source"]))
            scores = rrf([h["_id"] for h in kw_hits], vec_ids, self.semantic_weight)
            ranked = sorted(scores, key=lambda pid: -scores[pid])
            total = max(total, int(responses[0]["hits"]["total"]["value"]), len(ranked))
        if q.sort != "relevance":
            ranked = sorted(ranked, key=lambda pid: _sort_value(q.sort, products[pid]))
        page = ranked[q.offset : q.offset + q.k]
        return self._result([products[p] for p in page], [scores[p] for p in page], total, f, terms, cosines)

    def _result(
        self,
        products: list[Product],
        scores: list[float],
        total: int,
        f: Filters,
        terms: Sequence[str],
        cosines: dict[str, float],
    ) -> SearchResult:
        patterns = term_patterns(terms)
        hits = [
            SearchHit(
                product=p, score=round(float(s), 6), why=explain(p, f, patterns=patterns, cosine=cosines.get(p.id))
            )
            for p, s in zip(products, scores, strict=True)
            # the exact check behind the must_not clauses (titles, exception phrases): never show an excluded one
            if not (f.exclude_ingredients and excluded(p, f.exclude_ingredients))
        ]
        return SearchResult(hits=hits, total=max(total - (len(products) - len(hits)), len(hits)))

    async def similar(self, product_id: str, k: int = 5, filters: Filters | None = None) -> SearchResult:
        started = time.perf_counter()
        errors = self._errors
        try:
            doc = await self._request("get", lambda: self.client.get(index=self.alias, id=product_id))
        except errors.NotFoundError:
            doc = {"found": False}
        if not doc.get("found"):
            raise NotFound(f"product {product_id!r} not found", field="product_id")
        source = doc["_source"]
        product = to_product(source)
        f = filters or Filters(species=product.species)
        vector = source.get("embedding")
        if vector:
            body = search_body(knn_query(vector, k, f, exclude_ids=[product_id]), size=k, track_total_hits=False)
            hits = (await self._search(body))["hits"]["hits"]
            cos = {h["_id"]: _cosine(float(h["_score"])) for h in hits}
            res = self._result(
                [to_product(h["_source"]) for h in hits], [cos[h["_id"]] for h in hits], len(hits), f, [], cos
            )
            res.mode = "semantic"
        else:  # no vector: keyword search over the product's own words
            text = " ".join(
                dict.fromkeys(w for w in words(f"{product.title} {' '.join(product.special_features)}") if len(w) > 2)
            )
            query = keyword_query(text, f, fuzzy=False)  # the product's own words: every one is known
            query["bool"].setdefault("must_not", []).append({"ids": {"values": [product_id]}})
            res_ = await self._search(search_body(query, size=k))
            hits = res_["hits"]["hits"]
            res = self._result(
                [to_product(h["_source"]) for h in hits],
                [float(h["_score"] or 0) for h in hits],
                int(res_["hits"]["total"]["value"]),
                f,
                [],
                {},
            )
            res.mode = "keyword"
        for hit in res.hits:
            hit.why.insert(0, f"similar to {product.title}")
        res.took_ms = round((time.perf_counter() - started) * 1000, 3)
        return res

    # --- health ----------------------------------------------------------------------------------------------------
    async def health(self) -> dict[str, object]:
        """``{"backend": "opensearch", "status": green|yellow|red|unreachable|timeout, ...}`` for /healthz."""
        errors = self._errors
        out: dict[str, object] = {"backend": "opensearch"}
        try:
            h = await self.client.cluster.health(index=self.alias, request_timeout=5)
        except errors.ConnectionTimeout:
            out.update(status="timeout", detail="OpenSearch did not answer in time")
            return out
        except errors.ConnectionError:
            out.update(status="unreachable", detail=f"OpenSearch at {', '.join(self.hosts)} is unreachable")
            return out
        except errors.TransportError as exc:
            out.update(status="error", detail=f"OpenSearch answered {exc.status_code}: {exc.error}")
            return out
        status = h.get("status", "red")
        out.update(status=status, nodes=h.get("number_of_nodes"), unassigned_shards=h.get("unassigned_shards"))
        if status == "yellow":
            out["detail"] = "some replica shards are not assigned: no redundancy until they are"
        elif status == "red":
            out["detail"] = "some primary shards are not assigned: part of the catalog cannot be searched"
        return out

    async def aclose(self) -> None:
        async with self._write_lock:
            await self.client.close()
            if self.embedder:
                await asyncio.to_thread(self.embedder.close)
