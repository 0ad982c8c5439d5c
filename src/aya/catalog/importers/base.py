"""What every importer shares: the reject record, and reading rows with their line numbers from CSV/TSV/JSON/JSONL."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aya.catalog.denormalize import STRICT, DenormalizeOptions, RecordError, denormalize
from aya.catalog.models import Product

TABLE_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv")

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class Reject:
    """A row that was not imported: where it is (file, line; for a JSON array, the line the item starts on) and why."""

    file: str
    line: int
    reason: str
    id: str | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


ImportItem = Product | Reject


class SourceError(Exception):
    """A whole source cannot be read (missing file, bad encoding, not a table, bad mapping): a usage error."""


@dataclass(frozen=True)
class Row:
    file: str
    line: int
    data: dict[str, Any]


def read_rows(path: Path, *, delimiter: str | None = None, encoding: str = "utf-8-sig") -> Iterator[Row | Reject]:
    """Rows of a table file as dicts with the line they start on. Unparseable rows come out as Rejects."""
    suffix = path.suffix.lower()
    name = str(path)
    try:
        if suffix in (".jsonl", ".ndjson"):
            yield from _jsonl(path, name, encoding)
        elif suffix == ".json":
            yield from _json_array(path, name, encoding)
        elif suffix in (".csv", ".tsv", ".txt") or delimiter:
            yield from _csv(path, name, delimiter or ("\t" if suffix in (".tsv", ".txt") else ","), encoding)
        else:
            raise SourceError(f"{name}: unknown table format {suffix!r} (use .jsonl, .json, .csv or .tsv)")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{name}: not {encoding} text ({exc.reason} at byte {exc.start})") from None
    except FileNotFoundError:
        raise SourceError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{name}: is a directory") from None


def _jsonl(path: Path, name: str, encoding: str) -> Iterator[Row | Reject]:
    with path.open(encoding=encoding) as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Reject(name, lineno, f"invalid JSON: {exc.msg} (column {exc.colno})")
                continue
            if not isinstance(data, dict):
                yield Reject(name, lineno, f"expected a JSON object, got {type(data).__name__}")
                continue
            yield Row(name, lineno, data)


def _json_array(path: Path, name: str, encoding: str) -> Iterator[Row | Reject]:
    text = path.read_text(encoding=encoding)
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    if pos < len(text) and text[pos] == "{":  # {"products": [...]}
        try:
            whole = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{name}:{exc.lineno}: invalid JSON: {exc.msg}") from None
        items = whole.get("products") if isinstance(whole, dict) else None
        if not isinstance(items, list):
            raise SourceError(f"{name}: expected a JSON array of products or {{'products': [...]}}")
        for i, item in enumerate(items, 1):
            yield _json_item(name, i, item)
        return
    if pos >= len(text) or text[pos] != "[":
        raise SourceError(f"{name}: expected a JSON array of products")
    pos += 1
    line = 1 + text.count("\n", 0, pos)
    last = pos
    while True:
        pos = _skip_ws(text, pos)
        if pos < len(text) and text[pos] == "]":
            return
        line += text.count("\n", last, pos)
        last = pos
        try:
            item, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{name}:{exc.lineno}: invalid JSON: {exc.msg}") from None
        yield _json_item(name, line, item)
        pos = _skip_ws(text, end)
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos < len(text) and text[pos] == "]":
            return
        else:
            raise SourceError(f"{name}:{1 + text.count(chr(10), 0, pos)}: invalid JSON: expected ',' or ']'")


def _json_item(name: str, line: int, item: Any) -> Row | Reject:
    if not isinstance(item, dict):
        return Reject(name, line, f"expected a JSON object, got {type(item).__name__}")
    return Row(name, line, item)


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _csv(path: Path, name: str, delimiter: str, encoding: str) -> Iterator[Row | Reject]:
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SourceError(f"{name}:1: cannot read the header: {exc}") from None
        header = [h.strip() for h in header]
        if not any(header):
            raise SourceError(f"{name}:1: empty header row")
        width = len(header)
        start = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Reject(name, start, f"malformed CSV: {exc}")
                start = reader.line_num + 1
                continue
            line, start = start, reader.line_num + 1
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) != width:
                yield Reject(name, line, f"expected {width} columns, found {len(values)}")
                continue
            yield Row(name, line, dict(zip(header, values, strict=True)))


def find_table(directory: Path, stem: str) -> Path | None:
    """``<directory>/<stem>.<csv|tsv|jsonl|json>`` if one exists (error if several do)."""
    found = [directory / f"{stem}{suffix}" for suffix in TABLE_SUFFIXES if (directory / f"{stem}{suffix}").is_file()]
    if len(found) > 1:
        raise SourceError(f"{directory}: several '{stem}' tables: {', '.join(p.name for p in found)}")
    return found[0] if found else None


def denormalize_row(row: Row, record: dict[str, Any], options: DenormalizeOptions = STRICT) -> ImportItem:
    """The Product for a row's record, or a Reject naming the row and the field at fault."""
    try:
        return denormalize(record, options)
    except RecordError as exc:
        pid = record.get("id")
        return Reject(row.file, row.line, str(exc), id=None if pid in (None, "") else str(pid))
