"""Importer 2: the normalized multi-source layout — one directory, five tables joined on product id.

==============  ========  =======================================================================================
table           required  columns
==============  ========  =======================================================================================
products        yes       ``id`` (or ``product_id``), ``brand_id``, ``title``, ``description``, ``species``,
                          ``life_stage``, ``food_type``, ``price`` and any other Product field
brands          no        ``id`` (or ``brand_id``), ``name``
nutrition       no        ``product_id``, ``protein_min``, ``fat_min``, ``fiber_max``, ``moisture_max``,
                          ``kcal_per_kg``, ``kcal_per_cup`` (or ``kcal`` holding "3,390 kcal/kg, 350 kcal/cup")
ingredients     no        ``product_id``, ``position`` (optional, orders the list), ``ingredient``
reviews         no        ``product_id``, ``rating`` (1-5), anything else (author, text, date) is ignored
==============  ========  =======================================================================================

Each table is ``<name>.csv``, ``.tsv``, ``.jsonl`` or ``.json``. A product's rating and review count are aggregated
from its reviews (mean rating, number of reviews) when it has any. Rows that reference an unknown product or brand,
duplicate nutrition rows and reviews with an out-of-range rating are rejected with their file and line; the
products they belong to are still imported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aya.catalog.denormalize import STRICT, DenormalizeOptions
from aya.catalog.importers.base import ImportItem, Reject, Row, SourceError, denormalize_row, find_table, read_rows
from aya.catalog.parse import is_empty, parse_float

TABLES = ("products", "brands", "nutrition", "ingredients", "reviews")


def is_normalized_dir(path: Path) -> bool:
    return path.is_dir() and find_table(path, "products") is not None


def _key(row: Row, *names: str) -> str | None:
    for name in names:
        value = row.data.get(name)
        if not is_empty(value):
            return str(value).strip()
    return None


def _rows(path: Path | None) -> Iterator[Row | Reject]:
    if path is not None:
        yield from read_rows(path)


def read_normalized(directory: Path, options: DenormalizeOptions = STRICT) -> Iterator[ImportItem]:
    """Products joined from the directory's tables, then Rejects for orphan or bad side-table rows."""
    products_path = find_table(directory, "products")
    if products_path is None:
        raise SourceError(f"{directory}: no products table (products.csv, .tsv, .jsonl or .json)")
    late: list[Reject] = []

    brands: dict[str, str] = {}
    for row in _rows(find_table(directory, "brands")):
        if isinstance(row, Reject):
            late.append(row)
            continue
        bid, name = _key(row, "id", "brand_id"), _key(row, "name", "brand")
        if bid is None or name is None:
            late.append(Reject(row.file, row.line, "brands: needs 'id' and 'name'"))
        else:
            brands[bid] = name

    products: list[Row] = []
    ids: set[str] = set()
    for row in read_rows(products_path):
        if isinstance(row, Reject):
            yield row
            continue
        products.append(row)
        pid = _key(row, "id", "product_id")
        if pid is not None:
            ids.add(pid)

    nutrition: dict[str, dict[str, Any]] = {}
    for row in _rows(find_table(directory, "nutrition")):
        if isinstance(row, Reject):
            late.append(row)
            continue
        pid = _key(row, "product_id", "id")
        if pid is None or pid not in ids:
            late.append(Reject(row.file, row.line, f"product_id: no such product {pid!r}", id=pid))
        elif pid in nutrition:
            late.append(Reject(row.file, row.line, f"product_id: second nutrition row for {pid!r}", id=pid))
        else:
            nutrition[pid] = {k: v for k, v in row.data.items() if k not in ("product_id", "id") and not is_empty(v)}

    ingredients: dict[str, list[tuple[float, int, str]]] = defaultdict(list)
    for n, row in enumerate(_rows(find_table(directory, "ingredients"))):
        if isinstance(row, Reject):
            late.append(row)
            continue
        pid, name = _key(row, "product_id"), _key(row, "ingredient", "name")
        if pid is None or pid not in ids:
            late.append(Reject(row.file, row.line, f"product_id: no such product {pid!r}", id=pid))
            continue
        if name is None:
            late.append(Reject(row.file, row.line, "ingredient: missing", id=pid))
            continue
        try:
            position = parse_float(row.data.get("position"))
        except ValueError:
            late.append(Reject(row.file, row.line, f"position: not a number: {row.data.get('position')!r}", id=pid))
            continue
        ingredients[pid].append((position if position is not None else float("inf"), n, name))

    ratings: dict[str, list[float]] = defaultdict(list)
    for row in _rows(find_table(directory, "reviews")):
        if isinstance(row, Reject):
            late.append(row)
            continue
        pid = _key(row, "product_id")
        if pid is None or pid not in ids:
            late.append(Reject(row.file, row.line, f"product_id: no such product {pid!r}", id=pid))
            continue
        try:
            rating = parse_float(row.data.get("rating"))
        except ValueError:
            rating = -1.0
        if rating is None or not 1 <= rating <= 5:
            late.append(Reject(row.file, row.line, f"rating: must be 1-5, got {row.data.get('rating')!r}", id=pid))
            continue
        ratings[pid].append(rating)

    for row in products:
        record = dict(row.data)
        pid = _key(row, "id", "product_id")
        record.pop("product_id", None)
        if pid is not None:
            record["id"] = pid
        bid = record.pop("brand_id", None)
        if not is_empty(bid):
            if str(bid).strip() not in brands:
                yield Reject(row.file, row.line, f"brand_id: no such brand {bid!r}", id=pid)
                continue
            record["brand"] = brands[str(bid).strip()]
        if pid in nutrition:
            record["nutritional_info"] = None
            for key, value in nutrition[pid].items():
                record[key if key == "kcal" else f"nutritional_info.{key}"] = value
        if pid in ingredients:
            record["ingredients"] = [name for _, _, name in sorted(ingredients[pid])]
        if pid in ratings:
            scores = ratings[pid]
            record["rating"] = round(sum(scores) / len(scores), 2)
            record["review_count"] = len(scores)
        yield denormalize_row(row, record, options)
    yield from late
