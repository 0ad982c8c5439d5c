"""The vector index: column-mask filters and the sign-code shortlist used on large catalogs."""

from __future__ import annotations

import numpy as np
import pytest

from aya.search import vectors as vmod
from aya.search.models import Filters
from aya.search.store import ColumnRow
from aya.search.vectors import VectorIndex


def build(n: int, seed: int = 0) -> VectorIndex:
    rng = np.random.default_rng(seed)
    centroids = rng.standard_normal((20, 64)).astype(np.float32)
    vi = VectorIndex()
    vi.set_columns(
        ColumnRow(
            rowid=i + 1,
            species="dog" if i % 2 else "cat",
            life_stage=["puppy", "adult", "all"][i % 3],
            food_type="dry",
            brand="Acme",
            availability="in_stock",
            price=float(i % 50),
            protein=None if i % 7 == 0 else 20.0 + i % 15,
            features="grain_free" if i % 5 == 0 else "",
            conditions="",
        )
        for i in range(n)
    )
    vecs = centroids[rng.integers(0, 20, n)] + 0.5 * rng.standard_normal((n, 64)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    vi.set_vectors((i + 1, vecs[i]) for i in range(n))
    return vi


def test_filters_and_exact_order() -> None:
    vi = build(300)
    q = vi.vector_of(12)
    assert q is not None
    hits = vi.search(q, Filters(species="dog", life_stage="puppy", price_max=30, protein_min=22), 5, exact=True)
    assert hits.rowids[0] == 12 and hits.scores == sorted(hits.scores, reverse=True)
    for r in hits.rowids:
        i = r - 1
        assert i % 2 == 1 and i % 3 in (0, 2) and i % 50 <= 30 and i % 7 != 0 and 20 + i % 15 >= 22


def test_sign_code_shortlist_keeps_recall(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vmod, "BINARY_THRESHOLD", 1000)
    vi = build(5000, seed=3)
    rng = np.random.default_rng(9)
    recalls = []
    for f in (Filters(), Filters(species="cat"), Filters(special_features=["grain_free"])):
        for _ in range(10):
            q = vi.vector_of(int(rng.integers(1, 5000)))
            assert q is not None
            q = q + 0.3 * rng.standard_normal(64).astype(np.float32)
            approx = vi.search(q, f, 10)
            exact = vi.search(q, f, 10, exact=True)
            recalls.append(len(set(approx.rowids) & set(exact.rowids)) / 10)
    assert np.mean(recalls) >= 0.9
    # updates after the codes exist are searchable
    newq = -vi.vector_of(1)  # type: ignore[operator]
    vi.set_vectors([(2, newq)])
    assert vi.search(newq, Filters(), 1).rowids == [2]
