"""The SQLite document store: product JSON, filter columns for the vector side, and stored embeddings.

Synchronous by design: :class:`aya.search.sqlite_backend.SqliteProductSearch` calls it through ``asyncio.to_thread``.
One writer connection (``BEGIN IMMEDIATE``, WAL); readers use one connection per thread.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aya.catalog.models import Product

_SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    species TEXT NOT NULL,
    life_stage TEXT NOT NULL,
    food_type TEXT NOT NULL,
    brand TEXT NOT NULL,
    availability TEXT NOT NULL,
    price REAL NOT NULL,
    protein REAL,
    rating REAL,
    features TEXT NOT NULL,
    conditions TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS embeddings (
    rowid INTEGER PRIMARY KEY REFERENCES products(rowid) ON DELETE CASCADE,
    model TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vec BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


_TIMESTAMPS = re.compile(r'"created_at":"[^"]*","updated_at":"[^"]*"')


def content_hash(product: Product, doc: str | None = None) -> str:
    """Hash of everything but the timestamps: re-ingesting an unchanged product changes nothing."""
    data = _TIMESTAMPS.sub("", doc if doc is not None else product.model_dump_json())
    return hashlib.sha256(data.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ColumnRow:
    """The filter columns of one product, as the vector side needs them."""

    rowid: int
    species: str
    life_stage: str
    food_type: str
    brand: str
    availability: str
    price: float
    protein: float | None
    features: str
    conditions: str


def column_row(rowid: int, p: Product) -> ColumnRow:
    return ColumnRow(
        rowid=rowid,
        species=p.species,
        life_stage=p.life_stage,
        food_type=p.food_type,
        brand=p.brand,
        availability=p.availability,
        price=float(p.price),
        protein=p.nutritional_info.protein_min,
        features=" ".join(p.special_features),
        conditions=" ".join(p.target_conditions),
    )


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


class WriteTx:
    """Writes inside one transaction of :meth:`ProductStore.transaction`; records what changed for the index."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # an interrupted ingest rolls back from another worker thread while a put may still be running: serialize
        self.lock = threading.Lock()
        self.columns: list[ColumnRow] = []
        self.removed: list[int] = []
        self.vectors: dict[int, np.ndarray] = {}
        self.generation = 0

    def put(
        self, products: Iterable[Product], embeddings: dict[str, tuple[str, str, np.ndarray]] | None = None
    ) -> list[tuple[int, Product]]:
        """Insert or update products; unchanged ones (same content hash) are skipped. Returns those written.

        ``embeddings`` maps product id to (model, text_hash, vector).
        """
        with self.lock:
            return self._put(products, embeddings)

    def _put(
        self, products: Iterable[Product], embeddings: dict[str, tuple[str, str, np.ndarray]] | None
    ) -> list[tuple[int, Product]]:
        conn = self.conn
        written: list[tuple[int, Product]] = []
        for p in products:
            doc = p.model_dump_json()
            h = content_hash(p, doc)
            row = conn.execute("SELECT rowid, content_hash FROM products WHERE id=?", (p.id,)).fetchone()
            emb = embeddings.get(p.id) if embeddings else None
            if row is not None and row[1] == h:
                if emb is not None:
                    self._put_embedding(int(row[0]), emb)
                continue
            values = (
                doc,
                h,
                p.species,
                p.life_stage,
                p.food_type,
                p.brand,
                p.availability,
                float(p.price),
                p.nutritional_info.protein_min,
                p.rating,
                " ".join(p.special_features),
                " ".join(p.target_conditions),
            )
            if row is None:
                cur = conn.execute(
                    "INSERT INTO products (id, doc, content_hash, species, life_stage, food_type, brand,"
                    " availability, price, protein, rating, features, conditions)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (p.id, *values),
                )
                rowid = int(cur.lastrowid or 0)
            else:
                rowid = int(row[0])
                conn.execute(
                    "UPDATE products SET doc=?, content_hash=?, species=?, life_stage=?, food_type=?, brand=?,"
                    " availability=?, price=?, protein=?, rating=?, features=?, conditions=? WHERE rowid=?",
                    (*values, rowid),
                )
                conn.execute("DELETE FROM embeddings WHERE rowid=?", (rowid,))
            if emb is not None:
                self._put_embedding(rowid, emb)
            written.append((rowid, p))
            self.columns.append(column_row(rowid, p))
        return written

    def embedding_hashes(self, ids: Sequence[str], model: str) -> dict[str, str]:
        """Product id -> text hash of its stored embedding for ``model`` (seen from inside the transaction)."""
        out: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT p.id, e.text_hash FROM products p JOIN embeddings e ON e.rowid = p.rowid"
                f" WHERE e.model=? AND p.id IN ({marks})",
                [model, *chunk],
            )
            out.update({pid: h for pid, h in rows})
        return out

    def _put_embedding(self, rowid: int, emb: tuple[str, str, np.ndarray]) -> None:
        model, text_hash, vec = emb
        arr = np.asarray(vec, dtype=np.float32)
        self.conn.execute(
            "INSERT OR REPLACE INTO embeddings (rowid, model, text_hash, vec) VALUES (?,?,?,?)",
            (rowid, model, text_hash, arr.tobytes()),
        )
        self.vectors[rowid] = arr

    def delete(self, product_ids: Iterable[str]) -> int:
        n = 0
        for pid in product_ids:
            row = self.conn.execute("SELECT rowid FROM products WHERE id=?", (pid,)).fetchone()
            if row is not None:
                self.removed.append(int(row[0]))
                self.conn.execute("DELETE FROM products WHERE rowid=?", (row[0],))
                n += 1
        return n


class ProductStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = _connect(path)
        self._writer.executescript(_SCHEMA)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    # --- connections -----------------------------------------------------------------------------------------------
    def reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            conn.execute("PRAGMA query_only=ON")
            self._local.conn = conn
            with self._lock:
                self._readers.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._writer.close()

    # --- meta ------------------------------------------------------------------------------------------------------
    def generation(self) -> int:
        row = self.reader().execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    # --- writes ----------------------------------------------------------------------------------------------------
    def begin(self, clear: bool = False) -> WriteTx:
        """Start the write transaction (``BEGIN IMMEDIATE``); finish it with :meth:`commit` or :meth:`rollback`."""
        conn = self._writer
        conn.execute("BEGIN IMMEDIATE")
        tx = WriteTx(conn)
        try:
            if clear:
                tx.removed.extend(r for (r,) in conn.execute("SELECT rowid FROM products"))
                conn.execute("DELETE FROM embeddings")
                conn.execute("DELETE FROM products")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return tx

    def commit(self, tx: WriteTx) -> int:
        """Commit; returns the catalog's new generation number."""
        with tx.lock:
            return self._commit(tx)

    def _commit(self, tx: WriteTx) -> int:
        conn = tx.conn
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('generation', '1')"
            " ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )
        (gen,) = conn.execute("SELECT CAST(value AS INTEGER) FROM meta WHERE key='generation'").fetchone()
        conn.execute("COMMIT")
        tx.generation = int(gen)
        return tx.generation

    def rollback(self, tx: WriteTx) -> None:
        with tx.lock:
            if tx.conn.in_transaction:
                tx.conn.execute("ROLLBACK")

    def content_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        id_list = list(ids)
        conn = self.reader()
        for start in range(0, len(id_list), 500):
            chunk = id_list[start : start + 500]
            marks = ",".join("?" * len(chunk))
            out.update(conn.execute(f"SELECT id, content_hash FROM products WHERE id IN ({marks})", chunk))
        return out

    # --- reads -----------------------------------------------------------------------------------------------------
    def count(self) -> int:
        return int(self.reader().execute("SELECT count(*) FROM products").fetchone()[0])

    def by_rowids(self, rowids: Sequence[int]) -> dict[int, Product]:
        if not rowids:
            return {}
        marks = ",".join("?" * len(rowids))
        rows = self.reader().execute(f"SELECT rowid, doc FROM products WHERE rowid IN ({marks})", list(rowids))
        return {int(r): Product.model_validate_json(doc) for r, doc in rows}

    def by_ids(self, ids: Sequence[str]) -> dict[str, tuple[int, Product]]:
        if not ids:
            return {}
        out: dict[str, tuple[int, Product]] = {}
        conn = self.reader()
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for r, pid, doc in conn.execute(f"SELECT rowid, id, doc FROM products WHERE id IN ({marks})", chunk):
                out[pid] = (int(r), Product.model_validate_json(doc))
        return out

    def iter_products(self, batch: int = 2000) -> Iterator[tuple[int, Product]]:
        last = 0
        conn = self.reader()
        while True:
            rows = conn.execute(
                "SELECT rowid, doc FROM products WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            for r, doc in rows:
                yield int(r), Product.model_validate_json(doc)
            last = int(rows[-1][0])

    def columns(self) -> list[ColumnRow]:
        rows = self.reader().execute(
            "SELECT rowid, species, life_stage, food_type, brand, availability, price, protein, features, conditions"
            " FROM products ORDER BY rowid"
        )
        return [ColumnRow(*r) for r in rows]

    def embeddings(self, model: str) -> Iterator[tuple[int, bytes]]:
        yield from self.reader().execute("SELECT rowid, vec FROM embeddings WHERE model=? ORDER BY rowid", (model,))

    def facet_rows(self) -> dict[str, object]:
        """Counts per brand, product line, species, food type and life stage (count desc, then value asc).

        Brands (and lines) differing only in case count as one, shown in their most common spelling."""
        conn = self.reader()

        def counts(col: str) -> list[dict[str, object]]:
            rows = conn.execute(f"SELECT {col}, count(*) FROM products WHERE {col} != '' GROUP BY {col}")
            return _ordered({str(v): int(n) for v, n in rows})

        brand_rows = conn.execute("SELECT brand, count(*) FROM products WHERE brand != '' GROUP BY brand").fetchall()
        line_rows = conn.execute(
            "SELECT brand, json_extract(doc, '$.product_line'), count(*) FROM products "
            "WHERE brand != '' AND coalesce(json_extract(doc, '$.product_line'), '') != '' GROUP BY 1, 2"
        ).fetchall()
        spelling = _spellings([(str(b), int(n)) for b, n in brand_rows])
        brands: dict[str, int] = {}
        for b, n in brand_rows:
            key = spelling[str(b).lower()]
            brands[key] = brands.get(key, 0) + int(n)
        line_spelling = _spellings([(str(ln), int(n)) for _, ln, n in line_rows])
        lines: dict[tuple[str, str], int] = {}
        for b, ln, n in line_rows:
            key2 = (spelling[str(b).lower()], line_spelling[str(ln).lower()])
            lines[key2] = lines.get(key2, 0) + int(n)
        return {
            "brands": _ordered(brands),
            "product_lines": [
                {"brand": b, "line": ln, "count": n}
                for (b, ln), n in sorted(lines.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1]))
            ],
            "species": counts("species"),
            "food_types": counts("food_type"),
            "life_stages": counts("life_stage"),
        }

    def stats_rows(self) -> dict[str, object]:
        conn = self.reader()
        total, pmin, pmax = conn.execute("SELECT count(*), min(price), max(price) FROM products").fetchone()

        def group(col: str) -> dict[str, int]:
            return {k: int(n) for k, n in conn.execute(f"SELECT {col}, count(*) FROM products GROUP BY {col}")}

        brands = conn.execute("SELECT count(DISTINCT lower(brand)) FROM products WHERE brand != ''").fetchone()[0]
        with_emb = conn.execute("SELECT count(*) FROM embeddings").fetchone()[0]
        return {
            "total": int(total),
            "by_species": group("species"),
            "by_food_type": group("food_type"),
            "by_life_stage": group("life_stage"),
            "brands": int(brands),
            "with_embeddings": int(with_emb),
            "price_min": pmin,
            "price_max": pmax,
        }


def _ordered(counts: dict[str, int]) -> list[dict[str, object]]:
    return [{"value": v, "count": n} for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _spellings(rows: list[tuple[str, int]]) -> dict[str, str]:
    """lower-cased value -> its most common spelling (ties: the first in sort order)."""
    best: dict[str, tuple[int, str]] = {}
    for value, n in rows:
        key = value.lower()
        cur = best.get(key)
        if cur is None or n > cur[0] or (n == cur[0] and value < cur[1]):
            best[key] = (n, value)
    return {k: v for k, (_, v) in best.items()}
