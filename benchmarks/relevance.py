"""Relevance of keyword, semantic and hybrid search on labeled queries, over the sample catalog and the Chewy data.

    .venv/bin/python benchmarks/relevance.py [--catalogs sample,chewy] [--backends sqlite,opensearch]
        [--weights 0.3,0.5,0.7] [--cache PATH]

Each labeled query is a text a shopper would type plus the constraints a right answer satisfies (species, life stage,
food type, features, conditions, words in the title or ingredients, a price limit). A product's grade is 2 when it
satisfies every constraint, 1 when it satisfies at least half, else 0.
- precision@5: share of the top 5 results that satisfy ALL the query's constraints;
- nDCG@10: graded, against the ideal ranking of the whole catalog.
Queries are text only (no structured filters: that is what the assistant adds, and filters make precision trivially 1)
except those marked "with filters". The Chewy catalogs (``../shared/data``, dog 2017 and cat 2021, mapped by the
importer with tests/catalog/mappings/) are read in place, never copied; skipped when absent. MiniLM vectors come
from the embedding cache (``--cache``), so only the first run pays for embedding.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from contextlib import AbstractContextManager, nullcontext

from _common import machine, summary_line

from aya.catalog.models import Product
from aya.catalog.sample import generate_sample_catalog
from aya.core.settings import Settings
from aya.search.embedder import MiniLMEmbedder
from aya.search.ingest import ingest_products
from aya.search.models import Filters, SearchQuery
from aya.search.sqlite_backend import SqliteProductSearch

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AYA_SHARED_DATA", REPO.parent / "shared" / "data"))
MAPPINGS = REPO / "tests" / "catalog" / "mappings"

Check = Callable[[Product], bool]


def text_of(p: Product) -> str:
    return f"{p.title} {' '.join(p.ingredients)}".lower()


def species(s: str) -> Check:
    return lambda p: p.species == s


def stage(*s: str) -> Check:
    return lambda p: p.life_stage in s


def ftype(*t: str) -> Check:
    return lambda p: p.food_type in t


def feature(*f: str) -> Check:
    return lambda p: any(x in p.special_features for x in f)


def condition(*c: str) -> Check:
    return lambda p: any(x in p.target_conditions for x in c)


def word(*w: str) -> Check:
    return lambda p: any(x in text_of(p) for x in w)


def title(*w: str) -> Check:
    return lambda p: any(x in p.title.lower() for x in w)


def without(ingredient: str) -> Check:
    return lambda p: not any(ingredient in i.lower() for i in p.ingredients)


def price_max(v: float) -> Check:
    return lambda p: p.price <= v


@dataclass
class Labeled:
    text: str
    checks: list[Check]
    filters: Filters = field(default_factory=Filters)
    kind: str = "keyword"  # keyword | paraphrase | typo | filtered


FISH = ("salmon", "tuna", "whitefish", "fish", "trout", "cod", "sardine", "mackerel", "ocean")

QUERIES: list[Labeled] = [
    Labeled("grain free salmon dog food", [species("dog"), feature("grain_free"), word("salmon")]),
    Labeled("senior cat food", [species("cat"), stage("senior")]),
    Labeled("puppy food", [species("dog"), stage("puppy")]),
    Labeled("wet food for kittens", [species("cat"), stage("kitten"), ftype("wet")]),
    Labeled("kidney support cat food", [species("cat"), condition("kidney_support")]),
    Labeled("high protein dry dog food", [species("dog"), ftype("dry"), feature("high_protein")]),
    Labeled("urinary tract health for cats", [species("cat"), condition("urinary_health")]),
    Labeled("indoor cat formula", [species("cat"), condition("indoor")]),
    Labeled("beef stew canned dog food", [species("dog"), ftype("wet"), word("beef")]),
    Labeled("turkey recipe for puppies", [species("dog"), stage("puppy"), word("turkey")]),
    Labeled("lamb and rice adult dog food", [species("dog"), stage("adult"), word("lamb")]),
    Labeled("organic dog food", [species("dog"), feature("organic")]),
    Labeled("weight control cat food", [species("cat"), condition("weight_management")]),
    Labeled("hairball control dry cat food", [species("cat"), condition("hairball_control"), ftype("dry")]),
    Labeled("limited ingredient duck dog food", [species("dog"), feature("limited_ingredient"), word("duck")]),
    Labeled("freeze dried dog treats", [species("dog"), ftype("freeze_dried", "treat"), title("freeze")]),
    Labeled("fish flavored wet cat food", [species("cat"), ftype("wet"), word(*FISH)]),
    Labeled("natural food with no corn wheat or soy", [feature("no_corn_wheat_soy")]),
    # paraphrases: the words of the need, not of the product
    Labeled(
        "my dog keeps throwing up after eating", [species("dog"), condition("sensitive_stomach")], kind="paraphrase"
    ),
    Labeled("food for an old cat with bad kidneys", [species("cat"), condition("kidney_support")], kind="paraphrase"),
    Labeled("help my chubby dog slim down", [species("dog"), condition("weight_management")], kind="paraphrase"),
    Labeled("my cat coughs up fur balls", [species("cat"), condition("hairball_control")], kind="paraphrase"),
    Labeled("something to make my dog's fur shiny", [species("dog"), condition("skin_coat")], kind="paraphrase"),
    Labeled("my old dog is stiff when he gets up", [species("dog"), condition("joint_support")], kind="paraphrase"),
    Labeled("my dog is allergic to lots of things", [species("dog"), condition("food_allergies")], kind="paraphrase"),
    Labeled("something to put on top of my dog's kibble", [species("dog"), ftype("topper")], kind="paraphrase"),
    Labeled("a meal for a growing kitten", [species("cat"), stage("kitten")], kind="paraphrase"),
    Labeled("my cat has crystals in her bladder", [species("cat"), condition("urinary_health")], kind="paraphrase"),
    # typos
    Labeled("salmn for kitens", [species("cat"), stage("kitten"), word("salmon")], kind="typo"),
    Labeled("grian free chiken dog food", [species("dog"), feature("grain_free"), word("chicken")], kind="typo"),
    Labeled("senoir dog food", [species("dog"), stage("senior")], kind="typo"),
    Labeled("turky puppie food", [species("dog"), stage("puppy"), word("turkey")], kind="typo"),
    # with the filters the assistant would set
    Labeled(
        "chicken free food for a cat",
        [species("cat"), without("chicken")],
        Filters(species="cat", exclude_ingredients=["chicken"]),
        kind="filtered",
    ),
    Labeled(
        "cheap dry dog food",
        [species("dog"), ftype("dry"), price_max(30)],
        Filters(species="dog", food_type=["dry"], price_max=30),
        kind="filtered",
    ),
    Labeled(
        "sensitive stomach salmon",
        [species("dog"), condition("sensitive_stomach"), word("salmon")],
        Filters(species="dog", target_conditions=["sensitive_stomach"]),
        kind="filtered",
    ),
]


def grade(q: Labeled, p: Product) -> int:
    ok = sum(1 for c in q.checks if c(p))
    if ok == len(q.checks):
        return 2
    return 1 if ok * 2 >= len(q.checks) else 0


def ndcg(grades: list[int], ideal: list[int], k: int = 10) -> float:
    def dcg(gs: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gs[:k]))

    best = dcg(sorted(ideal, reverse=True))
    return dcg(grades) / best if best > 0 else float("nan")


def chewy_products() -> Iterator[Product]:
    from aya.catalog.importers import Reject, load_mapping, read_mapped

    sources = [
        (SHARED / "chewy-dogfood-2017" / "chewy_drydogfood" / "drydogfood.csv", "chewy_dog_2017.toml"),
        (SHARED / "chewy-dogfood-2017" / "chewy_wetdogfood" / "wetdogfood.csv", "chewy_dog_2017.toml"),
        (SHARED / "chewy-catfood-2021" / "data" / "external" / "raw_chewy_data_2021_04_16.csv", "chewy_cat_2021.toml"),
    ]
    seen: set[str] = set()
    for path, mapping in sources:
        for item in read_mapped(path, load_mapping(MAPPINGS / mapping)):
            if not isinstance(item, Reject) and item.id not in seen:
                seen.add(item.id)
                yield item


async def open_backend(backend: str, settings: Settings, cache: Path, opensearch_url: str | None) -> Any:
    if backend == "opensearch":
        from aya.search.opensearch_backend import OpenSearchProductSearch

        s = settings.model_copy(
            update={"search_backend": "opensearch", "opensearch_url": opensearch_url, "opensearch_index": "relevance"}
        )
        search = await OpenSearchProductSearch.open(s, MiniLMEmbedder(), cache_path=cache)
        await search.client.indices.delete(index="relevance-*", ignore_unavailable=True)  # a fresh index
        await search.ensure_index()
        return search
    return await SqliteProductSearch.open(settings, MiniLMEmbedder(), cache_path=cache)


def opensearch_node(backends: list[str]) -> AbstractContextManager[str | None]:
    """The node the OpenSearch side uses: AYA_OPENSEARCH_URL, else a local one started for the run."""
    import contextlib

    if "opensearch" not in backends or os.environ.get("AYA_OPENSEARCH_URL"):
        return nullcontext(os.environ.get("AYA_OPENSEARCH_URL"))

    @contextlib.contextmanager
    def run() -> Iterator[str]:
        from aya.search.opensearch_node import start_node

        home = Path(tempfile.mkdtemp(prefix="aya-relevance-node-"))
        node = start_node(home, heap="1g")
        try:
            yield node.url
        finally:
            node.stop()
            shutil.rmtree(home, ignore_errors=True)

    return run()


async def evaluate(
    name: str,
    products: list[Product],
    cache: Path,
    weights: list[float],
    backend: str = "sqlite",
    opensearch_url: str | None = None,
) -> dict[str, dict[str, float]]:
    work = Path(tempfile.mkdtemp(prefix=f"aya-relevance-{name}-"))
    settings = Settings(data_dir=work, _env_file=None)  # type: ignore[call-arg]
    search = await open_backend(backend, settings, cache, opensearch_url)
    rep = await ingest_products(search, products)
    print(f"\n== {name} on {backend}: {rep.total:,} products ({rep.embedded} embedded now, the rest from the cache)")
    results: dict[str, dict[str, float]] = {}
    runs: list[tuple[str, str, float]] = [("keyword", "keyword", 0.5), ("semantic", "semantic", 0.5)]
    runs += [(f"hybrid w={w}", "hybrid", w) for w in weights]
    kinds = sorted({q.kind for q in QUERIES})
    for label, mode, w in runs:
        search.semantic_weight = w
        p5s: dict[str, list[float]] = {k: [] for k in kinds}
        nds: dict[str, list[float]] = {k: [] for k in kinds}
        for q in QUERIES:
            ideal = sorted((grade(q, p) for p in products), reverse=True)[:10]
            if ideal[0] < 2:
                continue  # nothing in this catalog satisfies the query
            res = await search.search(SearchQuery(text=q.text, filters=q.filters, k=10, mode=mode, relax=False))  # type: ignore[arg-type]
            grades = [grade(q, h.product) for h in res.hits]
            top5 = grades[:5]
            p5s[q.kind].append(sum(g == 2 for g in top5) / 5)
            nds[q.kind].append(ndcg(grades, ideal))
        allp = [x for v in p5s.values() for x in v]
        alln = [x for v in nds.values() for x in v]
        results[label] = {"p5": sum(allp) / len(allp), "ndcg": sum(alln) / len(alln), "n": len(allp)}
        per_kind = "  ".join(
            f"{k} {sum(p5s[k]) / max(1, len(p5s[k])):.2f}/{sum(nds[k]) / max(1, len(nds[k])):.2f}"
            for k in kinds
            if p5s[k]
        )
        r = results[label]
        print(f"  {label:<13} P@5 {r['p5']:.3f}  nDCG@10 {r['ndcg']:.3f}  ({len(allp)} queries)")
        print(f"  {'':<13} by kind, P@5/nDCG@10: {per_kind}")
    await search.aclose()
    shutil.rmtree(work, ignore_errors=True)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalogs", default="sample,chewy")
    ap.add_argument("--backends", default="sqlite,opensearch", help="Search backends to compare.")
    ap.add_argument("--weights", default="0.3,0.5,0.7", help="Semantic weights of hybrid fusion to compare.")
    ap.add_argument("--cache", type=Path, default=REPO / "data" / "bench-cache" / "embeddings.sqlite3")
    args = ap.parse_args()
    weights = [float(w) for w in args.weights.split(",")]
    print(f"machine: {machine()}")
    print(f"{len(QUERIES)} labeled queries; grades 2 = all constraints, 1 = at least half; text-only unless filtered")
    summary: dict[str, object] = {}
    backends = args.backends.split(",")
    with opensearch_node(backends) as url:
        for name in args.catalogs.split(","):
            if name == "sample":
                products = list(generate_sample_catalog(5000, 7))
            elif name == "chewy":
                if not SHARED.is_dir():
                    print(f"\n== chewy: skipped, no data at {SHARED}")
                    continue
                products = list(chewy_products())
            else:
                raise SystemExit(f"unknown catalog {name!r}")
            by_backend = {b: asyncio.run(evaluate(name, products, args.cache, weights, b, url)) for b in backends}
            for b, res in by_backend.items():
                prefix = name if b == "sqlite" else f"{name}_{b}"
                for label, r in res.items():
                    key = label.replace(" w=", "_w").replace(".", "")
                    summary[f"{prefix}_{key}_p5"] = round(r["p5"], 3)
                    summary[f"{prefix}_{key}_ndcg10"] = round(r["ndcg"], 3)
            if len(by_backend) == 2:
                a, b = (by_backend[x] for x in backends)
                print(f"\n== {name}: {backends[1]} minus {backends[0]}")
                for label in a:
                    dp, dn = b[label]["p5"] - a[label]["p5"], b[label]["ndcg"] - a[label]["ndcg"]
                    print(f"  {label:<13} P@5 {dp:+.3f}  nDCG@10 {dn:+.3f}")
                    key = label.replace(" w=", "_w").replace(".", "")
                    summary[f"{name}_{key}_p5_delta"] = round(dp, 3)
                    summary[f"{name}_{key}_ndcg10_delta"] = round(dn, 3)
    print(summary_line("relevance", summary))


if __name__ == "__main__":
    main()
