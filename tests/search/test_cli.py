"""``aya search`` over the populated sample catalog: table, JSON, and clear errors with exit code 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from aya.cli.main import app
from aya.core.settings import Settings


@pytest.fixture
def runner(catalog_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("AYA_DATA_DIR", str(catalog_settings.data_dir))
    return CliRunner()


def test_search_json(runner: CliRunner) -> None:
    res = runner.invoke(
        app,
        ["search", "salmn", "--species", "cat", "--feature", "grain free", "--k", "3", "--mode", "keyword", "--json"],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["corrected_text"] == "salmon" and 1 <= len(data["hits"]) <= 3
    for hit in data["hits"]:
        assert hit["product"]["species"] == "cat" and "grain_free" in hit["product"]["special_features"]


def test_search_table(runner: CliRunner) -> None:
    res = runner.invoke(app, ["search", "chicken", "--species", "dog", "--sort", "price", "--k", "2"])
    assert res.exit_code == 0, res.output
    assert "products" in res.stdout and "$" in res.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--species", "horse"], "--species"),
        (["--sort", "cheapest"], "--sort"),
        (["--feature", "crunchy"], "--special-features"),
        (["--price-min", "50", "--price-max", "10"], "price_min must not exceed price_max"),
    ],
)
def test_bad_values_exit_2(runner: CliRunner, args: list[str], message: str) -> None:
    res = runner.invoke(app, ["search", "food", *args])
    assert res.exit_code == 2
    assert message in res.stderr
