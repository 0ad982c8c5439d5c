"""Importers: canonical JSONL / JSON array / CSV, the normalized tables, mapped retailer exports; bad rows come out
as rejects with file, line and reason, and the good rows still come through."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aya.catalog.importers import (
    Reject,
    SourceError,
    detect_format,
    load_mapping,
    read_canonical,
    read_mapped,
    read_normalized,
    read_source,
)
from aya.catalog.models import Product
from aya.catalog.sample import generate_sample_catalog

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def split(items: object) -> tuple[list[Product], list[Reject]]:
    products, rejects = [], []
    for item in items:  # type: ignore[attr-defined]
        (rejects if isinstance(item, Reject) else products).append(item)
    return products, rejects


def test_examples_import_cleanly() -> None:
    for path in (EXAMPLES / "products.jsonl", EXAMPLES / "products.csv", EXAMPLES / "normalized"):
        products, rejects = split(read_source(path))
        assert products and not rejects, (path, rejects)


def test_canonical_jsonl_normalizes_raw_phrases() -> None:
    products, _ = split(read_canonical(EXAMPLES / "products.jsonl"))
    by_id = {p.id: p for p in products}
    salmon = by_id["ex-001"]
    assert (salmon.species, salmon.life_stage, salmon.food_type, salmon.price) == ("dog", "adult", "dry", 64.99)
    assert salmon.special_features == ["grain_free", "high_protein"]
    assert salmon.nutritional_info.protein_min == 30.0
    assert salmon.price_per_kg == pytest.approx(64.99 / (24 * 0.45359237), abs=0.01)
    kitten = by_id["ex-002"]
    assert (kitten.species, kitten.food_type, kitten.nutritional_info.kcal_per_kg) == ("cat", "wet", 1020.0)
    renal = by_id["ex-003"]
    assert renal.special_features == ["prescription", "low_protein"]
    assert renal.target_conditions == ["kidney_support"]


def test_canonical_csv_lists_and_nutrition_columns() -> None:
    products, _ = split(read_canonical(EXAMPLES / "products.csv"))
    senior, indoor = products
    assert senior.life_stage == "senior" and senior.food_type == "dry"
    assert senior.special_features == ["natural", "non_gmo"]
    assert senior.target_conditions == ["joint_support"]
    assert senior.nutritional_info.protein_min == 24.0
    assert indoor.target_conditions == ["hairball_control", "indoor"]


def test_sample_round_trips_through_jsonl(tmp_path: Path) -> None:
    originals = list(generate_sample_catalog(200, 5))
    path = tmp_path / "sample.jsonl"
    path.write_text("".join(p.model_dump_json() + "\n" for p in originals), encoding="utf-8")
    products, rejects = split(read_canonical(path))
    assert not rejects
    assert [p.model_dump() for p in products] == [p.model_dump() for p in originals]


def test_json_array_reports_the_line_each_bad_item_starts_on(tmp_path: Path) -> None:
    path = tmp_path / "products.json"
    good = {"id": "a1", "title": "Acme Puppy Chicken Dry Dog Food", "price": "$10"}
    path.write_text(
        "[\n"
        + json.dumps(good)
        + ",\n"
        + '{"id": "a2",\n "title": "Acme Cat Food Pate", "price": "free"},\n'
        + "5,\n"
        + json.dumps({**good, "id": "a3"})
        + "\n]\n",
        encoding="utf-8",
    )
    products, rejects = split(read_canonical(path))
    assert [p.id for p in products] == ["a1", "a3"]
    assert [(r.line, r.reason) for r in rejects] == [
        (3, "price: not a price: 'free'"),
        (5, "expected a JSON object, got int"),
    ]
    assert rejects[0].file == str(path) and rejects[0].id == "a2"


def test_bad_rows_in_jsonl_and_csv(tmp_path: Path) -> None:
    jsonl = tmp_path / "p.jsonl"
    jsonl.write_text(
        '{"id": "1", "title": "A Dog Food Dry", "price": 5}\n'
        "{not json\n"
        "\n"
        '{"id": "3", "title": "A Dog Food Dry", "price": 5, "species": "hamster"}\n'
        '{"id": "4", "title": "A Dog Food Dry", "price": 5, "special_features": ["Grain-Free", "sparkly"]}\n',
        encoding="utf-8",
    )
    products, rejects = split(read_canonical(jsonl))
    assert [p.id for p in products] == ["1"]
    assert [str(r) for r in rejects] == [
        f"{jsonl}:2: invalid JSON: Expecting property name enclosed in double quotes (column 2)",
        f"{jsonl}:4: species: unknown value 'hamster'",
        f"{jsonl}:5: special_features: unknown value 'sparkly'",
    ]
    csv_path = tmp_path / "p.csv"
    csv_path.write_text(
        'id,title,price,description\n1,A Cat Food Dry,5,"two\nlines"\n2,A Cat Food Dry,-3,x\n3,A Cat Food Dry\n',
        encoding="utf-8",
    )
    products, rejects = split(read_canonical(csv_path))
    assert [p.id for p in products] == ["1"]
    assert [(r.line, r.reason) for r in rejects] == [
        (4, "price: negative price: '-3'"),
        (5, "expected 4 columns, found 2"),
    ]


def test_normalized_layout_joins_and_aggregates_reviews() -> None:
    products, rejects = split(read_normalized(EXAMPLES / "normalized"))
    assert not rejects
    by_id = {p.id: p for p in products}
    assert len(by_id) == 5
    bison = by_id["nx-1"]
    assert bison.brand == "Oak & Ember"
    assert (bison.rating, bison.review_count) == (4.5, 2)
    assert bison.ingredients[:2] == ["Bison", "Lamb Meal"]
    assert bison.nutritional_info.kcal_per_kg == 3620 and bison.nutritional_info.kcal_per_cup == 420
    assert bison.breed_size == "large"
    assert by_id["nx-4"].target_conditions == ["urinary_health"]
    assert (by_id["nx-4"].rating, by_id["nx-4"].review_count) == (4.67, 3)
    assert by_id["nx-5"].ingredients[0] == "Salmon"  # ordered by position, not file order
    assert by_id["nx-2"].target_conditions == ["food_allergies"]
    assert "prescription" in by_id["nx-2"].special_features
    assert by_id["nx-5"].review_count == 0 and by_id["nx-5"].rating is None


def test_normalized_layout_rejects_orphans_and_bad_reviews(tmp_path: Path) -> None:
    d = tmp_path / "norm"
    shutil.copytree(EXAMPLES / "normalized", d)
    with (d / "reviews.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"id": "r8", "product_id": "nx-9", "rating": 5}\n')
        fh.write('{"id": "r9", "product_id": "nx-1", "rating": 11}\n')
    with (d / "products.csv").open("a", encoding="utf-8") as fh:
        fh.write("nx-6,b7,Ghost Brand Dry Dog Food,,dog,adult,dry,$5,,,,\n")
    with (d / "nutrition.csv").open("a", encoding="utf-8") as fh:
        fh.write("nx-1,40,20,4,10,\n")
    products, rejects = split(read_normalized(d))
    assert len(products) == 5
    assert next(p for p in products if p.id == "nx-1").review_count == 2  # the bad review is not counted
    reasons = {(Path(r.file).name, r.line, r.reason) for r in rejects}
    assert reasons == {
        ("products.csv", 7, "brand_id: no such brand 'b7'"),
        ("nutrition.csv", 7, "product_id: second nutrition row for 'nx-1'"),
        ("reviews.jsonl", 8, "product_id: no such product 'nx-9'"),
        ("reviews.jsonl", 9, "rating: must be 1-5, got 11"),
    }


def test_mapped_retailer_export() -> None:
    mapping = load_mapping(EXAMPLES / "retailer" / "mapping.toml")
    products, rejects = split(read_mapped(EXAMPLES / "retailer" / "export.tsv", mapping))
    assert [p.id for p in products] == ["prairie-A-100", "prairie-A-101"]
    puppy, senior = products
    assert (puppy.brand, puppy.species, puppy.life_stage, puppy.food_type) == ("Prairie Dog Co.", "dog", "puppy", "dry")
    assert (puppy.price, puppy.package_weight_kg) == (39.99, pytest.approx(13.608))
    assert puppy.special_features == ["grain_free", "high_protein"]
    assert puppy.nutritional_info.protein_min == 28.0 and puppy.nutritional_info.kcal_per_cup == 410
    assert senior.target_conditions == ["sensitive_stomach"]
    assert senior.package_weight_kg == pytest.approx(13 * 12 * 0.45359237 / 16, abs=1e-3)
    assert [(r.line, r.reason) for r in rejects] == [(4, "price: not a price: 'call for price'")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[fields]\ntitle = 'name'\n", "fields.id is required"),
        ("[fields]\nid = 'sku'\ntitle = 'name'\ncolour = 'c'\n", "unknown product field(s): colour"),
        ("[fields]\nid = 'sku'\ntitle = { column = 'name', parse = 'magic' }\n", "fields.title.parse"),
        ("[fields\n", "invalid TOML"),
    ],
)
def test_bad_mapping_files_are_usage_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_mapping(path)


def test_mapping_naming_a_missing_column_stops_before_any_row(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text("[fields]\nid = 'sku'\ntitle = 'nom'\n", encoding="utf-8")
    with pytest.raises(SourceError, match="not in the file: nom"):
        list(read_mapped(EXAMPLES / "retailer" / "export.tsv", load_mapping(path)))


def test_format_detection(tmp_path: Path) -> None:
    assert detect_format(EXAMPLES / "normalized") == "normalized"
    assert detect_format(EXAMPLES / "products.jsonl") == "canonical"
    mapping = load_mapping(EXAMPLES / "retailer" / "mapping.toml")
    assert detect_format(EXAMPLES / "retailer" / "export.tsv", mapping) == "mapped"
    with pytest.raises(SourceError, match="products table"):
        detect_format(tmp_path)
    with pytest.raises(SourceError, match="no such file"):
        detect_format(tmp_path / "missing.jsonl")
    (tmp_path / "x.xml").write_text("<x/>")
    with pytest.raises(SourceError, match="--format"):
        detect_format(tmp_path / "x.xml")


def test_json_object_with_products_and_tsv(tmp_path: Path) -> None:
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(
        json.dumps({"products": [{"id": "w1", "title": "Acme Kitten Pate Wet Cat Food", "price": 2}, "oops"]}),
        encoding="utf-8",
    )
    products, rejects = split(read_canonical(wrapped))
    assert [p.id for p in products] == ["w1"] and [r.line for r in rejects] == [2]
    tsv = tmp_path / "p.tsv"
    tsv.write_text("id\ttitle\tprice\tspecial_features\nt1\tAcme Senior Dry Dog Food\t$3\tGrain-Free|Non-GMO\n")
    (product,) = read_canonical(tsv)
    assert isinstance(product, Product) and product.special_features == ["grain_free", "non_gmo"]
    assert product.life_stage == "senior"


def test_unreadable_sources_are_source_errors(tmp_path: Path) -> None:
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("id,title,price\n1,Pâté Wet Cat Food,2\n".encode("latin-1"))
    with pytest.raises(SourceError, match="not utf-8-sig text"):
        list(read_canonical(latin))
    truncated = tmp_path / "truncated.json"
    truncated.write_text('[{"id": "1", "title": "A Dry Dog Food", "price": 1}, {"id": ', encoding="utf-8")
    items = read_canonical(truncated)
    assert isinstance(next(items), Product)  # what came before the damage streams out; the caller decides
    with pytest.raises(SourceError, match="invalid JSON"):
        next(items)
