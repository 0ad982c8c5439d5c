"""Search benchmark: build time, index size, RSS, query latency (keyword / semantic / hybrid with 2–4 filters) and
ingest throughput, at 5k, 50k and 500k sample products, for the embedded backend and OpenSearch side by side.

    .venv/bin/python benchmarks/search_bench.py [--sizes 5000,50000,500000] [--queries 200] [--work-dir DIR]
        [--backends sqlite,opensearch] [--heap 1g] [--opensearch-write bulk|sequential]

OpenSearch runs as one local node (one JVM, ``--heap``) started for the run from the Maven-built launcher, or the
node named by AYA_OPENSEARCH_URL; its figures add the JVM's RSS and heap in use, and the index's store size.
Its catalog is built the way ``aya ingest --replace`` builds one (``--opensearch-write bulk``: a new index with refresh
off and no replicas, two bulk requests in flight, then the alias switch); ``--opensearch-write sequential`` is the
earlier path, kept to compare: an upsert into the live index, refresh every second, one request at a time.

Vectors: at sizes up to ``--real-vectors-max`` (default 5,000) products carry real MiniLM embeddings (computed once,
then read from the embedding cache in the work dir). Embedding 50k or 500k texts with MiniLM on 2 cores would take
hours, so larger sizes use deterministic *clustered random unit vectors* (384 dims, one cluster per species × food type
× main protein) for the latency and memory figures of the vector side; the output says which was used. Query latency
excludes computing the query's embedding (measured separately: MiniLM, one query). The machine is shared, so besides
wall-clock latency the CPU time each query consumed (process-wide) is reported: it does not grow with other load.
Targets (2 cores): hybrid p50 ≤ 5 ms and p99 ≤ 25 ms at 50k, p99 ≤ 50 ms at 500k; ingest ≥ 2,000 products/s without
embeddings.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Timer, dir_size_mb, machine, rss_mb, summarize_ms, summary_line

from aya.catalog.models import Product
from aya.catalog.sample import generate_sample_catalog
from aya.core.settings import Settings
from aya.search.embedder import Embedder, MiniLMEmbedder
from aya.search.ingest import ingest_products
from aya.search.models import Filters, SearchQuery
from aya.search.sqlite_backend import SqliteProductSearch

SEED = 7
DIM = 384
PROTEINS = ["chicken", "beef", "salmon", "turkey", "lamb", "duck", "fish", "venison", "rabbit", "pork", "tuna"]


class ClusteredRandomEmbedder:
    """Deterministic stand-in vectors for benchmarks at scale: cluster centroid + noise, unit length."""

    model_id = "bench-clustered-random-384"
    dim = DIM

    def __init__(self) -> None:
        rng = np.random.default_rng(1234)
        self.centroids = rng.standard_normal((256, DIM)).astype(np.float32)

    def _vec(self, text: str) -> np.ndarray:
        low = text.lower()
        protein = next((p for p in PROTEINS if p in low), "other")
        key = ("cat" if " cat " in low else "dog") + protein + low[-40:-20]
        c = int(hashlib.md5(key.encode()).hexdigest()[:4], 16) % len(self.centroids)
        seed = int(hashlib.md5(text.encode()).hexdigest()[:8], 16)
        noise = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
        v = self.centroids[c] + 0.6 * noise
        return v / np.linalg.norm(v)

    async def embed(self, texts: list[str]) -> np.ndarray:  # type: ignore[override]
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, DIM), np.float32)


QUERY_TEXTS = [
    "salmon", "grain free", "chicken and rice", "senior dog food", "kitten food", "puppy food large breed",
    "food for sensitive stomach", "weight control", "high protein", "wet cat food", "turkey", "lamb",
    "limited ingredient duck", "kidney care", "hairball", "joint support", "organic", "freeze dried treats",
    "small breed", "beef stew", "something healthy for my old cat", "my dog has itchy skin",
]  # fmt: skip


def make_queries(n: int, seed: int = 42) -> list[tuple[str, Filters]]:
    rng = random.Random(seed)
    out: list[tuple[str, Filters]] = []
    for _ in range(n):
        f: dict[str, object] = {"species": rng.choice(["dog", "cat"])}
        extra = rng.sample(["life_stage", "food_type", "price_max", "special_features", "target_conditions",
                            "exclude_ingredients", "protein_min"], rng.randint(1, 3))  # fmt: skip
        for key in extra:
            if key == "life_stage":
                f[key] = rng.choice(["puppy", "kitten", "adult", "senior"] if f["species"] else ["adult"])
                if f[key] == "puppy" and f["species"] == "cat":
                    f[key] = "kitten"
                if f[key] == "kitten" and f["species"] == "dog":
                    f[key] = "puppy"
            elif key == "food_type":
                f[key] = [rng.choice(["dry", "wet", "treat", "raw"])]
            elif key == "price_max":
                f[key] = float(rng.choice([20, 35, 50, 80]))
            elif key == "special_features":
                f[key] = [rng.choice(["grain_free", "natural", "high_protein", "limited_ingredient"])]
            elif key == "target_conditions":
                f[key] = [rng.choice(["sensitive_stomach", "weight_management", "skin_coat", "joint_support"])]
            elif key == "exclude_ingredients":
                f[key] = [rng.choice(["chicken", "beef", "peas", "corn"])]
            else:
                f[key] = float(rng.choice([20, 26, 30]))
        out.append((rng.choice(QUERY_TEXTS), Filters.model_validate(f)))
    return out


class TimedGenerator:
    """The sample catalog as a stream, timing its own production so ingest figures exclude it."""

    def __init__(self, n: int) -> None:
        self._it = generate_sample_catalog(n, SEED)
        self.seconds = 0.0

    def __iter__(self) -> TimedGenerator:
        return self

    def __next__(self) -> Product:
        t = time.perf_counter()
        try:
            return next(self._it)
        finally:
            self.seconds += time.perf_counter() - t


def settings_for(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, _env_file=None, embedder="none")  # type: ignore[call-arg]


async def build(n: int, work: Path, real_max: int, cache: Path) -> dict[str, object]:
    data = work / f"n{n}"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    gen = TimedGenerator(n)  # streamed (500k products would not fit comfortably in memory); its own time excluded
    settings = settings_for(data)
    search = await SqliteProductSearch.open(settings, None, use_settings_embedder=False)
    with Timer() as t_all:
        await ingest_products(search, gen, embed=False, batch_size=1000)
    await search.aclose()
    gen_s, build_s = gen.seconds, t_all.seconds - gen.seconds
    size_kw = dir_size_mb([settings.catalog_db_path, settings.index_dir])
    real = n <= real_max
    embedder: Embedder = MiniLMEmbedder() if real else ClusteredRandomEmbedder()
    search = await SqliteProductSearch.open(settings, embedder, cache_path=cache if real else None)
    gen2 = TimedGenerator(n)
    with Timer() as t_vec:
        rep = await ingest_products(search, gen2, embed=True, batch_size=1000)
    await search.aclose()
    gc.collect()
    return {
        "n": n,
        "generate_s": round(gen_s, 2),
        "build_keyword_s": round(build_s, 2),
        "ingest_per_s": round(n / build_s),
        "add_vectors_s": round(t_vec.seconds - gen2.seconds, 2),
        "vectors": "MiniLM" if real else "clustered-random",
        "embedded_now": rep.embedded,
        "index_mb": round(size_kw, 1),
        "total_mb": round(dir_size_mb([settings.catalog_db_path, settings.index_dir]), 1),
    }


async def query_phase(data: Path, n_queries: int, real: bool, cache: Path) -> dict[str, object]:
    """Run in a fresh process so RSS reflects an opened catalog, not the builder's leftovers."""
    base_rss = rss_mb()
    embedder: Embedder = MiniLMEmbedder() if real else ClusteredRandomEmbedder()
    settings = settings_for(data)
    with Timer() as t_open:
        search = await SqliteProductSearch.open(settings, embedder, cache_path=cache)
    queries = make_queries(n_queries)
    out: dict[str, object] = {"open_s": round(t_open.seconds, 2)}
    for text in sorted({t for t, _ in queries}):  # warm-up; fills the query-vector cache (embedding measured apart)
        await search.search(SearchQuery(text=text, mode="hybrid", relax=False))
    hits = 0
    modes = ("keyword", "semantic", "hybrid")
    wall: dict[str, list[float]] = {m: [] for m in modes}
    cpu: dict[str, list[float]] = {m: [] for m in modes}
    for text, f in queries:  # modes interleaved, so a burst of load on this shared machine hits them alike
        for mode in modes:
            q = SearchQuery(text=text, filters=f, k=10, mode=mode, relax=False)
            c, t = time.process_time(), time.perf_counter()
            res = await search.search(q)
            wall[mode].append(time.perf_counter() - t)
            cpu[mode].append(time.process_time() - c)
            hits += len(res.hits)
    for mode in modes:
        out[mode] = summarize_ms(wall[mode])
        out[f"{mode}_cpu"] = summarize_ms(cpu[mode])
    # recall@10 of the vector side (sign-code shortlist + exact re-scoring) against an exact scan
    recalls = []
    for text, f in queries[:50]:
        qv = await search._query_vector(text)
        approx = search.vectors.search(qv, f, 10)
        exact = search.vectors.search(qv, f, 10, exact=True)
        if exact.rowids:
            recalls.append(len(set(approx.rowids) & set(exact.rowids)) / len(exact.rowids))
    out["vector_recall_at_10"] = round(sum(recalls) / max(1, len(recalls)), 3)
    out["rss_mb"] = round(rss_mb(), 1)
    out["rss_base_mb"] = round(base_rss, 1)
    out["avg_hits"] = round(hits / (3 * len(queries)), 1)
    if real:
        m = MiniLMEmbedder()
        m.embed_sync(["warm up"])
        samples = []
        for text, _ in queries[:50]:
            t = time.perf_counter()
            m.embed_sync([text + " food"])
            samples.append(time.perf_counter() - t)
        out["query_embedding"] = summarize_ms(samples)
    await search.aclose()
    return out


