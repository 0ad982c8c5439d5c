"""The denormalizer: one messy record (a dict of Product fields with raw values) in, one validated ``Product`` out.

It normalizes vocabulary phrases ("All Stages" -> all, "Grain-Free" -> grain_free), parses prices ("$59.84"),
percentages ("25.0% min"), package sizes ("30-lb bag" -> 13.6 kg, price per kg) and energy ("3,390 kcal/kg, 350
kcal/cup"), derives species, life stage, food type, breed size, special features and target conditions that the
record does not state from its title and description ("k/d kidney care" -> kidney_support), and builds
``searchable_text``. Every problem raises :class:`RecordError` naming the field.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError

from aya.catalog.derive import (
    combine_stages,
    derive_all,
    derive_food_type,
    derive_life_stage,
    derive_species,
    derive_terms,
    normalize_text,
    stages_in,
    title_food_type_override,
)
from aya.catalog.lines import derive_product_line
from aya.catalog.models import NutritionalInfo, Product
from aya.catalog.parse import (
    is_empty,
    parse_float,
    parse_ingredients,
    parse_int,
    parse_kcal,
    parse_mapping,
    parse_percent,
    parse_price,
    parse_weight_kg,
    size_from_title,
    split_list,
    strip_html,
)
from aya.catalog.text import build_searchable_text
from aya.catalog.vocab import normalize

NUTRITION_FIELDS = ("protein_min", "fat_min", "fiber_max", "moisture_max", "kcal_per_kg", "kcal_per_cup")
PRODUCT_FIELDS = frozenset(Product.model_fields)
# extra keys a record may carry besides the Product fields
ALIASES = {
    "name": "title",
    "product_name": "title",
    "weight": "package_weight",
    "package_weight": "package_weight",
    "calories": "kcal",
    "kcal": "kcal",
    "image": "image_url",
    "features": "special_features",
    "conditions": "target_conditions",
}
_WS = re.compile(r"\s+")
_LIST_SPLIT = re.compile(r"\s*[,;|]\s*")
_BREED = re.compile(r"\b(toy|small|medium|large|giant)(?: and (?:medium|large|giant))? breeds?\b")


logger = logging.getLogger("aya.catalog")


class RecordError(ValueError):
    """A record that cannot become a Product; ``field`` names the offending field."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class DenormalizeOptions:
    """How lenient to be. ``unknown_terms="ignore"`` drops unrecognized feature/condition phrases (retailer exports
    carry values such as "Raw" or "Human-Grade Ingredients" in the same column); ``"error"`` rejects the record.
    ``defaults`` fill fields the record neither states nor implies (e.g. species for a cat-food export)."""

    unknown_terms: Literal["error", "ignore"] = "error"
    derive: bool = True
    defaults: Mapping[str, Any] = field(default_factory=dict)
    currency: str = "USD"
    # brands the catalog knows: a record without a brand whose title starts with one of them gets it
    known_brands: tuple[str, ...] = ()


STRICT = DenormalizeOptions()


def _text(value: Any) -> str:
    if is_empty(value):
        return ""
    text = str(value)
    if "<" in text and ">" in text:
        return strip_html(text)
    if "  " in text or "\n" in text or "\t" in text or "\xa0" in text:
        text = _WS.sub(" ", text)
    return text.strip()


def _terms(values: Any) -> list[str]:
    if is_empty(values):
        return []
    if isinstance(values, (list, tuple)):
        return split_list(values)
    text = str(values).strip()
    if text.startswith("["):
        return split_list(text)
    return [t for t in _LIST_SPLIT.split(text) if t]


def _vocab_value(name: str, raw: Any, options: DenormalizeOptions) -> str | None:
    """A scalar vocabulary field: exact phrase, then a phrase inside (e.g. "Dry Food, Kibble")."""
    if is_empty(raw):
        return None
    phrase = str(raw).strip()
    value = normalize(name, phrase)
    if value is not None:
        return value
    for part in _terms(phrase):
        value = normalize(name, part)
        if value is not None:
            return value
    raise RecordError(name, f"unknown value {phrase!r}")


