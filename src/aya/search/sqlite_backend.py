"""``SqliteProductSearch``: the embedded default backend.

- Product documents live in SQLite (``settings.catalog_db_path``, WAL, one writer); the source of truth.
- Full text in tantivy (``settings.index_dir``): BM25 with field boosts, filters as zero-score clauses.
- Vectors in memory (numpy), loaded from the ``embeddings`` table; exact search with column-mask filters.
- Hybrid = keyword top N + filtered vector top N fused by weighted reciprocal rank fusion (k = 60).

Writes: SQLite commits first, then tantivy; a marker file in the index directory records the SQLite generation the
index reflects. On open, a mismatch (crash between the two commits, another process's writes) rebuilds the index
from SQLite, so an interrupted ingest never loses or half-shows anything. Reads run in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aya.catalog.models import Product
from aya.core.errors import NotFound
from aya.core.settings import Settings
from aya.search.analysis import query_hints, words
from aya.search.embedder import CachedEmbedder, Embedder, EmbeddingCache, EmbeddingUnavailable, text_hash
from aya.search.exclusions import excluded
from aya.search.explain import explain
from aya.search.models import CatalogStats, Facets, Filters, SearchHit, SearchMode, SearchQuery, SearchResult
from aya.search.store import ProductStore, WriteTx
from aya.search.text_index import IndexWrite, TextIndex, term_patterns
from aya.search.typos import CorrectedQuery, QueryCorrector
from aya.search.vectors import VectorIndex

logger = logging.getLogger("aya.search")

RRF_K = 60
POOL = 50  # candidates taken from each side of hybrid search
_MARKER = "aya-generation"

Progress = Callable[[int, int], None]


def _sort_key(sort: str) -> Callable[[Product], Any]:
    if sort == "price":
        return lambda p: p.price
    if sort == "price_desc":
        return lambda p: -p.price
    return lambda p: -(p.rating or 0.0)  # rating


class SqliteProductSearch:
    """Product search over SQLite + tantivy + numpy. Build with :meth:`open`; close with :meth:`aclose`."""

    def __init__(
        self,
        db_path: Path,
        index_dir: Path,
        *,
        embedder: Embedder | None = None,
        cache_path: Path | None = None,
        semantic_weight: float = 0.6,
    ) -> None:
        self.db_path = db_path
        self.index_dir = index_dir
        self.semantic_weight = semantic_weight
        self.embedder: CachedEmbedder | None = (
            CachedEmbedder(embedder, EmbeddingCache(cache_path) if cache_path else None) if embedder else None
        )
        self.store = ProductStore(db_path)
        self.text = TextIndex(index_dir)
        self.vectors = VectorIndex()
        self._generation = -1
        self._index_stale = False
        self._corrector: QueryCorrector | None = None
        self._write_lock = asyncio.Lock()
        self._load_lock = threading.Lock()
        self._query_vecs: OrderedDict[str, np.ndarray] = OrderedDict()

    @classmethod
    async def open(
        cls,
        settings: Settings,
        embedder: Embedder | None = None,
        *,
        use_settings_embedder: bool = True,
        cache_path: Path | None = None,
    ) -> SqliteProductSearch:
        """Open (creating if needed) the catalog and index in ``settings.data_dir``; repairs the index if stale.

        ``embedder`` overrides ``settings.embedder`` (``use_settings_embedder=False`` with no embedder: keyword only);
        ``cache_path`` overrides where the embedding cache lives.
        """
        if embedder is None and use_settings_embedder:
            from aya.search.embedder import make_embedder

            embedder = make_embedder(settings)
        search = await asyncio.to_thread(
            cls,
            settings.catalog_db_path,
            settings.index_dir,
            embedder=embedder,
            cache_path=(cache_path or settings.embeddings_cache_path) if embedder else None,
            semantic_weight=settings.search_semantic_weight,
        )
        await asyncio.to_thread(search._load)
        return search

    # --- state -----------------------------------------------------------------------------------------------------
    @property
    def model_id(self) -> str | None:
        return self.embedder.model_id if self.embedder else None

    def _marker(self) -> int:
        try:
            return int((self.index_dir / _MARKER).read_text().strip())
        except (OSError, ValueError):
            return -1

    def _write_marker(self, generation: int) -> None:
        tmp = self.index_dir / (_MARKER + ".tmp")
        tmp.write_text(str(generation))
        tmp.replace(self.index_dir / _MARKER)

    def _load(self, *, repair: bool = True) -> None:
        """Bring the index and the in-memory vectors in line with SQLite.

        With ``repair`` (at open, or after a failed index commit) a stale index is rebuilt from SQLite. Without it
        (a read noticing another process's commit) the index is only reloaded: that process commits its index right
        after SQLite, and the generation is adopted once the marker shows the index caught up.
        """
        generation = self.store.generation()
        count = self.store.count()
        self.text.index.reload()
        current = self._marker() == generation and self.text.num_docs() == count
        if not current and repair:
            started = time.perf_counter()
            try:
                n = self.text.rebuild(self.store.iter_products())
            except ValueError as exc:  # the index writer is locked: another process is writing right now
                logger.warning("search index not rebuilt (%s); will retry", exc)
            else:
                self._write_marker(generation)
                current = True
                if n:
                    took = time.perf_counter() - started
                    logger.warning("search index rebuilt from the catalog: %d products in %.1fs", n, took)
        vectors = VectorIndex()
        vectors.set_columns(self.store.columns())
        if self.model_id:
            vectors.set_vectors((r, np.frombuffer(b, np.float32)) for r, b in self.store.embeddings(self.model_id))
        vectors.prepare()
        self.vectors = vectors
        self._corrector = None
        self._generation = generation
        self._index_stale = not current

    def _sync(self) -> None:
        """Cheap check before a read: reload when another process (``aya ingest``) changed the catalog."""
        generation = self.store.generation()
        if generation != self._generation:
            with self._load_lock:
                if self.store.generation() != self._generation:
                    self._load(repair=False)
        elif self._index_stale and self._marker() == generation:  # the other process's index commit landed
            self.text.index.reload()
            self._corrector = None
            self._index_stale = False

    def corrector(self) -> QueryCorrector:
        if self._corrector is None:
            self._corrector = QueryCorrector(self.text.vocabulary())
        return self._corrector

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
        """Replace the whole catalog atomically: readers see the old catalog until the new one is committed."""
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
        """Upsert products in batches inside ONE SQLite transaction and ONE index commit. Returns products changed.

        Embeddings are computed (through the cache) for changed products when an embedder is configured and
        ``embed`` is true. Any error rolls back both stores: nothing already in the catalog is lost.
        """
        async with self._write_lock:
            await asyncio.to_thread(self._sync)
            tx: WriteTx = await asyncio.to_thread(self.store.begin, replace)
            iw: IndexWrite | None = None
            changed = 0
            try:
                iw = await asyncio.to_thread(self.text.writer)
                assert iw is not None
                if replace:
                    iw.clear()
                seen = 0
                async for batch in _batches(products, batch_size):
                    embeddings = None
                    if embed and self.embedder:
                        base, size = seen, len(batch)

                        def inner(done: int, total: int, base: int = base, size: int = size) -> None:
                            if progress and total > 0:
                                progress(base + done * size // total, -1)

                        embeddings = await self._embeddings_for(batch, tx, inner)
                    written = await asyncio.to_thread(tx.put, batch, embeddings)
                    await asyncio.to_thread(iw.add, written, replace=not replace)
                    changed += len(written)
                    seen += len(batch)
                    if progress:
                        progress(seen, -1)
                generation = await asyncio.to_thread(self.store.commit, tx)
            except BaseException:
                if iw is not None:
                    await asyncio.to_thread(iw.rollback)
                await asyncio.to_thread(self.store.rollback, tx)
                raise
            try:
                await asyncio.to_thread(iw.commit)
                await asyncio.to_thread(self._write_marker, generation)
            except Exception:
                logger.exception("search index commit failed; rebuilding it from the catalog")
                await asyncio.to_thread(self._load)
                return changed
            await asyncio.to_thread(self._apply_memory, tx, replace, generation)
            return changed

    async def _embeddings_for(
        self, batch: list[Product], tx: WriteTx, progress: Progress | None = None
    ) -> dict[str, tuple[str, str, np.ndarray]]:
        """Vectors for products in the batch whose stored embedding is missing or stale (content changed)."""
        from aya.search.analysis import embedding_text

        assert self.embedder is not None
        model = self.embedder.model_id
        texts = {p.id: embedding_text(p) for p in batch}
        hashes = {pid: text_hash(model, t) for pid, t in texts.items()}
        stored = await asyncio.to_thread(tx.embedding_hashes, list(texts), model)
        todo = [pid for pid in texts if stored.get(pid) != hashes[pid]]
        if not todo:
            return {}
        vecs = await self.embedder.embed([texts[pid] for pid in todo], progress)
        return {pid: (model, hashes[pid], vecs[i]) for i, pid in enumerate(todo)}

    def _apply_memory(self, tx: WriteTx, replace: bool, generation: int) -> None:
        if replace:
            self.vectors = VectorIndex()
        else:
            self.vectors.remove(tx.removed)
        self.vectors.set_columns(tx.columns)
        self.vectors.set_vectors(tx.vectors.items())
        self.vectors.prepare()
        self._corrector = None
        self._generation = generation

    async def delete(self, product_ids: Sequence[str]) -> int:
        async with self._write_lock:
            await asyncio.to_thread(self._sync)
            tx = await asyncio.to_thread(self.store.begin, False)
            try:
                n = await asyncio.to_thread(tx.delete, product_ids)
                generation = await asyncio.to_thread(self.store.commit, tx)
            except BaseException:
                await asyncio.to_thread(self.store.rollback, tx)
                raise
            iw = await asyncio.to_thread(self.text.writer)
            try:
                await asyncio.to_thread(iw.delete, tx.removed)
                await asyncio.to_thread(iw.commit)
                await asyncio.to_thread(self._write_marker, generation)
            except Exception:
                iw.rollback()
                logger.exception("search index delete failed; rebuilding it from the catalog")
                await asyncio.to_thread(self._load)
                return n
            await asyncio.to_thread(self._apply_memory, tx, False, generation)
            return n

    # --- reads -----------------------------------------------------------------------------------------------------
    async def get(self, product_ids: Sequence[str]) -> list[Product]:
        found = await asyncio.to_thread(self.store.by_ids, list(product_ids))
        return [found[pid][1] for pid in product_ids if pid in found]

    async def stats(self) -> CatalogStats:
        rows = await asyncio.to_thread(self.store.stats_rows)
        return CatalogStats.model_validate(rows)

    async def facets(self) -> Facets:
        return Facets.model_validate(await asyncio.to_thread(self.store.facet_rows))

    async def _query_vector(self, text: str) -> np.ndarray:
        assert self.embedder is not None
        key = " ".join(words(text))
        vec = self._query_vecs.get(key)
        if vec is None:
            vec = await self.embedder.embed_query(text)
            self._query_vecs[key] = vec
            if len(self._query_vecs) > 1024:
                self._query_vecs.popitem(last=False)
        else:
            self._query_vecs.move_to_end(key)
        return vec

    async def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        mode: SearchMode = query.mode
        notes: list[str] = []
        text = query.text.strip()
        if mode != "keyword" and (self.embedder is None or self.vectors.vector_count == 0):
            reason = "no embedder is configured" if self.embedder is None else "the catalog has no embeddings yet"
            if text:
                notes.append(f"{mode} search fell back to keyword search: {reason}")
            mode = "keyword"
        corrected = await asyncio.to_thread(self._understand, text) if text else None
        qvec = None
        if mode != "keyword" and corrected is not None:
            # the vector side embeds the corrected text: MiniLM does not know that "salmn" is salmon
            try:
                qvec = await self._query_vector(corrected[0].text if corrected[0].changed else text)
            except EmbeddingUnavailable:  # already logged by the embedder: keyword search still answers
                notes.append(f"{mode} search fell back to keyword search: the embedding service failed")
                mode = "keyword"
        result = await asyncio.to_thread(self._search_sync, query, mode, qvec, corrected)
        result.notes = notes + result.notes
        result.took_ms = round((time.perf_counter() - started) * 1000, 3)
        return result

    def _understand(self, text: str) -> tuple[CorrectedQuery, dict[str, list[str]]]:
        """Typo correction against the index vocabulary, and the vocabulary values the words point to."""
        self._sync()
        corrected = self.corrector().correct(text)
        return corrected, query_hints(corrected.text)

    def _search_sync(
        self,
        q: SearchQuery,
        mode: SearchMode,
        qvec: np.ndarray | None,
        understood: tuple[CorrectedQuery, dict[str, list[str]]] | None,
    ) -> SearchResult:
        self._sync()
        f = q.filters
        need = q.offset + q.k
        corrected, hints = understood if understood else (None, {})
        terms = [t if isinstance(t, str) else t[0] for t in corrected.terms] if corrected else []
        corrected_text = corrected.text if corrected and corrected.changed else None

        if corrected is None or (not corrected.terms and qvec is None):
            # browse: filters only, ordered by a fast field
            order, asc = {
                "relevance": ("rating", False),
                "rating": ("rating", False),
                "price": ("price", True),
                "price_desc": ("price", False),
            }[q.sort]
            kh = self.text.search(self.text.query(None, f), q.k, q.offset, order_by=order, ascending=asc)
            return self._result(kh.rowids, kh.scores, kh.total, f, terms, {}, mode, corrected_text)

        words_q = self.text.text_query(corrected.terms) if corrected.terms else None
        text_q = self.text.either(words_q, self.text.hint_query(hints)) if words_q is not None else None
        if mode == "keyword":
            if text_q is None:
                return self._result([], [], 0, f, terms, {}, mode, corrected_text)
            if q.sort == "relevance":
                kh = self.text.search(self.text.query(text_q, f), q.k, q.offset)
                return self._result(kh.rowids, kh.scores, kh.total, f, terms, {}, mode, corrected_text)
            # sorted by a field: every query word must match (an OR query would sort noise by price)
            strict = self.text.text_query(corrected.terms, conjunctive=True)
            order, asc = {"rating": ("rating", False), "price": ("price", True), "price_desc": ("price", False)}[q.sort]
            kh = self.text.search(self.text.query(strict, f), q.k, q.offset, order_by=order, ascending=asc)
            if kh.total == 0:
                kh = self.text.search(self.text.query(text_q, f), q.k, q.offset, order_by=order, ascending=asc)
            return self._result(kh.rowids, kh.scores, kh.total, f, terms, {}, mode, corrected_text)

        assert qvec is not None
        pool = max(POOL, need)
        vec_ids, vec_scores, vec_total = self._vector_candidates(qvec, f, pool)
        cosines = dict(zip(vec_ids, vec_scores, strict=True))
        if mode == "semantic":
            ranked, scores = vec_ids, vec_scores
            total = vec_total
        else:
            # the vector side already counts every product passing the filters: no need to count keyword matches
            kw = self.text.search(self.text.query(text_q, f), pool, count=False) if text_q is not None else None
            kw_ids = kw.rowids if kw else []
            w = self.semantic_weight
            fused: dict[int, float] = {}
            for rank, rowid in enumerate(kw_ids, 1):
                fused[rowid] = fused.get(rowid, 0.0) + (1.0 - w) / (RRF_K + rank)
            for rank, rowid in enumerate(vec_ids, 1):
                fused[rowid] = fused.get(rowid, 0.0) + w / (RRF_K + rank)
            ranked = sorted(fused, key=lambda r: -fused[r])
            scores = [fused[r] for r in ranked]
            total = max(vec_total, kw.total if kw else 0, len(ranked))
        if q.sort != "relevance":
            products = self.store.by_rowids(ranked)
            key = _sort_key(q.sort)
            order_ = sorted(range(len(ranked)), key=lambda i: key(products[ranked[i]]) if ranked[i] in products else 0)
            ranked = [ranked[i] for i in order_]
            scores = [scores[i] for i in order_]
        page = slice(q.offset, q.offset + q.k)
        return self._result(ranked[page], scores[page], total, f, terms, cosines, mode, corrected_text)

    def _vector_candidates(self, qvec: np.ndarray, f: Filters, pool: int) -> tuple[list[int], list[float], int]:
        """Filtered vector top ``pool``; exclusions (ingredients) are verified against the full-text index."""
        if not f.exclude_ingredients:
            vh = self.vectors.search(qvec, f, pool)
            return vh.rowids, vh.scores, vh.total
        vh = self.vectors.search(qvec, f, pool * 2 + 20)
        allowed = self.text.restrict(self.text.query(None, f), vh.rowids)
        keep = [(r, s) for r, s in zip(vh.rowids, vh.scores, strict=True) if r in allowed][:pool]
        dropped = len(vh.rowids) - len(allowed)
        total = max(len(keep), vh.total - dropped) if len(vh.rowids) < vh.total else len(allowed)
        return [r for r, _ in keep], [s for _, s in keep], total

    def _result(
        self,
        rowids: Sequence[int],
        scores: Sequence[float],
        total: int,
        f: Filters,
        terms: Sequence[str],
        cosines: dict[int, float],
        mode: SearchMode,
        corrected_text: str | None,
    ) -> SearchResult:
        products = self.store.by_rowids(list(rowids))
        patterns = term_patterns(terms)
        hits = [
            SearchHit(
                product=products[r],
                score=round(float(s), 6),
                why=explain(products[r], f, patterns=patterns, cosine=cosines.get(r)),
            )
            for r, s in zip(rowids, scores, strict=True)
            if r in products and not excluded(products[r], f.exclude_ingredients)  # the exact family check
        ]
        return SearchResult(hits=hits, total=total, corrected_text=corrected_text, mode=mode)

    async def similar(self, product_id: str, k: int = 5, filters: Filters | None = None) -> SearchResult:
        started = time.perf_counter()
        found = await asyncio.to_thread(self.store.by_ids, [product_id])
        if product_id not in found:
            raise NotFound(f"product {product_id!r} not found", field="product_id")
        rowid, product = found[product_id]
        f = filters or Filters(species=product.species)
        result = await asyncio.to_thread(self._similar_sync, rowid, product, k, f)
        result.took_ms = round((time.perf_counter() - started) * 1000, 3)
        return result

    def _similar_sync(self, rowid: int, product: Product, k: int, f: Filters) -> SearchResult:
        self._sync()
        vec = self.vectors.vector_of(rowid)
        if vec is not None:
            vh = self.vectors.search(vec, f, k * 2 + 20, exclude_rowid=rowid)
            ids, scores = vh.rowids, vh.scores
            if f.exclude_ingredients:
                allowed = self.text.restrict(self.text.query(None, f), ids)
                pairs = [(r, s) for r, s in zip(ids, scores, strict=True) if r in allowed]
                ids, scores = [r for r, _ in pairs], [s for _, s in pairs]
            ids, scores = ids[:k], scores[:k]
            cos = dict(zip(ids, scores, strict=True))
            res = self._result(ids, scores, vh.total, f, [], cos, "semantic", None)
        else:
            # no vectors: keyword search over the product's own words
            terms: list[str | tuple[str, ...]] = list(
                dict.fromkeys(w for w in words(f"{product.title} {' '.join(product.special_features)}") if len(w) > 2)
            )
            text_q = self.text.text_query(terms)
            kh = self.text.search(self.text.query(text_q, f), k + 1)
            pairs = [(r, s) for r, s in zip(kh.rowids, kh.scores, strict=True) if r != rowid][:k]
            res = self._result(
                [r for r, _ in pairs], [s for _, s in pairs], max(0, kh.total - 1), f, [], {}, "keyword", None
            )
        for hit in res.hits:
            hit.why.insert(0, f"similar to {product.title}")
        return res

    async def aclose(self) -> None:
        async with self._write_lock:
            await asyncio.to_thread(self.store.close)
            if self.embedder:
                await asyncio.to_thread(self.embedder.close)


async def _batches(products: Iterable[Product] | AsyncIterable[Product], size: int) -> AsyncIterable[list[Product]]:
    batch: list[Product] = []
    if isinstance(products, AsyncIterable):
        async for p in products:
            batch.append(p)
            if len(batch) >= size:
                yield batch
                batch = []
    else:
        it = iter(products)
        while True:
            # pulling from a sync iterator (a file reader, a generator) may block: do it off the loop
            chunk = await asyncio.to_thread(_take, it, size)
            if not chunk:
                break
            yield chunk
    if batch:
        yield batch


def _take(it: Any, n: int) -> list[Product]:
    out: list[Product] = []
    for p in it:
        out.append(p)
        if len(out) >= n:
            break
    return out
