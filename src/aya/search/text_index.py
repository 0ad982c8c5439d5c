"""The tantivy full-text index: schema, documents, BM25 queries with field boosts, filters as zero-score clauses.

Documents are keyed by ``rowid`` (the product's SQLite rowid, a fast field). Filters never change BM25 scores: each is
wrapped in ``Query.const_score_query(q, 0.0)`` and added as a MUST clause. Exclusions are MUST_NOT clauses.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import tantivy

from aya.catalog.models import Product
from aya.search.analysis import facet_text, stems, vocab_phrase, words
from aya.search.exclusions import exclusion_terms
from aya.search.models import Filters

logger = logging.getLogger("aya.search")

SCHEMA_VERSION = "2"

# Field boosts of the BM25 query (most_fields: each query term scores in every field it matches).
FIELD_BOOSTS: dict[str, float] = {
    "title": 3.0,
    "brand": 2.5,
    "features": 1.5,
    "conditions": 1.5,
    "facets": 1.2,
    "ingredients": 1.0,
    "description": 1.0,
}
KEYWORD_FIELDS = tuple(FIELD_BOOSTS)
TIE_BREAKER = 0.3
COMMON_SHARE = 0.3
COMMON_FIELDS = {"title": FIELD_BOOSTS["title"], "facets": FIELD_BOOSTS["facets"]}
HINT_BONUS = 3.0  # score added per vocabulary value the query points to and the product carries
_RAW_FIELDS = ("species", "life_stage", "food_type", "brand_key", "availability", "feature", "condition")


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("rowid", stored=True, indexed=True, fast=True)
    for name in KEYWORD_FIELDS:
        sb.add_text_field(name, tokenizer_name="en_stem")
    sb.add_text_field("words", tokenizer_name="default", index_option="basic")  # unstemmed vocabulary for typos
    for name in _RAW_FIELDS:
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic")
    sb.add_float_field("price", indexed=True, fast=True)
    sb.add_float_field("protein", indexed=True, fast=True)
    sb.add_float_field("rating", indexed=True, fast=True)
    return sb.build()


def brand_key(brand: str) -> str:
    return " ".join(brand.lower().split())


def to_document(rowid: int, p: Product) -> tantivy.Document:
    d = tantivy.Document()
    d.add_unsigned("rowid", rowid)
    d.add_text("title", p.title)
    d.add_text("brand", p.brand)
    d.add_text("description", p.description)
    d.add_text("ingredients", ", ".join(p.ingredients))
    d.add_text("features", " ".join(vocab_phrase(f) for f in p.special_features))
    d.add_text("conditions", " ".join(vocab_phrase(c) for c in p.target_conditions))
    d.add_text("facets", facet_text(p))
    # searchable_text is not indexed: it concatenates the fields above (see aya.catalog.text)
    d.add_text("words", " ".join([p.title, p.brand, p.description, " ".join(p.ingredients), facet_text(p)]))
    d.add_text("species", p.species)
    d.add_text("life_stage", p.life_stage)
    d.add_text("food_type", p.food_type)
    d.add_text("brand_key", brand_key(p.brand))
    d.add_text("availability", p.availability)
    for f in p.special_features:
        d.add_text("feature", f)
    for c in p.target_conditions:
        d.add_text("condition", c)
    d.add_float("price", float(p.price))
    if p.nutritional_info.protein_min is not None:
        d.add_float("protein", float(p.nutritional_info.protein_min))
    d.add_float("rating", float(p.rating or 0.0))
    return d


def _count(res: tantivy.SearchResult) -> int:
    return int(getattr(res, "count", 0) or 0)


def life_stages_for(stage: str) -> list[str]:
    """Asking for a life stage also matches products made for all life stages."""
    return [stage] if stage == "all" else [stage, "all"]


@dataclass(frozen=True)
class KeywordHits:
    rowids: list[int]
    scores: list[float]
    total: int


class TextIndex:
    """One tantivy index in a directory. Reads are thread-safe; writes go through :meth:`write` (one writer)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.schema = build_schema()
        self.index = self._open(path)
        self._vocab: dict[str, int] | None = None

    def _open(self, path: Path) -> tantivy.Index:
        path.mkdir(parents=True, exist_ok=True)
        version_file = path / "aya-schema-version"
        if version_file.exists() and version_file.read_text().strip() != SCHEMA_VERSION:
            logger.warning("search index schema changed: rebuilding %s", path)
            shutil.rmtree(path)
            path.mkdir(parents=True)
        index = tantivy.Index(self.schema, path=str(path), reuse=True)
        version_file.write_text(SCHEMA_VERSION)
        return index

    # --- writes (callers serialize them) ---------------------------------------------------------------------------
    def writer(self) -> IndexWrite:
        """Open the index writer (one per process at a time) for a batch of changes committed together."""
        return IndexWrite(self)

    def rebuild(self, items: Iterable[tuple[int, Product]]) -> int:
        w = self.writer()
        try:
            w.clear()
            n = w.add(items)
            w.commit()
        except BaseException:
            w.rollback()
            raise
        return n

    def num_docs(self) -> int:
        return int(self.index.searcher().num_docs)

    # --- vocabulary ------------------------------------------------------------------------------------------------
    def vocabulary(self) -> dict[str, int]:
        """Every indexed word (unstemmed) with its document frequency."""
        if self._vocab is None:
            terms = self.index.searcher().terms_with_prefix("words", "", limit=None)
            self._vocab = {t: df for t, df in terms if not t.isdigit()}
        return self._vocab

    # --- queries ---------------------------------------------------------------------------------------------------
    def common_words(self, terms: Sequence[str | tuple[str, ...]]) -> set[str]:
        """Query words present in more than ``COMMON_SHARE`` of the products ("food", "dog"): they barely rank and
        their long posting lists dominate query time, so they are scored on the title and facet fields only."""
        n = max(1, self.num_docs())
        vocab = self.vocabulary()
        return {t for t in terms if isinstance(t, str) and vocab.get(t, 0) > COMMON_SHARE * n}

    def text_query(self, terms: Sequence[str | tuple[str, ...]], *, conjunctive: bool = False) -> tantivy.Query | None:
        """OR (or AND when ``conjunctive``) over query terms; each term scores in every keyword field with its boost.

        A term is a word, or a tuple of alternatives (prefix expansions of the last word) of which the best counts.
        """
        occur = tantivy.Occur.Must if conjunctive else tantivy.Occur.Should
        common = self.common_words(terms) if len(terms) > 1 else set()
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        seen: set[str] = set()
        for term in terms:
            alternatives = [term] if isinstance(term, str) else list(term)
            boosts = COMMON_FIELDS if isinstance(term, str) and term in common else FIELD_BOOSTS
            alt_queries = []
            for word in alternatives:
                for stem in stems(word):
                    if stem in seen:
                        continue
                    seen.add(stem)
                    per_field = [
                        tantivy.Query.boost_query(tantivy.Query.term_query(self.schema, f, stem), boost)
                        for f, boost in boosts.items()
                    ]
                    # best field counts fully, the others a little: a word repeated across fields must not beat
                    # matching more of the query's words
                    alt_queries.append(tantivy.Query.disjunction_max_query(per_field, TIE_BREAKER))
            if not alt_queries:
                continue
            q = alt_queries[0] if len(alt_queries) == 1 else tantivy.Query.disjunction_max_query(alt_queries)
            clauses.append((occur, q))
        if not clauses:
            return None
        return tantivy.Query.boolean_query(clauses)

    def hint_query(self, hints: dict[str, list[str]], bonus: float = HINT_BONUS) -> tantivy.Query | None:
        """Soft boosts for products tagged with what the query's words point to (see ``analysis.query_hints``)."""
        field_of = {
            "special_features": "feature",
            "target_conditions": "condition",
            "species": "species",
            "life_stage": "life_stage",
            "food_type": "food_type",
        }
        clauses = [
            (
                tantivy.Occur.Should,
                tantivy.Query.const_score_query(tantivy.Query.term_query(self.schema, field_of[name], v), bonus),
            )
            for name, values in hints.items()
            if name in field_of
            for v in values
        ]
        return tantivy.Query.boolean_query(clauses) if clauses else None

    @staticmethod
    def either(*queries: tantivy.Query | None) -> tantivy.Query | None:
        present = [q for q in queries if q is not None]
        if len(present) <= 1:
            return present[0] if present else None
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in present])

    def filter_clauses(self, f: Filters) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        s = self.schema
        musts: list[tantivy.Query] = []
        if f.species:
            musts.append(tantivy.Query.term_query(s, "species", f.species))
        if f.life_stage:
            musts.append(tantivy.Query.term_set_query(s, "life_stage", life_stages_for(f.life_stage)))
        if f.food_type:
            musts.append(tantivy.Query.term_set_query(s, "food_type", list(f.food_type)))
        if f.brand:
            musts.append(tantivy.Query.term_set_query(s, "brand_key", [brand_key(b) for b in f.brand]))
        if f.availability:
            musts.append(tantivy.Query.term_query(s, "availability", f.availability))
        for feature in f.special_features:
            musts.append(tantivy.Query.term_query(s, "feature", feature))
        if f.target_conditions:
            musts.append(tantivy.Query.term_set_query(s, "condition", list(f.target_conditions)))
        if f.price_min is not None or f.price_max is not None:
            musts.append(tantivy.Query.range_query(s, "price", tantivy.FieldType.Float, f.price_min, f.price_max))
        if f.protein_min is not None:
            musts.append(tantivy.Query.range_query(s, "protein", tantivy.FieldType.Float, f.protein_min, None))
        clauses = [(tantivy.Occur.Must, tantivy.Query.const_score_query(q, 0.0)) for q in musts]
        clauses.extend((tantivy.Occur.MustNot, q) for q in self.exclusion_queries(f.exclude_ingredients))
        clauses.extend(
            (tantivy.Occur.MustNot, tantivy.Query.term_query(s, "feature", feature)) for feature in f.exclude_features
        )
        return clauses

    def exclusion_queries(self, exclude: Sequence[str]) -> list[tantivy.Query]:
        """Must-not queries on the ingredients for an exclusion list, each family expanded to its label words
        (:mod:`aya.search.exclusions`). A word inside an exception phrase ("milk" in "milk thistle") is excluded only
        outside it; products with both are caught by the exact check the backend applies to every hit."""
        if not exclude:
            return []
        expansion = exclusion_terms(exclude)
        exceptions = [(e, self.ingredient_query(e)) for e in expansion.exceptions]
        out: list[tantivy.Query] = []
        for term in expansion.terms:
            q = self.ingredient_query(term)
            if q is None:
                continue
            unless = [eq for e, eq in exceptions if eq is not None and f" {term} " in f" {e} "]
            if unless:
                q = tantivy.Query.boolean_query(
                    [(tantivy.Occur.Must, q), *((tantivy.Occur.MustNot, eq) for eq in unless)]
                )
            out.append(q)
        return out

    def ingredient_query(self, ingredient: str) -> tantivy.Query | None:
        """Products whose ingredient list mentions the ingredient ("chicken" also catches "chicken meal")."""
        toks = stems(ingredient)
        if not toks:
            return None
        if len(toks) == 1:
            return tantivy.Query.term_query(self.schema, "ingredients", toks[0])
        return tantivy.Query.phrase_query(self.schema, "ingredients", list(toks))

    def query(self, text_q: tantivy.Query | None, filters: Filters) -> tantivy.Query:
        clauses = self.filter_clauses(filters)
        if text_q is not None:
            clauses.insert(0, (tantivy.Occur.Must, text_q))
        elif not clauses or all(occ == tantivy.Occur.MustNot for occ, _ in clauses):
            clauses.insert(0, (tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def search(
        self,
        query: tantivy.Query,
        limit: int,
        offset: int = 0,
        order_by: str | None = None,
        ascending: bool = False,
        *,
        count: bool = True,
    ) -> KeywordHits:
        """Top ``limit`` hits; ``count=False`` skips counting every match (faster: lets tantivy prune)."""
        searcher = self.index.searcher()
        if order_by is None:
            res = searcher.search(query, limit, count=count, offset=offset)
        else:
            order = tantivy.Order.Asc if ascending else tantivy.Order.Desc
            res = searcher.search(query, limit, count=True, offset=offset, order_by_field=order_by, order=order)
        hits = res.hits
        if not hits:
            return KeywordHits([], [], _count(res) if count else 0)
        rowids = searcher.fast_field_values("rowid", [addr for _, addr in hits])
        total = _count(res) if count else len(hits)
        return KeywordHits([int(r or 0) for r in rowids], [float(s) for s, _ in hits], total)

    def count(self, query: tantivy.Query) -> int:
        return _count(self.index.searcher().search(query, 0, count=True))

    def restrict(self, query: tantivy.Query, rowids: Sequence[int]) -> set[int]:
        """The subset of ``rowids`` that match ``query`` (used to verify vector candidates against every filter)."""
        if not rowids:
            return set()
        only = tantivy.Query.term_set_query(self.schema, "rowid", list(rowids))
        q = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, query), (tantivy.Occur.Must, tantivy.Query.const_score_query(only, 0.0))]
        )
        hits = self.index.searcher().search(q, len(rowids), count=False).hits
        if not hits:
            return set()
        vals = self.index.searcher().fast_field_values("rowid", [a for _, a in hits])
        return {int(v or 0) for v in vals}


