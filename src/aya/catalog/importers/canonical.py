"""Importer 1: canonical files of Product fields (JSON Lines, a JSON array, or CSV/TSV).

Values may be raw phrases ("Grain-Free", "All Stages", "$59.84", "30-lb bag"): the denormalizer normalizes them.
In CSV, list fields are separated by ``|`` or ``,`` (or hold a JSON array) and nutrition values sit in columns named
``nutritional_info.protein_min`` (or just ``protein_min``), or one ``nutritional_info`` column holding a JSON object.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from aya.catalog.denormalize import STRICT, DenormalizeOptions
from aya.catalog.importers.base import ImportItem, Reject, denormalize_row, read_rows


def read_canonical(path: Path, options: DenormalizeOptions = STRICT) -> Iterator[ImportItem]:
    """Products (and Rejects for bad rows) from one canonical file, in file order."""
    for row in read_rows(path):
        if isinstance(row, Reject):
            yield row
        else:
            yield denormalize_row(row, row.data, options)
