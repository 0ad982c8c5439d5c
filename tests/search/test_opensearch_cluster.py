"""A three-node OpenSearch cluster (three JVMs) survives losing a node: a data node, or the elected cluster manager.

An index of 3 shards with one replica each; searches and writes run while one node is killed with SIGKILL. Checked:
searches keep answering (the error count and the longest gap between answers are measured and bounded), no write
the cluster acknowledged is lost, the node rejoins and the cluster returns to green; when the manager was killed, the
two others elect a new one (the time it took is measured). The figures are printed and written to
tests/artifacts/opensearch_failover_<case>.json (the README quotes them). Both cases share the cluster.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.search.products import product

from aya.core.settings import Settings
from aya.search.models import Filters, SearchQuery
from aya.search.opensearch_backend import OpenSearchProductSearch
from aya.search.opensearch_node import LocalNode, cluster_nodes, http_json

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
LOAD_BEFORE_KILL = 5.0
LOAD_AFTER_KILL = 15.0
MAX_GAP = 15.0  # seconds without any answered search, at worst (fault detection + replica promotion)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[LocalNode]]:
    nodes = cluster_nodes(tmp_path_factory.mktemp("cluster"), 3)
    try:
        for node in nodes:
            node.start()
        for node in nodes:
            node.wait_ready(180)
        wait_health(nodes[0], "green", nodes=3)
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def wait_health(node: LocalNode, status: str, *, nodes: int, timeout: float = 180.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    last: dict[str, object] = {}
    while time.monotonic() < deadline:
        try:
            last = http_json(f"{node.url}/_cluster/health?wait_for_status={status}&wait_for_nodes={nodes}&timeout=5s")
            if not last.get("timed_out"):
                return last
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError(f"cluster not {status} with {nodes} nodes in {timeout:.0f}s: {last}")


def manager_name(node: LocalNode) -> str:
    with urllib.request.urlopen(f"{node.url}/_cat/cluster_manager?h=node", timeout=5) as resp:
        return resp.read().decode().strip()


def manager_elsewhere(nodes: list[LocalNode], old: str, timeout: float = 60.0) -> float | None:
    """Seconds until a surviving node names another elected cluster manager than ``old`` (None: not in time)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        for node in nodes:
            try:
                name = manager_name(node)
            except OSError:
                continue
            if name and name != old:
                return time.monotonic() - started
        time.sleep(0.1)
    return None


ROLES = {
    "data_node": "data + cluster-manager-eligible (not the elected manager)",
    "manager": "the elected cluster manager (also a data node)",
}


@pytest.mark.timeout(900)
@pytest.mark.parametrize("case", ["data_node", "manager"])
async def test_cluster_survives_losing_a_node(cluster: list[LocalNode], settings: Settings, case: str) -> None:
    urls = ",".join(n.url for n in cluster)
    s = settings.model_copy(
        update={
            "search_backend": "opensearch",
            "opensearch_url": urls,
            "opensearch_index": f"failover-{case.replace('_', '-')}",
            "opensearch_shards": 3,
            "opensearch_replicas": 1,
            "opensearch_timeout": 5.0,
            "embedder": "none",
        }
    )
    search = await OpenSearchProductSearch.open(s, use_settings_embedder=False)
    species = ("dog", "cat")
    await search.upsert(
        [product(f"base-{i}", f"Base Recipe {i} Food", species=species[i % 2], price=10 + i % 40) for i in range(300)]
    )
    await asyncio.to_thread(wait_health, cluster[0], "green", nodes=3)

    answered: list[float] = []
    errors: list[str] = []
    acknowledged: list[str] = []
    write_errors: list[str] = []
    stop = asyncio.Event()

    async def searcher(n: int) -> None:
        q = SearchQuery(text="recipe food", filters=Filters(species=species[n % 2]), k=5, mode="keyword")
        while not stop.is_set():
            try:
                res = await search.search(q)
                assert res.total > 0
                answered.append(time.monotonic())
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
                await asyncio.sleep(0.05)

    async def writer() -> None:
        batch = 0
        while not stop.is_set():
            items = [product(f"w{batch}-{j}", f"Written Recipe {batch} {j}", price=20) for j in range(5)]
            try:
                await search.upsert(items)
                acknowledged.extend(p.id for p in items)
            except Exception as exc:
                write_errors.append(f"{type(exc).__name__}: {exc}"[:200])
            batch += 1
            await asyncio.sleep(0.1)

    manager = await asyncio.to_thread(manager_name, cluster[0])
    if case == "manager":
        victim = next(n for n in cluster if n.name == manager)
    else:
        victim = next(n for n in cluster if n.name != manager)  # a data node holding shard copies
    survivors = [n for n in cluster if n is not victim]
    new_manager_s: float | None = None
    started = time.monotonic()
    tasks = [asyncio.create_task(searcher(i)) for i in range(4)] + [asyncio.create_task(writer())]
    try:
        await asyncio.sleep(LOAD_BEFORE_KILL)
        killed_at = time.monotonic()
        victim.kill()
        if case == "manager":
            new_manager_s = await asyncio.to_thread(manager_elsewhere, survivors, manager, LOAD_AFTER_KILL + 30)
        await asyncio.sleep(max(0.0, LOAD_AFTER_KILL - (time.monotonic() - killed_at)))
        victim.start()
        await asyncio.to_thread(victim.wait_ready, 180)
        await asyncio.sleep(2)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    ended = time.monotonic()
    health = await asyncio.to_thread(wait_health, survivors[0], "green", nodes=3)
    rejoined = time.monotonic()

    await search.client.indices.refresh(index=search.alias)
    stored = {p.id for p in await search.get(acknowledged)}
    lost = [pid for pid in acknowledged if pid not in stored]
    times = [started, *sorted(answered), ended]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    after_kill = [t for t in answered if t > killed_at]
    figures = {
        "nodes": 3,
        "shards": 3,
        "replicas": 1,
        "killed": victim.name,
        "killed_role": ROLES[case],
        "new_manager_elected_s": round(new_manager_s, 3) if new_manager_s is not None else None,
        "searches_answered": len(answered),
        "search_errors": len(errors),
        "longest_gap_s": round(max(gaps), 3),
        "first_answer_after_kill_s": round(after_kill[0] - killed_at, 3) if after_kill else None,
        "writes_acknowledged": len(acknowledged),
        "write_errors": len(write_errors),
        "acknowledged_writes_lost": len(lost),
        "green_again_after_kill_s": round(rejoined - killed_at, 1),
        "final_status": health["status"],
        "error_samples": sorted(set(errors))[:3] + sorted(set(write_errors))[:3],
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"opensearch_failover_{case}.json").write_text(json.dumps(figures, indent=2))
    print("\nfailover:", json.dumps(figures, indent=2))
    await search.client.indices.delete(index=f"{search.alias}-*")
    await search.aclose()

    assert lost == [], f"acknowledged writes lost: {lost[:10]}"
    assert health["status"] == "green" and health["number_of_nodes"] == 3
    assert after_kill, "no search answered after the node was killed"
    if case == "manager":
        assert new_manager_s is not None, f"no new cluster manager elected: {figures}"
    assert max(gaps) < MAX_GAP, figures
    assert len(answered) > 10 * len(errors), figures  # errors are the exception, answers the rule