def _features_and_conditions(
    record: Mapping[str, Any], options: DenormalizeOptions, title: str, description: str
) -> tuple[list[str], list[str]]:
    features: list[str] = []
    conditions: list[str] = []
    for source in ("special_features", "target_conditions"):
        for phrase in _terms(record.get(source)):
            feature = normalize("special_features", phrase)
            condition = normalize("target_conditions", phrase) if feature is None else None
            if feature is not None:
                if feature not in features:
                    features.append(feature)
            elif condition is not None:
                if condition not in conditions:
                    conditions.append(condition)
            else:
                derived_f = derive_terms("special_features", phrase)
                derived_c = derive_terms("target_conditions", phrase)
                if derived_f or derived_c:
                    features += [f for f in derived_f if f not in features]
                    conditions += [c for c in derived_c if c not in conditions]
                elif options.unknown_terms == "error" and normalize("food_type", phrase) is None:
                    raise RecordError(source, f"unknown value {phrase!r}")
    if options.derive:
        derived = derive_all(description, title=title)
        features += [f for f in derived["special_features"] if f not in features]
        conditions += [c for c in derived["target_conditions"] if c not in conditions]
    return features, conditions


def _life_stage(record: Mapping[str, Any], title: str, food_type: str, options: DenormalizeOptions) -> str:
    raw = record.get("life_stage")
    if not is_empty(raw):
        stages: list[str] = []
        for part in _terms(raw):
            value = normalize("life_stage", part)
            found = [value] if value else stages_in(part)
            if not found:
                raise RecordError("life_stage", f"unknown value {part!r}")
            stages += found
        combined = combine_stages(stages)
        assert combined is not None
        return combined
    derived = derive_life_stage(title) if options.derive else None
    if derived:
        return derived
    if "life_stage" in options.defaults:
        return str(options.defaults["life_stage"])
    return "all" if food_type in ("treat", "topper") else "adult"


def brand_from_title(title: str, brands: Sequence[str]) -> str | None:
    """The longest known brand the title starts with, as a whole word ("Tiki Cat Luau" -> "Tiki Cat")."""
    lowered = title.lower()
    best: str | None = None
    for b in brands:
        low = b.lower()
        if low and lowered.startswith(low) and (len(lowered) == len(low) or not lowered[len(low)].isalnum()):
            if best is None or len(b) > len(best):
                best = b
    return best


def warn(record: Mapping[str, Any], field: str, message: str) -> None:
    """A problem that does not cost the product: logged with the product's id and the field."""
    logger.warning("product %s: %s: %s", record.get("id", "?"), field, message)


def _breed_size(record: Mapping[str, Any], species: str, title: str, options: DenormalizeOptions) -> str | None:
    if species != "dog":
        return None
    raw = record.get("breed_size")
    if not is_empty(raw):
        sizes = {normalize("breed_size", p) for p in _terms(raw)}
        if None in sizes:
            # breed size is optional: an unknown phrase never costs the product, it is reported as a warning
            unknown = [p for p in _terms(raw) if normalize("breed_size", p) is None]
            warn(record, "breed_size", f"unknown value(s) {', '.join(map(repr, unknown))} ignored")
            sizes.discard(None)
        return _one_breed_size({s for s in sizes if s is not None}) or _from_title_size(title, options)
    return _from_title_size(title, options)


_SIZE_ORDER = ("toy", "small", "medium", "large", "giant")


def _one_breed_size(sizes: set[str]) -> str | None:
    """One value for the sizes a product states: "all" for all or three sizes and more; for two, the one nearer
    the middle ("extra small & toy breeds, small breeds" is a small-breed food, "large, giant" a large-breed one)."""
    if not sizes:
        return None
    if "all" in sizes or len(sizes) >= 3:
        return "all"
    if len(sizes) == 1:
        return next(iter(sizes))
    return min(sizes, key=lambda s: (abs(_SIZE_ORDER.index(s) - 2), _SIZE_ORDER.index(s)))


