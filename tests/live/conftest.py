"""The live OpenAI smoke suite: real requests to OpenAI with the store's key, run once by hand, never in CI.

Deselected by default (``-m "not live"`` in the pytest addopts). Run it with the key in the environment::

    OPENAI_API_KEY=sk-... .venv/bin/pytest -m live tests/live

Selected without a key, it fails at once saying so (it never skips: a skipped smoke test proves nothing).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

LIVE_KEY = os.environ.get("OPENAI_API_KEY", "")  # read before the autouse fixture below would hide it


@pytest.hookimpl(trylast=True)  # after `-m` deselected: `items` are the tests that will run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    live = [item for item in items if item.get_closest_marker("live")]
    if live and not LIVE_KEY:
        raise pytest.UsageError("the live OpenAI suite needs OPENAI_API_KEY (see tests/live/conftest.py)")


@pytest.fixture(autouse=True)
def _no_real_model_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Overrides the suite-wide block on real OpenAI calls: these tests are the real calls (nothing else leaks in)."""
    for var in ("AYA_MODEL_PROVIDER", "AYA_DATABASE_URL", "AYA_DATA_DIR", "OPENAI_BASE_URL", "AYA_OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAI_AGENTS_DISABLE_TRACING", "1")
    yield
