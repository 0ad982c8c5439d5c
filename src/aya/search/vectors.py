"""Exact vector search over unit vectors held in memory, filtered by numpy column masks.

Every product has a slot with its filter columns (codes, price, protein, feature/condition bit masks); products with an
embedding also have a row in the float32 matrix. A query computes the filter mask with vectorized comparisons, then
scores the selected rows with one matrix-vector product (cosine = dot product of unit vectors). Above
``INT8_THRESHOLD`` rows it first scans an int8 copy of the matrix and re-scores a shortlist in float32.
``exclude_ingredients`` is not a column: the caller verifies candidates against the full-text index.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from aya.catalog.vocab import CANONICAL
from aya.search.models import Filters
from aya.search.store import ColumnRow
from aya.search.text_index import brand_key, life_stages_for

INT8_THRESHOLD = 150_000
_CODES = {name: {v: i for i, v in enumerate(values)} for name, values in CANONICAL.items()}


def _bits(vocab: str, values: Iterable[str]) -> int:
    out = 0
    codes = _CODES[vocab]
    for v in values:
        if v in codes:
            out |= 1 << codes[v]
    return out


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
        self._q8: np.ndarray | None = None  # int8 copy, built lazily for large matrices

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
        self._q8 = None

    def set_vectors(self, items: Iterable[tuple[int, np.ndarray]]) -> None:
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
        self._q8 = None

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
        return self.vecs[i]

    # --- queries ---------------------------------------------------------------------------------------------------
    def mask(self, f: Filters) -> np.ndarray:
        n = self.n
        m = self.alive[:n] & self.has_vec[:n]
        if f.species:
            m &= self.species[:n] == _CODES["species"][f.species]
        if f.life_stage:
            m &= np.isin(self.life_stage[:n], [_CODES["life_stage"][s] for s in life_stages_for(f.life_stage)])
        if f.food_type:
            m &= np.isin(self.food_type[:n], [_CODES["food_type"][t] for t in f.food_type])
        if f.brand:
            m &= np.isin(self.brand[:n], [self._brands.get(brand_key(b), -1) for b in f.brand])
        if f.availability:
            m &= self.availability[:n] == _CODES["availability"][f.availability]
        if f.special_features:
            bits = _bits("special_features", f.special_features)
            m &= (self.features[:n] & np.uint32(bits)) == bits
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

    def _int8(self) -> np.ndarray:
        if self._q8 is None:
            assert self.vecs is not None
            self._q8 = np.clip(np.rint(self.vecs[: self.n] * 127.0), -127, 127).astype(np.int8)
        return self._q8

    def search(self, query: np.ndarray, f: Filters, k: int, exclude_rowid: int | None = None) -> VectorHits:
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
        if self.n >= INT8_THRESHOLD and total > 4 * k:
            # int8 scan of the selected rows, then exact float32 re-scoring of a shortlist
            q8 = np.clip(np.rint(q * 127.0), -127, 127).astype(np.float32)
            rough = self._int8()[idx].astype(np.float32) @ q8
            short = min(total, max(4 * k, 200))
            pick = np.argpartition(-rough, short - 1)[:short]
            idx = idx[pick]
        scores = self.vecs[idx] @ q
        kk = min(k, idx.size)
        top = np.argpartition(-scores, kk - 1)[:kk]
        top = top[np.argsort(-scores[top], kind="stable")]
        return VectorHits([int(r) for r in self.rowid[idx[top]]], [float(s) for s in scores[top]], total)