async def embed_throughput(work: Path) -> float:
    """Products/s for an ingest that embeds every product with MiniLM (cold cache), on 300 products."""
    data = work / "embed-throughput"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    products = list(generate_sample_catalog(300, 11))
    settings = settings_for(data)
    search = await SqliteProductSearch.open(settings, MiniLMEmbedder(), cache_path=data / "cache.sqlite3")
    with Timer() as t:
        rep = await ingest_products(search, products)
    await search.aclose()
    return round(rep.embedded / t.seconds, 1)


def jvm_cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def jvm_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def opensearch_side(
    n: int, url: str, jvm_pid: int | None, n_queries: int, real: bool, cache: Path, work: Path, write: str
) -> dict[str, object]:
    """Build (without vectors, then with them) and query an OpenSearch index of ``n`` sample products."""
    from aya.search.opensearch_backend import SEQUENTIAL, BulkOptions, OpenSearchProductSearch

    bulk, replace = (SEQUENTIAL, False) if write == "sequential" else (BulkOptions(), True)

    def os_settings(index: str) -> Settings:
        return settings_for(work).model_copy(
            update={"search_backend": "opensearch", "opensearch_url": url, "opensearch_index": index}
        )

    out: dict[str, object] = {}
    kw_search = await OpenSearchProductSearch.open(os_settings(f"bench-kw-{n}"), None, use_settings_embedder=False)
    kw_search.bulk = bulk
    gen = TimedGenerator(n)
    with Timer() as t:
        await ingest_products(kw_search, gen, replace=replace, embed=False, batch_size=1000)
    build_s = t.seconds - gen.seconds
    out["build_keyword_s"] = round(build_s, 2)
    out["ingest_per_s"] = round(n / build_s)
    index = await kw_search.current_index()
    stats = await kw_search.client.indices.stats(index=index, metric="store")
    out["index_mb"] = round(stats["_all"]["primaries"]["store"]["size_in_bytes"] / 2**20, 1)
    await kw_search.client.indices.delete(index=index, request_timeout=600)  # a large index takes a while
    await kw_search.aclose()

    embedder: Embedder = MiniLMEmbedder() if real else ClusteredRandomEmbedder()
    search = await OpenSearchProductSearch.open(os_settings(f"bench-{n}"), embedder, cache_path=cache)
    search.bulk = bulk
    gen2 = TimedGenerator(n)
    with Timer() as t:
        await ingest_products(search, gen2, replace=replace, embed=True, batch_size=1000)
    out["build_with_vectors_s"] = round(t.seconds - gen2.seconds, 2)
    out["ingest_with_vectors_per_s"] = round(n / (t.seconds - gen2.seconds))
    index = await search.current_index()
    await search.client.indices.flush(index=index, request_timeout=600)
    stats = await search.client.indices.stats(index=index, metric="store")
    out["total_mb"] = round(stats["_all"]["primaries"]["store"]["size_in_bytes"] / 2**20, 1)
    segments = await search.client.cat.segments(index=index, format="json")
    out["segments"] = len(segments)

    queries = make_queries(n_queries)
    for text in sorted({t for t, _ in queries}):  # warm-up; fills the query-vector cache
        await search.search(SearchQuery(text=text, mode="hybrid", relax=False))
    modes = ("keyword", "semantic", "hybrid")
    wall: dict[str, list[float]] = {m: [] for m in modes}
    for text, f in queries:
        for mode in modes:
            q = SearchQuery(text=text, filters=f, k=10, mode=mode, relax=False)
            t0 = time.perf_counter()
            await search.search(q)
            wall[mode].append(time.perf_counter() - t0)
    for mode in modes:
        out[mode] = summarize_ms(wall[mode])
    if jvm_pid:  # CPU the JVM spent per query: unlike wall-clock latency, it does not grow with other load
        for mode in modes:
            sample = queries[:50]
            c0 = jvm_cpu_s(jvm_pid)
            for text, f in sample:
                await search.search(SearchQuery(text=text, filters=f, k=10, mode=mode, relax=False))
            out[f"{mode}_jvm_cpu_ms"] = round((jvm_cpu_s(jvm_pid) - c0) * 1000 / len(sample), 2)
    nodes = await search.client.nodes.stats(metric="jvm")
    heap = sum(nd["jvm"]["mem"]["heap_used_in_bytes"] for nd in nodes["nodes"].values())
    heap_max = sum(nd["jvm"]["mem"]["heap_max_in_bytes"] for nd in nodes["nodes"].values())
    out["jvm_heap_used_mb"] = round(heap / 2**20, 1)
    out["jvm_heap_max_mb"] = round(heap_max / 2**20, 1)
    out["jvm_rss_mb"] = round(jvm_rss_mb(jvm_pid), 1) if jvm_pid else None
    out["client_rss_mb"] = round(rss_mb(), 1)
    await search.client.indices.delete(index=index, request_timeout=600)
    await search.aclose()
    return out


