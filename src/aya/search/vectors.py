"""Exact vector search over unit vectors held in memory, filtered by numpy column masks.

Every product has a slot with its filter columns (codes, price, protein, feature/condition bit masks); products with an
embedding also have a row in the float32 matrix. A query computes the filter mask with vectorized comparisons, then
scores the selected rows with one matrix-vector product (cosine = dot product of unit vectors). From
``BINARY_THRESHOLD`` rows on, memory bandwidth dominates (a float32 scan of 50k × 384 reads 77 MB), so the selected
rows are first ranked by Hamming distance between 384-bit sign codes of the mean-centred vectors (48 bytes a row),
and a shortlist of ``max(8 k, 400)`` is re-scored exactly in float32 (recall measured in benchmarks/search_bench.py).
``exclude_ingredients`` is not a column: the caller verifies candidates against the full-text index.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from aya.catalog.vocab import CANONICAL
from aya.search.models import Filters
from aya.search.store import ColumnRow
from aya.search.text_index import brand_key, life_stages_for

BINARY_THRESHOLD = 20_000
_CODES = {name: {v: i for i, v in enumerate(values)} for name, values in CANONICAL.items()}


def _bits(vocab: str, values: Iterable[str]) -> int:
    out = 0
    codes = _CODES[vocab]
    for v in values:
        if v in codes:
            out |= 1 << codes[v]
    return out


def _any_of(column: np.ndarray, codes: list[int]) -> np.ndarray:
    """``np.isin`` for a handful of codes, without its sorting overhead."""
    out = column == codes[0]
    for c in codes[1:]:
        out |= column == c
    matched: np.ndarray = out
    return matched


_local = threading.local()


def _scratch(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-thread work buffers for Hamming distances (searches run in several worker threads at once)."""
    bufs = getattr(_local, "bufs", None)
    if bufs is None or len(bufs[0]) < n:
        size = max(n, 1024)
        bufs = (np.empty(size, np.uint64), np.empty(size, np.uint8), np.empty(size, np.uint16))
        _local.bufs = bufs
    return bufs[0][:n], bufs[1][:n], bufs[2][:n]