def _from_title_size(title: str, options: DenormalizeOptions) -> str | None:
    m = _BREED.search(normalize_text(title)) if options.derive else None
    return m.group(1) if m else None


def _nutrition(record: Mapping[str, Any]) -> NutritionalInfo:
    raw = record.get("nutritional_info")
    source: dict[str, Any] = dict(parse_mapping(raw)) if not is_empty(raw) else {}
    for key in NUTRITION_FIELDS:
        flat = record.get(key, record.get(f"nutritional_info.{key}"))
        if not is_empty(flat):
            source[key] = flat
    values: dict[str, float | None] = {}
    for key in ("kcal", "nutritional_info.kcal"):
        if not is_empty(record.get(key)):
            values.update(_kcal(record[key], key))
    if not is_empty(source.get("kcal")):
        values.update(_kcal(source.pop("kcal"), "nutritional_info.kcal"))
    for key, value in source.items():
        if key not in NUTRITION_FIELDS:
            raise RecordError(f"nutritional_info.{key}", "unknown field")
        try:
            if key.startswith("kcal"):
                parsed = (
                    _kcal(value, key).get(key) if isinstance(value, str) and "kcal" in value else parse_float(value)
                )
            else:
                parsed = parse_percent(value)
        except ValueError as exc:
            raise RecordError(f"nutritional_info.{key}", str(exc)) from None
        if parsed is not None:
            values[key] = parsed
    try:
        return NutritionalInfo(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise RecordError(f"nutritional_info.{loc}", err["msg"]) from None


def _kcal(value: Any, key: str) -> dict[str, float]:
    try:
        return {k: round(v, 1) for k, v in parse_kcal(value).items()}
    except ValueError as exc:
        raise RecordError(key, str(exc)) from None


def _datetime(value: Any, name: str) -> datetime | None:
    if is_empty(value):
        return None
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise RecordError(name, f"not an ISO date-time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _canonical_keys(record: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        k = str(key).strip()
        k = ALIASES.get(k, k)
        if k in PRODUCT_FIELDS or k in ("package_weight", "kcal") or k.startswith("nutritional_info."):
            if k not in out or is_empty(out[k]):
                out[k] = value
        elif k in NUTRITION_FIELDS:
            out[k] = value
        else:
            raise RecordError(k, "unknown field")
    return out


def denormalize(record: Mapping[str, Any], options: DenormalizeOptions = STRICT) -> Product:
    """One raw record -> a validated Product (see the module docstring). Raises RecordError naming the field."""
    r = _canonical_keys(record)

    pid = r.get("id")
    if is_empty(pid):
        raise RecordError("id", "missing")
    pid = str(int(pid) if isinstance(pid, float) and pid.is_integer() else pid).strip()
    title = _text(r.get("title"))
    if not title:
        raise RecordError("title", "missing")
    description = _text(r.get("description"))
    brand = _text(r.get("brand"))
    brand = re.sub(r"^by\s+", "", brand, flags=re.IGNORECASE)
    if not brand and options.known_brands:
        brand = brand_from_title(title, options.known_brands) or ""
    if not brand and "brand" in options.defaults:
        brand = str(options.defaults["brand"])

    # species
    species = _vocab_value("species", r.get("species"), options)
    if species is None and options.derive:
        species = derive_species(title) or derive_species(description)
    if species is None:
        species = options.defaults.get("species")
    if species is None:
        raise RecordError("species", "missing, and neither the title nor the description names dog or cat")

    # food type: stated, else from the title; toppers and treats filed under food are corrected by the title
    raw_type = r.get("food_type")
    food_type = None
    if not is_empty(raw_type):
        food_type = normalize("food_type", str(raw_type)) or derive_food_type(str(raw_type))
        if food_type is None and (options.unknown_terms == "error" or not options.derive):
            raise RecordError("food_type", f"unknown value {str(raw_type).strip()!r}")
    if food_type is None and options.derive:
        food_type = derive_food_type(title)
        if food_type is None and not is_empty(raw_type):
            raise RecordError("food_type", f"unknown value {str(raw_type).strip()!r}")
        food_type = food_type or derive_food_type(description)
    if food_type is None:
        food_type = options.defaults.get("food_type")
    if food_type is None:
        raise RecordError("food_type", "missing, and the title does not say (dry, wet, raw, treat…)")
    if food_type in ("dry", "wet") and options.derive:
        food_type = title_food_type_override(title) or food_type

    life_stage = _life_stage(r, title, food_type, options)

    # price and sizes
    try:
        price_currency = parse_price(r.get("price"))
    except ValueError as exc:
        raise RecordError("price", str(exc)) from None
    if price_currency is None:
        raise RecordError("price", "missing")
    price, parsed_currency = price_currency
    currency = _text(r.get("currency")).upper() or parsed_currency or options.currency
    size = _text(r.get("size")) or size_from_title(title) or ""
    try:
        weight = parse_weight_kg(r.get("package_weight_kg"))
        if weight is None:
            weight = parse_weight_kg(size) or parse_weight_kg(r.get("package_weight"))
    except ValueError as exc:
        raise RecordError("package_weight_kg", str(exc)) from None
    try:
        price_per_kg = parse_float(r.get("price_per_kg"))
    except ValueError as exc:
        raise RecordError("price_per_kg", str(exc)) from None
    if price_per_kg is None and weight:
        price_per_kg = round(price / weight, 2)

    availability = r.get("availability")
    if isinstance(availability, bool):
        availability = "in_stock" if availability else "out_of_stock"
    availability = _vocab_value("availability", availability, options) or "in_stock"

    try:
        rating = parse_float(r.get("rating"))
    except ValueError as exc:
        raise RecordError("rating", str(exc)) from None
    try:
        review_count = parse_int(r.get("review_count")) or 0
    except ValueError as exc:
        raise RecordError("review_count", str(exc)) from None

    ingredients = parse_ingredients(r.get("ingredients"))
    nutrition = _nutrition(r)
    features, conditions = _features_and_conditions(r, options, title, description)
    breed_size = _breed_size(r, species, title, options)
    texture = _text(r.get("texture")).lower() or None
    now = datetime.now(UTC)
    created_at = _datetime(r.get("created_at"), "created_at") or now
    updated_at = _datetime(r.get("updated_at"), "updated_at") or created_at

    fields: dict[str, Any] = dict(
        id=pid,
        title=title,
        description=description,
        brand=brand,
        species=species,
        life_stage=life_stage,
        food_type=food_type,
        size=size,
        price=round(price, 2),
        currency=currency,
        availability=availability,
        rating=rating,
        review_count=review_count,
        ingredients=ingredients,
        nutritional_info=nutrition,
        special_features=features,
        target_conditions=conditions,
        searchable_text=build_searchable_text(
            title=title,
            brand=brand,
            species=species,
            life_stage=life_stage,
            food_type=food_type,
            description=description,
            ingredients=ingredients,
            special_features=features,
            target_conditions=conditions,
            breed_size=breed_size,
            texture=texture,
        ),
        created_at=created_at,
        updated_at=updated_at,
        image_url=_text(r.get("image_url")) or None,
        url=_text(r.get("url")) or None,
        breed_size=breed_size,
        product_line=_text(r.get("product_line")) or derive_product_line(brand, title),
        texture=texture,
        package_weight_kg=round(weight, 3) if weight else None,
        price_per_kg=price_per_kg,
    )
    try:
        return Product(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or None
        raise RecordError(loc, err["msg"]) from None
