"""Shared fixtures. Tests use real SQLite files in tmp dirs, real HTTP, real PostgreSQL where reachable."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from aya.core.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("AYA_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def _no_real_model_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never reach the OpenAI API: no key from the environment, and the client's base URL is unroutable."""
    for var in ("OPENAI_API_KEY", "AYA_OPENAI_API_KEY", "AYA_MODEL_PROVIDER", "AYA_DATABASE_URL", "AYA_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/blocked-in-tests")
    monkeypatch.setenv("OPENAI_AGENTS_DISABLE_TRACING", "1")
    yield


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """Settings for an isolated test: its own data dir, offline model, no .env file."""
    return Settings(data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def shared_data() -> Path:
    """The real scraped catalogs in ../shared/data (never copied into the repo); skips when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}: these tests read the real Chewy catalogs from ../shared/data")
    return SHARED_DATA
