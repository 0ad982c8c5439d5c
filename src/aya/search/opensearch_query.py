"""The OpenSearch query DSL of a search, as pure functions (golden tests in tests/search/test_opensearch_query.py).

- Filters are ``filter`` clauses (no effect on scores); asking for a life stage also matches "all" life stages.
- Text is a ``multi_match`` over the keyword fields with the embedded backend's boosts and ``fuzziness: AUTO``, plus
  soft boosts for the features and conditions the words point to (``analysis.query_hints``), as the embedded backend.
  As there, the catalog's very common words ("food", "dog": in more than ``COMMON_SHARE`` of the products, counted
  by :func:`doc_freq_bodies`) score on the title and facet words only, in a clause of their own, and a partial last
  word ("salm") also matches as a prefix.
- Excluded ingredients are ``must_not`` phrase clauses, built by ONE function (:func:`exclusion_clauses`) from the
  list of excluded terms, so an expansion into ingredient families plugs in at one place.
- kNN carries the same filters and exclusions INSIDE the vector search (lucene's filtered HNSW), so filtered results
  are not a post-filtered remainder of an unfiltered top k.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aya.search.analysis import STOP_WORDS, words
from aya.search.exclusions import exclusion_terms
from aya.search.models import Filters, SortBy
from aya.search.text_index import COMMON_FIELDS, COMMON_SHARE, FIELD_BOOSTS, HINT_BONUS, brand_key, life_stages_for

Query = dict[str, Any]

# The analyzed text fields of the index and where each Filters field lives.
TEXT_FIELDS: Mapping[str, str] = {
    "title": "title",
    "brand": "brand",
    "features": "features_text",
    "conditions": "conditions_text",
    "facets": "facets_text",
    "ingredients": "ingredients",
    "description": "description",
}
TIE_BREAKER = 0.3
HINT_FIELDS = {
    "special_features": "special_features",
    "target_conditions": "target_conditions",
    "species": "species",
    "life_stage": "life_stage",
    "food_type": "food_type",
}
# Heavy or index-only fields never sent back with hits.
HIDDEN_FIELDS = (
    "embedding",
    "features_text",
    "conditions_text",
    "facets_text",
    "brand_key",
    "content_hash",
    "text_hash",
)


def boosted(boosts: Mapping[str, float]) -> list[str]:
    return [f"{TEXT_FIELDS[name]}^{boost:g}" for name, boost in boosts.items()]


def boosted_fields() -> list[str]:
    return boosted(FIELD_BOOSTS)


def exclusion_clauses(excluded: Sequence[str]) -> list[Query]:
    """``must_not`` clauses for excluded ingredients: each family expanded to its label words
    (:func:`aya.search.exclusions.exclusion_terms`: "chicken" also rules out "poultry by-product meal" and "fowl"), each
    a phrase on the ingredient list, stemmed ("peas" also catches "pea fiber"). A word inside an exception phrase
    ("milk" in "milk thistle") is excluded only outside it; the backend re-checks every hit with
    :func:`aya.search.exclusions.excluded`, the source of truth (titles included)."""
    if not excluded:
        return []
    expansion = exclusion_terms([t.strip() for t in excluded if t.strip()])

    def phrase(text: str) -> Query:
        return {"match_phrase": {"ingredients": {"query": text, "analyzer": "aya_text"}}}

    out: list[Query] = []
    for term in dict.fromkeys(expansion.terms):
        unless = [e for e in expansion.exceptions if f" {term} " in f" {e} "]
        if unless:
            out.append({"bool": {"must": [phrase(term)], "must_not": [phrase(e) for e in unless]}})
        else:
            out.append(phrase(term))
    return out


def filter_clauses(f: Filters) -> list[Query]:
    out: list[Query] = []
    if f.species:
        out.append({"term": {"species": f.species}})
    if f.life_stage:
        out.append({"terms": {"life_stage": life_stages_for(f.life_stage)}})
    if f.food_type:
        out.append({"terms": {"food_type": list(f.food_type)}})
    if f.brand:
        out.append({"terms": {"brand_key": [brand_key(b) for b in f.brand]}})
    if f.availability:
        out.append({"term": {"availability": f.availability}})
    for feature in f.special_features:  # all of
        out.append({"term": {"special_features": feature}})
    if f.target_conditions:  # any of
        out.append({"terms": {"target_conditions": list(f.target_conditions)}})
    if f.price_min is not None or f.price_max is not None:
        rng: dict[str, float] = {}
        if f.price_min is not None:
            rng["gte"] = f.price_min
        if f.price_max is not None:
            rng["lte"] = f.price_max
        out.append({"range": {"price": rng}})
    if f.protein_min is not None:  # products without a value never match
        out.append({"range": {"nutritional_info.protein_min": {"gte": f.protein_min}}})
    return out


def feature_exclusions(f: Filters) -> list[Query]:
    """``exclude_features`` as must-not terms ("no prescription": never a veterinary diet)."""
    return [{"terms": {"special_features": list(f.exclude_features)}}] if f.exclude_features else []


def filter_query(f: Filters, *extra: Query) -> Query:
    """Every filter and exclusion as one non-scoring bool query (the kNN filter, counts, browsing)."""
    body: dict[str, Any] = {"filter": [*filter_clauses(f), *extra]}
    must_not = [*exclusion_clauses(f.exclude_ingredients), *feature_exclusions(f)]
    if must_not:
        body["must_not"] = must_not
    return {"bool": body}


def common_words(terms: Sequence[str], doc_freq: Mapping[str, int], n_docs: int) -> set[str]:
    """The query words present in more than ``COMMON_SHARE`` of the products (the embedded backend's rule, on the
    same unstemmed words): they barely rank, so they score on the title and facet words only. A one-word query
    keeps its word everywhere."""
    if len(terms) <= 1:
        return set()
    return {t for t in terms if doc_freq.get(t, 0) > COMMON_SHARE * max(1, n_docs)}


def text_clause(
    text: str,
    *,
    conjunctive: bool = False,
    fuzzy: bool = True,
    common: Collection[str] = (),
    prefix: str | None = None,
) -> Query:
    """The words' scoring clause: the rare words as one best-fields ``multi_match`` over every text field; the
    ``common`` words as another over the title and facet words only; ``prefix`` (a partial last word, "salm") as a
    ``bool_prefix`` over every field, so "salm" finds salmon. The clauses' scores add up; at least one must match
    (all of them, each with all its words, when ``conjunctive``).

    ``fuzzy=False`` when every query word is known to the catalog: fuzzy expansion then only costs (it doubles a
    query's CPU) and adds near-miss noise."""
    operator = "and" if conjunctive else "or"
    toks = words(text)
    if prefix is not None and toks and toks[-1] == prefix:
        toks = toks[:-1]
    rare = [w for w in toks if w not in common and w not in STOP_WORDS]
    frequent = [w for w in toks if w in common]
    clauses: list[Query] = []
    if rare:
        mm: dict[str, Any] = {
            "query": " ".join(rare) if (common or prefix) else text,
            "type": "best_fields",
            "fields": boosted_fields(),
            "tie_breaker": TIE_BREAKER,
            "operator": operator,
        }
        if fuzzy:
            mm |= {"fuzziness": "AUTO", "prefix_length": 1, "max_expansions": 20}
        clauses.append({"multi_match": mm})
    if frequent:
        clauses.append(
            {
                "multi_match": {
                    "query": " ".join(frequent),
                    "type": "best_fields",
                    "fields": boosted(COMMON_FIELDS),
                    "tie_breaker": TIE_BREAKER,
                    "operator": operator,
                }
            }
        )
    if prefix is not None:
        clauses.append(
            {
                "multi_match": {
                    "query": prefix,
                    "type": "bool_prefix",
                    "fields": boosted_fields(),
                    "tie_breaker": TIE_BREAKER,
                    "max_expansions": MAX_PREFIX_EXPANSIONS,
                }
            }
        )
    if not clauses:  # only stop words: let the analyzer say so (matches nothing)
        clauses.append({"multi_match": {"query": text, "type": "best_fields", "fields": boosted_fields()}})
    if len(clauses) == 1:
        return clauses[0]
    if conjunctive:
        return {"bool": {"must": clauses}}
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


MAX_PREFIX_EXPANSIONS = 20


def doc_freq_bodies(terms: Sequence[str], partial: str | None = None) -> list[dict[str, Any]]:
    """Count requests (for one ``_msearch``, after the suggestion request): every product, then the products
    containing each term (unstemmed, as written), then, when ``partial`` is given, those with a word starting with
    it. Counts of one term are answered from the index's statistics, without visiting documents."""

    def count(query: Query) -> dict[str, Any]:
        return {"size": 0, "query": query, "track_total_hits": True}

    bodies = [count({"match_all": {}})]
    bodies += [count({"term": {"words": t}}) for t in terms]
    if partial is not None:
        bodies.append(count({"prefix": {"words": partial}}))
    return bodies


# Lucene's BM25 (since Lucene 8) leaves out the constant (k1 + 1) factor tantivy's BM25 keeps, so the same match
# scores 1 + k1 = 2.2 times lower here: the hint bonus is scaled alike to weigh what it weighs in the embedded backend.
BM25_K1 = 1.2
OPENSEARCH_HINT_BONUS = round(HINT_BONUS / (1 + BM25_K1), 3)


def hint_clauses(hints: Mapping[str, Sequence[str]]) -> list[Query]:
    return [
        {"constant_score": {"filter": {"term": {HINT_FIELDS[name]: v}}, "boost": OPENSEARCH_HINT_BONUS}}
        for name, values in hints.items()
        if name in HINT_FIELDS
        for v in values
    ]


def keyword_query(
    text: str,
    f: Filters,
    hints: Mapping[str, Sequence[str]] | None = None,
    *,
    conjunctive: bool = False,
    fuzzy: bool = True,
    common: Collection[str] = (),
    prefix: str | None = None,
) -> Query:
    """BM25 over the text fields (the words must match), hints as soft boosts, filters and exclusions."""
    clause = text_clause(text, conjunctive=conjunctive, fuzzy=fuzzy, common=common, prefix=prefix)
    body: dict[str, Any] = {"must": [clause], "filter": filter_clauses(f)}
    should = hint_clauses(hints or {})
    if should:
        body["should"] = should
    must_not = [*exclusion_clauses(f.exclude_ingredients), *feature_exclusions(f)]
    if must_not:
        body["must_not"] = must_not
    return {"bool": body}


def knn_query(vector: Sequence[float], k: int, f: Filters, *, exclude_ids: Sequence[str] = ()) -> Query:
    """Filtered approximate kNN: the filters apply inside the HNSW search (lucene engine)."""
    extra: list[Query] = []
    flt = filter_query(f, *extra)
    if exclude_ids:
        flt["bool"].setdefault("must_not", []).append({"ids": {"values": list(exclude_ids)}})
    knn: dict[str, Any] = {"vector": [float(x) for x in vector], "k": k}
    if flt["bool"]["filter"] or flt["bool"].get("must_not"):
        knn["filter"] = flt
    return {"knn": {"embedding": knn}}


def suggest_body(text: str) -> dict[str, Any]:
    """Spelling suggestions for the query's words that no product contains ("salmn" -> salmon)."""
    return {
        "size": 0,
        "query": {"match_none": {}},
        "suggest": {
            "text": text,
            "words": {
                "term": {
                    "field": "words",
                    "suggest_mode": "missing",
                    "min_word_length": 4,
                    "prefix_length": 1,
                    "max_edits": 2,
                    "size": 1,
                    "sort": "score",
                }
            },
        },
    }


SUGGESTION_MIN_SCORE = 0.75  # the embedded backend's typo cutoff, as a similarity


def suggestion(entry: Mapping[str, Any]) -> str | None:
    """The suggester's replacement for one missing word, when it is close enough."""
    options = entry.get("options") or []
    if options and float(options[0].get("score", 0)) >= SUGGESTION_MIN_SCORE:
        return str(options[0]["text"])
    return None


def apply_suggestions(
    text: str, entries: Sequence[Mapping[str, Any]], keep: Callable[[str], bool] = lambda _w: False
) -> str:
    """The query text with each misspelled word replaced by its best suggestion, when that is close enough and the
    word is not one to ``keep`` (stop words; real English words absent from this catalog, such as "throwing")."""
    out = text
    for entry in sorted(entries, key=lambda e: -int(e["offset"])):  # right to left: offsets stay valid
        fix = suggestion(entry)
        if fix is None or keep(str(entry["text"]).lower()):
            continue
        start, length = int(entry["offset"]), int(entry["length"])
        out = out[:start] + fix + out[start + length :]
    return out


def partial_candidate(text: str, stop_words: Collection[str]) -> str | None:
    """The text's last word when it could be the start of longer catalog words (the embedded backend's rule: at
    least 3 letters, not a number, not a stop word); whether it is one, the counts say."""
    toks = words(text)
    if not toks:
        return None
    last = toks[-1]
    if len(last) < 3 or last.isdigit() or last in stop_words:
        return None
    return last


@dataclass(frozen=True)
class Understood:
    """What the suggestion and count requests say about a query's words."""

    text: str  # the text to search: close suggestions applied to words no product contains
    fuzzy: bool  # a word no product contains is left uncorrected: fuzzy matching may still catch it
    common: frozenset[str] = frozenset()  # the catalog's very common words among the text's
    prefix: str | None = None  # the last word, matched as the start of catalog words ("salm" -> salmon)


def understand(
    text: str,
    suggest: Mapping[str, Any],
    counts: Sequence[Mapping[str, Any]],
    *,
    terms: Sequence[str],
    partial: str | None,
    keep: Callable[[str], bool],
) -> Understood:
    """Read the answers to ``[suggest_body(text), *doc_freq_bodies(terms, partial)]`` (pure).

    As the embedded backend: a partial last word that starts catalog words is completed rather than corrected
    ("salm", "kitt"); other words no product contains take a close suggestion unless they are to be ``keep``-t
    (stop words, real English words); common words are counted on the words finally searched (a suggestion's
    document frequency comes with it)."""

    def total(res: Mapping[str, Any]) -> int:
        return int(res["hits"]["total"]["value"])

    n_docs = total(counts[0])
    doc_freq = {t: total(r) for t, r in zip(terms, counts[1 : 1 + len(terms)], strict=True)}
    prefix = None
    if partial is not None and doc_freq.get(partial, 0) == 0 and len(counts) > 1 + len(terms):
        if total(counts[1 + len(terms)]) > 0:
            prefix = partial
    entries = list(suggest.get("suggest", {}).get("words", []))
    for e in entries:
        options = e.get("options") or []
        if suggestion(e) is not None:
            doc_freq.setdefault(str(options[0]["text"]), int(options[0].get("freq", 0)))

    def kept(w: str) -> bool:
        return w == prefix or keep(w)

    fixed = apply_suggestions(text, entries, kept)
    fixed_words = set(words(fixed))
    fuzzy = any(doc_freq.get(t, 1) == 0 and t in fixed_words and not kept(t) for t in terms)
    final = [w for w in words(fixed) if w in doc_freq]  # the searched words but stop words
    return Understood(text=fixed, fuzzy=fuzzy, common=frozenset(common_words(final, doc_freq, n_docs)), prefix=prefix)


def sort_clause(sort: SortBy) -> list[Any]:
    """Sorting, with the product id as the last tie-breaker so pages never overlap."""
    match sort:
        case "price":
            return [{"price": "asc"}, {"id": "asc"}]
        case "price_desc":
            return [{"price": "desc"}, {"id": "asc"}]
        case "rating":
            return [{"rating": {"order": "desc", "missing": 0}}, {"id": "asc"}]
        case "relevance":
            return ["_score", {"id": "asc"}]


def browse_sort(sort: SortBy) -> list[Any]:
    """Without text, "relevance" means best rated first (as the embedded backend)."""
    return sort_clause("rating" if sort == "relevance" else sort)


def search_body(
    query: Query,
    *,
    size: int,
    offset: int = 0,
    sort: list[Any] | None = None,
    track_total_hits: bool = True,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "query": query,
        "size": size,
        "from": offset,
        "track_total_hits": track_total_hits,
        "_source": {"excludes": list(HIDDEN_FIELDS)},
    }
    if sort is not None:
        body["sort"] = sort
    return body


def build_opensearch_query(
    text: str,
    f: Filters,
    *,
    mode: str = "keyword",
    k: int = 10,
    offset: int = 0,
    sort: SortBy = "relevance",
    vector: Sequence[float] | None = None,
    hints: Mapping[str, Sequence[str]] | None = None,
    pool: int = 50,
    conjunctive: bool = False,
    fuzzy: bool = True,
    common: Collection[str] = (),
    prefix: str | None = None,
) -> list[dict[str, Any]]:
    """The search request bodies of one search, in order: one for keyword or semantic search or browsing, two for
    hybrid (keyword pool, then vector pool: fused client-side by reciprocal rank fusion).

    Browsing (no text): filters only, sorted. Keyword: BM25 page. Semantic: the filtered kNN pool. Hybrid: both pools.
    ``common``: the catalog's very common words among the text's (:func:`common_words`); ``prefix``: the text's last
    word when it is the start of catalog words rather than a word itself.
    """
    text = text.strip()
    if not text:
        return [search_body(filter_query(f), size=k, offset=offset, sort=browse_sort(sort))]
    if mode == "keyword":
        q = keyword_query(text, f, hints, conjunctive=conjunctive, fuzzy=fuzzy, common=common, prefix=prefix)
        return [search_body(q, size=k, offset=offset, sort=sort_clause(sort))]
    if vector is None:
        raise ValueError(f"{mode} search needs a query vector")
    knn = search_body(knn_query(vector, pool, f), size=pool, track_total_hits=False)
    if mode == "semantic":
        return [knn]
    kw = search_body(
        keyword_query(text, f, hints, fuzzy=fuzzy, common=common, prefix=prefix), size=pool, track_total_hits=True
    )
    return [kw, knn]
