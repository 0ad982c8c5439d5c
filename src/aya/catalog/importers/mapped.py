"""Importer 3: a retailer export (CSV/TSV) described by a column-mapping file (TOML).

A mapping says where each Product field comes from::

    [source]
    delimiter = ","              # default: by extension ("\\t" for .tsv)
    id_prefix = "chewy-"         # prepended to the id column's value
    unknown_terms = "ignore"     # unrecognized feature/condition phrases: "ignore" (default here) or "error"

    [constants]                  # set on every row, whatever it says
    species = "dog"

    [defaults]                   # used only when the row and its title say nothing
    life_stage = "adult"

    [fields]
    id = "itemnumber"                                      # a column name
    title = "product_list"
    price = { column = "price", parse = "price" }          # "\\n  $59.84" -> 59.84
    package_weight = { column = ["size", "weight"] }       # first non-empty column wins
    brand = { column = "maker", prefix = "By " }           # "By Blue Buffalo" -> "Blue Buffalo"
    life_stage = { column = "attr_dict", key = "Lifestage" }   # a key inside a dict-valued column
    special_features = { column = "specialdiet", split = "," }
    "nutritional_info.protein_min" = { column = "protein", parse = "percent" }   # "25.0% min" -> 25.0
    kcal = "caloric"                                       # "3,390 kcal/kg, 350 kcal/cup"
    description = { column = "benefits", parse = "html" }
    id = { column = "url", pattern = "/dp/(\\\\d+)" }      # the first regex group

    [brands]                     # optional: brand = the longest of these a title starts with (else the brand field)
    from_title = ["Fancy Feast", "Tiki Cat"]
    fallback = "first_word"      # when nothing matches and the brand field is empty

Field names are Product fields, ``nutritional_info.<name>``, ``kcal`` (an energy statement) or ``package_weight``.
Parsers: text, html, price, percent, weight, kcal, int, float, list. Without ``parse`` the denormalizer still
normalizes the value by field (so ``price = "price"`` also parses "$59.84").
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from aya.catalog.denormalize import NUTRITION_FIELDS, PRODUCT_FIELDS, DenormalizeOptions
from aya.catalog.importers.base import ImportItem, Reject, Row, SourceError, denormalize_row, read_rows
from aya.catalog.parse import (
    is_empty,
    parse_float,
    parse_int,
    parse_kcal,
    parse_mapping,
    parse_percent,
    parse_price,
    parse_weight_kg,
    split_list,
    strip_html,
)

Parser = Literal["text", "html", "price", "percent", "weight", "kcal", "int", "float", "list"]
_TARGETS = PRODUCT_FIELDS | {"kcal", "package_weight"} | {f"nutritional_info.{n}" for n in NUTRITION_FIELDS}


class FieldSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    column: list[str]
    key: str | None = None
    parse: Parser | None = None
    split: str | None = None
    prefix: str | None = None
    pattern: str | None = None
    map: dict[str, str] = Field(default_factory=dict)

    @field_validator("column", mode="before")
    @classmethod
    def _columns(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v

    @field_validator("pattern")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"bad regular expression: {exc}") from None
        return v


class SourceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delimiter: str | None = None
    encoding: str = "utf-8-sig"
    id_prefix: str = ""
    unknown_terms: Literal["error", "ignore"] = "ignore"


class BrandSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_title: list[str] = Field(default_factory=list)
    fallback: Literal["none", "first_word"] = "none"

    def lowered(self) -> list[tuple[str, str]]:
        if self._lowered is None:
            self._lowered = [(b, b.lower()) for b in self.from_title]
        return self._lowered

    _lowered: list[tuple[str, str]] | None = PrivateAttr(None)


class ColumnMapping(BaseModel):
    """A parsed mapping file (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    source: SourceSpec = Field(default_factory=SourceSpec)
    constants: dict[str, Any] = Field(default_factory=dict)
    defaults: dict[str, Any] = Field(default_factory=dict)
    fields: dict[str, FieldSpec]
    brands: BrandSpec = Field(default_factory=BrandSpec)

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand(cls, v: object) -> object:
        if isinstance(v, dict):
            return {k: ({"column": s} if isinstance(s, (str, list)) else s) for k, s in v.items()}
        return v

    @field_validator("fields", "constants", "defaults")
    @classmethod
    def _targets(cls, v: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(v) - _TARGETS)
        if unknown:
            raise ValueError(f"unknown product field(s): {', '.join(unknown)}")
        return v


def load_mapping(path: Path) -> ColumnMapping:
    """Read and validate a mapping file; SourceError names the file and the bad entry."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(f"{path}: no such mapping file") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{path}: invalid TOML: {exc}") from None
    try:
        mapping = ColumnMapping.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise SourceError(f"{path}: {where}: {err['msg']}") from None
    for required in ("id", "title"):
        if required not in mapping.fields and required not in mapping.constants:
            raise SourceError(f"{path}: fields.{required} is required")
    return mapping


def _parse(value: Any, parser: Parser | None) -> Any:
    match parser:
        case None | "text":
            return value
        case "html":
            return strip_html(value)
        case "price":
            parsed = parse_price(value)
            return None if parsed is None else parsed[0]
        case "percent":
            return parse_percent(value)
        case "weight":
            return parse_weight_kg(value)
        case "kcal":
            return parse_kcal(value) or None
        case "int":
            return parse_int(value)
        case "float":
            return parse_float(value)
        case "list":
            return split_list(value)


class _FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")


def _value(row: Row, spec: FieldSpec, target: str, parsed: dict[str, Mapping[str, Any]]) -> Any:
    value: Any = None
    for column in spec.column:
        if column not in row.data:
            raise _FieldError(target, f"column {column!r} is not in the file")
        raw = row.data[column]
        if spec.key is not None:
            if column not in parsed:  # a dict-valued cell is parsed once per row, however many fields read it
                try:
                    parsed[column] = parse_mapping(raw)
                except ValueError as exc:
                    raise _FieldError(target, f"column {column!r}: {exc}") from None
            raw = parsed[column].get(spec.key)
        if not is_empty(raw):
            value = raw
            if spec.parse == "weight" and parse_weight_kg(raw) is None:
                continue  # "case of 12" names no weight: try the next column
            break
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if spec.prefix and value.lower().startswith(spec.prefix.lower()):
            value = value[len(spec.prefix) :].strip()
        if spec.pattern:
            m = re.search(spec.pattern, value)
            if not m:
                raise _FieldError(target, f"{value[:60]!r} does not match {spec.pattern!r}")
            value = m.group(1) if m.groups() else m.group(0)
        if spec.map:
            value = spec.map.get(value.lower(), spec.map.get(value, value))
    if spec.split and isinstance(value, str):
        value = [v.strip() for v in value.split(spec.split) if v.strip()]
    try:
        return _parse(value, spec.parse)
    except ValueError as exc:
        raise _FieldError(target, str(exc)) from None


def _brand_from_title(title: str, spec: BrandSpec) -> str | None:
    """The longest listed brand the title starts with (case-insensitive)."""
    lowered = title.lower()
    return max((b for b, low in spec.lowered() if lowered.startswith(low)), key=len, default=None)


def map_row(row: Row, mapping: ColumnMapping) -> dict[str, Any]:
    """The record (Product fields, raw values) a row maps to. Raises _FieldError naming the field."""
    record: dict[str, Any] = dict(mapping.constants)
    parsed: dict[str, Mapping[str, Any]] = {}
    for target, spec in mapping.fields.items():
        if target in mapping.constants:
            continue
        value = _value(row, spec, target, parsed)
        if target.startswith("nutritional_info.") or target == "kcal":
            if isinstance(value, Mapping):  # a kcal parser's {kcal_per_kg: ..., kcal_per_cup: ...}
                for k, v in value.items():
                    record.setdefault(f"nutritional_info.{k}", v)
                continue
        if value is not None:
            record[target] = value
    if not is_empty(record.get("id")) and mapping.source.id_prefix:
        record["id"] = f"{mapping.source.id_prefix}{record['id']}"
    title = str(record.get("title") or "")
    if mapping.brands.from_title and title:
        brand = _brand_from_title(title, mapping.brands)
        if brand:
            record["brand"] = brand
    if is_empty(record.get("brand")) and mapping.brands.fallback == "first_word" and title:
        record["brand"] = title.split()[0]
    return record


def read_mapped(path: Path, mapping: ColumnMapping) -> Iterator[ImportItem]:
    """Products (and Rejects) from a retailer export read through a column mapping."""
    options = DenormalizeOptions(unknown_terms=mapping.source.unknown_terms, defaults=mapping.defaults)
    checked = False
    for row in read_rows(path, delimiter=mapping.source.delimiter, encoding=mapping.source.encoding):
        if isinstance(row, Reject):
            yield row
            continue
        if not checked:
            missing = sorted({c for spec in mapping.fields.values() for c in spec.column} - set(row.data))
            if missing:
                raise SourceError(f"{path}: column(s) named in the mapping but not in the file: {', '.join(missing)}")
            checked = True
        try:
            record = map_row(row, mapping)
        except _FieldError as exc:
            yield Reject(row.file, row.line, str(exc))
            continue
        yield denormalize_row(row, record, options)