def _smallest(values: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` smallest values (unordered). ``np.partition`` finds the cut-off far faster than
    ``np.argpartition`` sorts indices along."""
    if count >= len(values):
        return np.arange(len(values))
    kth = np.partition(values, count - 1)[count - 1]
    cand = np.flatnonzero(values <= kth)
    if len(cand) > count:
        cand = cand[np.argpartition(values[cand], count - 1)[:count]]
    return cand


@dataclass(frozen=True)
class VectorHits:
    rowids: list[int]
    scores: list[float]
    total: int  # products passing the column filters that have a vector


class VectorIndex:
    def __init__(self, dim: int | None = None) -> None:
        self.dim = dim
        self.n = 0
        cap = 1024
        self._pos: dict[int, int] = {}
        self._brands: dict[str, int] = {}
        self.rowid = np.zeros(cap, np.int64)
        self.alive = np.zeros(cap, bool)
        self.has_vec = np.zeros(cap, bool)
        self.species = np.zeros(cap, np.int8)
        self.life_stage = np.zeros(cap, np.int8)
        self.food_type = np.zeros(cap, np.int8)
        self.availability = np.zeros(cap, np.int8)
        self.brand = np.zeros(cap, np.int32)
        self.price = np.zeros(cap, np.float32)
        self.protein = np.zeros(cap, np.float32)
        self.features = np.zeros(cap, np.uint32)
        self.conditions = np.zeros(cap, np.uint32)
        self.vecs: np.ndarray | None = None
        self._codes: np.ndarray | None = None  # (dim/64, n) uint64 sign codes (word-major: fast column sums)
        self._mu: np.ndarray | None = None

    # --- maintenance -----------------------------------------------------------------------------------------------
    def _grow(self, need: int) -> None:
        cap = len(self.rowid)
        if need <= cap:
            return
        new = max(need, cap * 2)
        for name in (
            "rowid", "alive", "has_vec", "species", "life_stage", "food_type", "availability", "brand", "price",
            "protein", "features", "conditions",
        ):  # fmt: skip
            old = getattr(self, name)
            arr = np.zeros(new, old.dtype)
            arr[:cap] = old
            setattr(self, name, arr)
        if self.vecs is not None:
            vecs = np.zeros((new, self.vecs.shape[1]), np.float32)
            vecs[:cap] = self.vecs
            self.vecs = vecs

    def set_columns(self, rows: Iterable[ColumnRow]) -> None:
        for r in rows:
            i = self._pos.get(r.rowid)
            if i is None:
                i = self.n
                self._grow(i + 1)
                self.n += 1
                self._pos[r.rowid] = i
                self.rowid[i] = r.rowid
            self.alive[i] = True
            self.species[i] = _CODES["species"][r.species]
            self.life_stage[i] = _CODES["life_stage"][r.life_stage]
            self.food_type[i] = _CODES["food_type"][r.food_type]
            self.availability[i] = _CODES["availability"][r.availability]
            self.brand[i] = self._brands.setdefault(brand_key(r.brand), len(self._brands))
            self.price[i] = r.price
            self.protein[i] = np.nan if r.protein is None else r.protein
            self.features[i] = _bits("special_features", r.features.split())
            self.conditions[i] = _bits("target_conditions", r.conditions.split())
            self.has_vec[i] = False

    def set_vectors(self, items: Iterable[tuple[int, np.ndarray]]) -> None:
        changed: list[int] = []
        for rowid, vec in items:
            i = self._pos.get(rowid)
            if i is None:
                continue
            v = np.asarray(vec, np.float32)
            if self.vecs is None:
                self.dim = int(v.shape[0])
                self.vecs = np.zeros((len(self.rowid), self.dim), np.float32)
            if v.shape[0] != self.vecs.shape[1]:
                raise ValueError(f"embedding dimension {v.shape[0]} does not match the index ({self.vecs.shape[1]})")
            self.vecs[i] = v
            self.has_vec[i] = True
            changed.append(i)
        if self._codes is not None and changed:
            inside = [i for i in changed if i < self._codes.shape[1]]
            if inside:
                assert self.vecs is not None
                self._codes[:, inside] = self._encode(self.vecs[inside])

    def remove(self, rowids: Iterable[int]) -> None:
        for rowid in rowids:
            i = self._pos.get(rowid)
            if i is not None:
                self.alive[i] = False
                self.has_vec[i] = False

    def clear(self) -> None:
        self.__init__(self.dim)  # type: ignore[misc]

    @property
    def vector_count(self) -> int:
        return int(self.has_vec[: self.n].sum())

    def vector_of(self, rowid: int) -> np.ndarray | None:
        i = self._pos.get(rowid)
        if i is None or not self.has_vec[i] or self.vecs is None:
            return None
        vector: np.ndarray = self.vecs[i]
        return vector

    # --- queries ---------------------------------------------------------------------------------------------------
    def mask(self, f: Filters) -> np.ndarray:
        n = self.n
        m = self.alive[:n] & self.has_vec[:n]
        if f.species:
            m &= self.species[:n] == _CODES["species"][f.species]
        if f.life_stage:
            m &= _any_of(self.life_stage[:n], [_CODES["life_stage"][s] for s in life_stages_for(f.life_stage)])
        if f.food_type:
            m &= _any_of(self.food_type[:n], [_CODES["food_type"][t] for t in f.food_type])
        if f.brand:
            m &= _any_of(self.brand[:n], [self._brands.get(brand_key(b), -1) for b in f.brand])
        if f.availability:
            m &= self.availability[:n] == _CODES["availability"][f.availability]
        if f.special_features:
            bits = _bits("special_features", f.special_features)
            m &= (self.features[:n] & np.uint32(bits)) == bits
        if f.exclude_features:
            m &= (self.features[:n] & np.uint32(_bits("special_features", f.exclude_features))) == 0
        if f.target_conditions:
            m &= (self.conditions[:n] & np.uint32(_bits("target_conditions", f.target_conditions))) != 0
        if f.price_min is not None:
            m &= self.price[:n] >= f.price_min
        if f.price_max is not None:
            m &= self.price[:n] <= f.price_max
        if f.protein_min is not None:
            with np.errstate(invalid="ignore"):
                m &= self.protein[:n] >= f.protein_min
        return m

    def _sign_codes(self) -> tuple[np.ndarray, np.ndarray]:
        assert self.vecs is not None
        if self._codes is None or self._mu is None:
            live = self.has_vec[: self.n]
            dim = self.vecs.shape[1]
            self._mu = self.vecs[: self.n][live].mean(axis=0) if live.any() else np.zeros(dim, np.float32)
            self._codes = self._encode(self.vecs[: self.n])
        elif self._codes.shape[1] < self.n:  # slots added since: encode only those
            fresh = self._encode(self.vecs[self._codes.shape[1] : self.n])
            self._codes = np.concatenate([self._codes, fresh], axis=1)
        return self._codes, self._mu

    def prepare(self) -> None:
        """Build what queries need up front (sign codes of large matrices), so the first query is not slow."""
        if self.vecs is not None and self.n >= BINARY_THRESHOLD:
            self._sign_codes()

    def _encode(self, x: np.ndarray) -> np.ndarray:
        assert self._mu is not None
        bits = np.packbits(x - self._mu > 0, axis=-1)
        pad = (-bits.shape[-1]) % 8
        if pad:
            bits = np.concatenate([bits, np.zeros((*bits.shape[:-1], pad), np.uint8)], axis=-1)
        return np.ascontiguousarray(np.ascontiguousarray(bits).view(np.uint64).T)

    @staticmethod
    def _hamming(codes: np.ndarray, qc: np.ndarray) -> np.ndarray:
        """Hamming distances of every code column to ``qc``, in per-thread scratch buffers (no large temporaries)."""
        n = codes.shape[1]
        x, c, ham = _scratch(n)
        ham.fill(0)
        for w in range(codes.shape[0]):
            np.bitwise_xor(codes[w], qc[w], out=x)
            np.bitwise_count(x, out=c)
            np.add(ham, c, out=ham)
        return ham

    def search(
        self, query: np.ndarray, f: Filters, k: int, exclude_rowid: int | None = None, *, exact: bool = False
    ) -> VectorHits:
        if self.vecs is None or self.n == 0:
            return VectorHits([], [], 0)
        m = self.mask(f)
        if exclude_rowid is not None and exclude_rowid in self._pos:
            m[self._pos[exclude_rowid]] = False
        idx = np.flatnonzero(m)
        total = int(idx.size)
        if total == 0:
            return VectorHits([], [], 0)
        q = np.asarray(query, np.float32)
        if self.n >= BINARY_THRESHOLD and total > 4 * k and not exact:
            # Hamming ranking of sign codes, then exact re-scoring of a shortlist
            codes, _ = self._sign_codes()
            qc = self._encode(q[None, :])[:, 0]
            short = min(total, max(8 * k, 400))
            if total > self.n // 4:
                ham = self._hamming(codes, qc)
                np.putmask(ham, ~m, np.iinfo(np.uint16).max)
                idx = _smallest(ham, short)
            else:
                ham = self._hamming(codes[:, idx], qc)
                idx = idx[_smallest(ham, short)]
        # einsum, not BLAS: OpenBLAS spreads a matrix-vector product over threads, which on a busy 2-core machine
        # cost 10-30x more CPU (and wall time) than this single-threaded loop
        scores = np.einsum("ij,j->i", self.vecs[idx], q)
        kk = min(k, idx.size)
        top = np.argpartition(-scores, kk - 1)[:kk]
        top = top[np.argsort(-scores[top], kind="stable")]
        return VectorHits([int(r) for r in self.rowid[idx[top]]], [float(s) for s in scores[top]], total)