class IndexWrite:
    """Changes to the index, invisible to searches until :meth:`commit`."""

    def __init__(self, index: TextIndex) -> None:
        self._index = index
        self._writer: tantivy.IndexWriter | None = index.index.writer(heap_size=64_000_000, num_threads=1)
        self.lock = threading.Lock()  # a rollback after an interrupt waits for an add still running in its thread

    def _w(self) -> tantivy.IndexWriter:
        if self._writer is None:
            raise RuntimeError("index writer already closed")
        return self._writer

    def clear(self) -> None:
        self._w().delete_all_documents()

    def delete(self, rowids: Iterable[int]) -> None:
        w = self._w()
        for rowid in rowids:
            w.delete_documents_by_term("rowid", rowid)

    def add(self, items: Iterable[tuple[int, Product]], *, replace: bool = True) -> int:
        with self.lock:
            return self._add(items, replace)

    def _add(self, items: Iterable[tuple[int, Product]], replace: bool) -> int:
        w = self._w()
        n = 0
        for rowid, product in items:
            if replace:
                w.delete_documents_by_term("rowid", rowid)
            w.add_document(to_document(rowid, product))
            n += 1
        return n

    def commit(self) -> None:
        w = self._w()
        w.commit()
        w.wait_merging_threads()
        self._writer = None
        self._index.index.reload()
        self._index._vocab = None

    def rollback(self) -> None:
        with self.lock:
            if self._writer is not None:
                self._writer.rollback()
                self._writer = None


def term_patterns(terms: Iterable[str]) -> list[tuple[str, list[re.Pattern[str]]]]:
    """Per query word, word-prefix patterns of its stems (compiled once per query, used for every hit)."""
    out: list[tuple[str, list[re.Pattern[str]]]] = []
    for term in dict.fromkeys(terms):
        pats = [re.compile(r"\b" + re.escape(s)) for s in stems(term)]
        if pats:
            out.append((term, pats))
    return out


def matched_words(patterns: Sequence[tuple[str, list[re.Pattern[str]]]], product: Product) -> list[str]:
    """Query words found in the product's searchable fields (a stem at a word start), for the hit's explanation."""
    if not patterns:
        return []
    haystack = " ".join(
        [
            product.title,
            product.brand,
            product.description,
            " ".join(product.ingredients),
            " ".join(vocab_phrase(v) for v in [*product.special_features, *product.target_conditions]),
            facet_text(product),
        ]
    ).lower()
    return [term for term, pats in patterns if all(p.search(haystack) for p in pats)]


__all__ = ["FIELD_BOOSTS", "KeywordHits", "TextIndex", "brand_key", "life_stages_for", "matched_words", "words"]
