"""Importers: canonical files, the normalized multi-table layout, and mapped retailer exports.

Each yields validated ``Product``s and ``Reject``s (file, line, reason) as one stream; writing (upsert by id, or an
atomic replace) is the search backend's job.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from aya.catalog.importers.base import ImportItem, Reject, SourceError
from aya.catalog.importers.canonical import read_canonical
from aya.catalog.importers.mapped import ColumnMapping, load_mapping, read_mapped
from aya.catalog.importers.normalized import is_normalized_dir, read_normalized

Format = Literal["auto", "canonical", "normalized", "mapped"]
CANONICAL_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv")

__all__ = [
    "ColumnMapping",
    "Format",
    "ImportItem",
    "Reject",
    "SourceError",
    "detect_format",
    "load_mapping",
    "read_canonical",
    "read_mapped",
    "read_normalized",
    "read_source",
]


def detect_format(path: Path, mapping: ColumnMapping | None = None) -> Format:
    """A directory is the normalized layout; a mapping means a retailer export; a table file is canonical."""
    if mapping is not None:
        return "mapped"
    if path.is_dir():
        if not is_normalized_dir(path):
            raise SourceError(f"{path}: a directory must hold a products table (products.csv, .jsonl, …)")
        return "normalized"
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if path.suffix.lower() in CANONICAL_SUFFIXES:
        return "canonical"
    raise SourceError(f"{path}: cannot tell the format from the name; use --format and/or --mapping")


def read_source(path: Path, fmt: Format = "auto", mapping: ColumnMapping | None = None) -> Iterator[ImportItem]:
    """One source's stream of Products and Rejects. Raises SourceError when the source itself is unusable."""
    if fmt == "auto":
        fmt = detect_format(path, mapping)
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    match fmt:
        case "canonical":
            return read_canonical(path)
        case "normalized":
            if not path.is_dir():
                raise SourceError(f"{path}: the normalized format needs a directory")
            return read_normalized(path)
        case "mapped":
            if mapping is None:
                raise SourceError("--format mapped needs --mapping FILE")
            return read_mapped(path, mapping)
        case _:
            raise SourceError(f"unknown format {fmt!r}")