def print_opensearch(n: int, o: dict[str, object], sq: dict[str, object] | None) -> None:
    print(
        f"  [opensearch] build without embeddings {o['build_keyword_s']} s ({o['ingest_per_s']:,} products/s); "
        f"with vectors {o['build_with_vectors_s']} s ({o['ingest_with_vectors_per_s']:,} products/s, "
        f"{o['segments']} segments); index {o['index_mb']} MB ({o['total_mb']} MB with vectors); "
        f"JVM RSS {o['jvm_rss_mb']} MB, heap used {o['jvm_heap_used_mb']} of "
        f"{o['jvm_heap_max_mb']} MB; client RSS {o['client_rss_mb']} MB"
    )
    for mode in ("keyword", "semantic", "hybrid"):
        s = o[mode]
        assert isinstance(s, dict)
        ratio = ""
        if sq is not None:
            e = sq[mode]
            assert isinstance(e, dict)
            ratio = f"   (x{s['p50'] / e['p50']:.1f} / x{s['p99'] / e['p99']:.1f} the embedded backend's)"
        cpu = f"   (JVM CPU per query {o[f'{mode}_jvm_cpu_ms']} ms)" if f"{mode}_jvm_cpu_ms" in o else ""
        print(f"  [opensearch] {mode:<8} p50 {s['p50']:7.2f} ms   p99 {s['p99']:7.2f} ms{ratio}{cpu}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="5000,50000,500000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--real-vectors-max", type=int, default=5000)
    ap.add_argument("--work-dir", type=Path, default=None, help="Where catalogs are built (default: a temp dir).")
    ap.add_argument(
        "--cache",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "data" / "bench-cache" / "embeddings.sqlite3",
        help="MiniLM embedding cache shared with relevance.py (only the first run pays for embedding).",
    )
    ap.add_argument("--backends", default="sqlite,opensearch", help="Backends to measure, side by side.")
    ap.add_argument("--heap", default="1g", help="JVM heap of the OpenSearch node started for the run.")
    ap.add_argument(
        "--opensearch-write",
        choices=("bulk", "sequential"),
        default="bulk",
        help="bulk: a new index built for bulk loading (aya ingest --replace); sequential: the earlier upsert path.",
    )
    ap.add_argument("--query-only", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--real", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.query_only:
        print(json.dumps(asyncio.run(query_phase(args.query_only, args.queries, args.real, args.cache))))
        return

    sizes = [int(s) for s in args.sizes.split(",") if s]
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="aya-search-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    print(f"work dir: {work}; {args.queries} queries per mode, each with 2-4 filters, k=10, one at a time")
    summary: dict[str, object] = {}
    backends = args.backends.split(",")
    node = None
    url = os.environ.get("AYA_OPENSEARCH_URL")
    if "opensearch" in backends and not url:
        from aya.search.opensearch_node import start_node

        node = start_node(work / "opensearch-node", heap=args.heap)
        url = node.url
        print(f"OpenSearch: one local node (heap {args.heap}) at {url}; writes: {args.opensearch_write}")
    try:
        for n in sizes:
            q = None
            tag = f"n{n // 1000}k"
            real = n <= args.real_vectors_max
            if "sqlite" in backends:
                b = asyncio.run(build(n, work, args.real_vectors_max, args.cache))
                cmd = [sys.executable, __file__, "--query-only", str(work / f"n{n}"), "--queries", str(args.queries)]
                cmd += ["--cache", str(args.cache)]
                proc = subprocess.run([*cmd, "--real"] if real else cmd, capture_output=True, text=True, check=True)
                q = json.loads(proc.stdout.strip().splitlines()[-1])
                print(f"\n== {n:,} products (vectors: {b['vectors']})")
                print(
                    f"  generating the products {b['generate_s']} s (excluded); "
                    f"build without embeddings {b['build_keyword_s']} s ({b['ingest_per_s']:,} products/s); "
                    f"adding vectors {b['add_vectors_s']} s; catalog+index {b['index_mb']} MB "
                    f"({b['total_mb']} MB with vectors); open {q['open_s']} s; RSS {q['rss_mb']} MB"
                )
                for mode in ("keyword", "semantic", "hybrid"):
                    s, c = q[mode], q[f"{mode}_cpu"]
                    print(
                        f"  {mode:<8} p50 {s['p50']:7.2f} ms   p99 {s['p99']:7.2f} ms   mean {s['mean']:7.2f} ms"
                        f"   (CPU per query p50 {c['p50']:.2f} ms, p99 {c['p99']:.2f} ms)"
                    )
                print(f"  vector side recall@10 vs exact scan: {q['vector_recall_at_10']}")
                if "query_embedding" in q:
                    e = q["query_embedding"]
                    print(f"  query embedding (MiniLM int8, one query) p50 {e['p50']:.2f} ms p99 {e['p99']:.2f} ms")
                summary[f"{tag}_ingest_per_s"] = b["ingest_per_s"]
                summary[f"{tag}_build_s"] = b["build_keyword_s"]
                summary[f"{tag}_size_mb"] = b["total_mb"]
                summary[f"{tag}_rss_mb"] = q["rss_mb"]
                for mode in ("keyword", "semantic", "hybrid"):
                    summary[f"{tag}_{mode}_p50_ms"] = q[mode]["p50"]
                    summary[f"{tag}_{mode}_p99_ms"] = q[mode]["p99"]
                    summary[f"{tag}_{mode}_cpu_p50_ms"] = q[f"{mode}_cpu"]["p50"]
                summary[f"{tag}_vector_recall10"] = q["vector_recall_at_10"]
                summary[f"{tag}_vectors"] = b["vectors"]
            if url is not None:
                print(f"\n== {n:,} products on OpenSearch")
                o = asyncio.run(
                    opensearch_side(n, url, node.process.pid if node and node.process else None, args.queries,
                                    real, args.cache, work, args.opensearch_write)
                )  # fmt: skip
                print_opensearch(n, o, q)
                summary[f"{tag}_os_ingest_per_s"] = o["ingest_per_s"]
                summary[f"{tag}_os_ingest_with_vectors_per_s"] = o["ingest_with_vectors_per_s"]
                summary[f"{tag}_os_size_mb"] = o["total_mb"]
                summary[f"{tag}_os_jvm_rss_mb"] = o["jvm_rss_mb"]
                summary[f"{tag}_os_jvm_heap_mb"] = o["jvm_heap_used_mb"]
                for mode in ("keyword", "semantic", "hybrid"):
                    m = o[mode]
                    assert isinstance(m, dict)
                    summary[f"{tag}_os_{mode}_p50_ms"] = m["p50"]
                    summary[f"{tag}_os_{mode}_p99_ms"] = m["p99"]
                    summary[f"{tag}_os_{mode}_jvm_cpu_ms"] = o.get(f"{mode}_jvm_cpu_ms")
                    if q is not None:
                        summary[f"{tag}_os_{mode}_p50_ratio"] = round(m["p50"] / q[mode]["p50"], 1)
    finally:
        if node is not None:
            node.stop()
    eps = asyncio.run(embed_throughput(work)) if "sqlite" in backends else None
    print(f"\ningest with MiniLM embeddings (cold cache, 300 products): {eps} products/s")
    summary["ingest_with_embeddings_per_s"] = eps
    if args.work_dir is None:
        shutil.rmtree(work, ignore_errors=True)
    print(summary_line("search", summary))


if __name__ == "__main__":
    main()
