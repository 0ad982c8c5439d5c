"""Shared fixtures. Tests use real SQLite files in tmp dirs, real HTTP, and a real PostgreSQL they start themselves."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from aya.core.settings import Settings
from aya.search.models import ProductSearch

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("AYA_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


def pytest_configure(config: pytest.Config) -> None:
    # httpx's in-process clients call the app "testserver" (or "aya.test"): names of the test harness, served like
    # localhost (set for the whole session, so module-scoped apps see it too). tests/security removes it and checks
    # the default list; servers started as subprocesses get no AYA_* variables at all.
    os.environ.setdefault("AYA_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver,aya.test")


@pytest.fixture(autouse=True)
def _no_real_model_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never reach the OpenAI API: no key from the environment, and the client's base URL is unroutable."""
    for var in ("OPENAI_API_KEY", "AYA_OPENAI_API_KEY", "AYA_MODEL_PROVIDER", "AYA_DATABASE_URL", "AYA_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/blocked-in-tests")
    monkeypatch.setenv("AYA_OPENAI_BASE_URL", "http://127.0.0.1:9/blocked-in-tests")  # Aya's clients use this one
    monkeypatch.setenv("OPENAI_AGENTS_DISABLE_TRACING", "1")
    yield


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """A real PostgreSQL for the session: ``AYA_TEST_DATABASE_URL`` when set, else a throwaway server that the tests
    start themselves (own cluster in a temp dir, free port) and stop at the end. Never skipped: a missing server is an
    install error (`make install` installs Debian's postgresql)."""
    url = os.environ.get("AYA_TEST_DATABASE_URL")
    if url:
        yield url
        return
    from tests.services.postgres import PostgresServer

    with PostgresServer() as server:
        yield server.dsn


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
        pytest.skip(
            f"shared data not found at {SHARED_DATA}: these tests read the real Chewy catalogs from ../shared/data"
        )
    return SHARED_DATA


# --- a populated catalog (search helper) ---------------------------------------------------------------------------
CATALOG_FIXTURE_SIZE = 300


@pytest.fixture(scope="session")
def catalog_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir built ONCE per session: the first 300 sample products (seed 7) ingested into the real SQLite +
    tantivy search, with real MiniLM embeddings (≈ 170 distinct texts; cached across sessions). Read-only: use
    ``catalog_settings`` / ``catalog_search``, which work on a private copy."""
    import asyncio

    from aya.catalog.sample import generate_sample_catalog
    from aya.search.ingest import ingest_products
    from aya.search.progressive import ProgressiveSearch
    from aya.search.sqlite_backend import SqliteProductSearch

    root = tmp_path_factory.mktemp("catalog") / "data"
    root.mkdir()
    settings = Settings(data_dir=root, _env_file=None)  # type: ignore[call-arg]
    # the embedding cache (keyed by model and text hash, so results are identical) outlives the session: later
    # runs skip the model
    cache = tmp_path_factory.getbasetemp().parent / "aya-test-embeddings.sqlite3"

    async def build() -> None:
        search = ProgressiveSearch(await SqliteProductSearch.open(settings, cache_path=cache))
        try:
            await ingest_products(search, generate_sample_catalog(CATALOG_FIXTURE_SIZE, 7))
        finally:
            await search.aclose()

    asyncio.run(build())
    return root


@pytest.fixture
def catalog_settings(catalog_data_dir: Path, tmp_path: Path) -> Settings:
    """Settings whose data dir is a private copy of the session's built catalog (300 sample products with
    embeddings): tests may write to it. Pass them to ``create_app(...)`` for a served, populated catalog."""
    import shutil

    data = tmp_path / "catalog-data"
    shutil.copytree(catalog_data_dir, data)
    return Settings(data_dir=data, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def catalog_search(catalog_settings: Settings) -> AsyncIterator[ProductSearch]:
    """An open ``ProductSearch`` (what ``open_search`` returns: progressive strategy over the SQLite backend) over a
    private copy of the 300-product sample catalog with MiniLM embeddings. Closed after the test."""
    from aya.search.factory import open_search

    search = await open_search(catalog_settings)
    try:
        yield search
    finally:
        await search.aclose()
