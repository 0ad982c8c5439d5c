"""``aya ingest``, ``aya reindex`` and ``aya catalog stats`` with AYA_SEARCH_BACKEND=opensearch on a real node."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from opensearchpy import OpenSearch
from tests.catalog.brand_titles import brand_scenario
from tests.search.products import contract_products
from typer.testing import CliRunner

from aya.cli.main import app


@pytest.fixture
def env(opensearch_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    index = f"cli-{uuid.uuid4().hex[:8]}"
    for key, value in {
        "AYA_DATA_DIR": str(data_dir),
        "AYA_SEARCH_BACKEND": "opensearch",
        "AYA_OPENSEARCH_URL": opensearch_url,
        "AYA_OPENSEARCH_INDEX": index,
        "AYA_EMBEDDER": "none",
    }.items():
        monkeypatch.setenv(key, value)
    yield index
    client = OpenSearch(hosts=[opensearch_url])
    client.indices.delete(index=f"{index}-*", ignore_unavailable=True)
    client.close()


def test_ingest_reindex_stats(env: str, tmp_path: Path, opensearch_url: str) -> None:
    path = tmp_path / "products.jsonl"
    path.write_text("".join(p.model_dump_json() + "\n" for p in contract_products()))
    runner = CliRunner()
    res = runner.invoke(app, ["ingest", str(path)])
    assert res.exit_code == 0, res.output
    assert "imported 10 products (10 new or changed" in res.stderr
    res = runner.invoke(app, ["ingest", str(path)])  # again: nothing changed
    assert res.exit_code == 0 and "(0 new or changed" in res.stderr

    client = OpenSearch(hosts=[opensearch_url])
    before = sorted(client.indices.get_alias(name=env))
    res = runner.invoke(app, ["reindex"])
    assert res.exit_code == 0, res.output
    assert "reindexed 10 products" in res.stderr
    after = sorted(client.indices.get_alias(name=env))
    client.close()
    assert len(after) == 1 and after != before

    res = runner.invoke(app, ["catalog", "stats", "--json"])
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout)
    assert stats["total"] == 10 and stats["by_species"] == {"dog": 7, "cat": 3}


def test_ingest_fills_missing_brands(
    env: str, tmp_path: Path, opensearch_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # known brands: another record of the same file, the index's facets, the brands file (real label titles)
    sc = brand_scenario(tmp_path)
    monkeypatch.setenv("AYA_BRANDS_FILE", str(sc.brands_file))
    runner = CliRunner()
    for path in (sc.first, sc.second):
        res = runner.invoke(app, ["ingest", str(path)])
        assert res.exit_code == 0, res.output
    assert "brands: 4 of 6 product(s) without a brand got one from the start of their title" in res.stderr
    client = OpenSearch(hosts=[opensearch_url])
    docs = client.mget(index=env, body={"ids": list(sc.expected)}, _source_includes=["brand"])["docs"]
    client.close()
    assert {d["_id"]: d["_source"]["brand"] for d in docs} == sc.expected
