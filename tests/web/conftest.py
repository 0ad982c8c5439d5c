"""Browser test fixtures: the real app served by ``aya serve`` (uvicorn, real HTTP) over a small sample catalog, and
Debian's headless Chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DIST = REPO_ROOT / "frontend" / "dist"
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
CHROMIUM = Path(os.environ.get("AYA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 180.0) -> None:
    """Poll /healthz until the server answers (start-up readiness, not a timing assumption of the tests)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"aya serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"aya serve did not become ready in {timeout_s}s:\n{log.read_text()[-3000:]}")


@contextmanager
def serve(catalog_data_dir: Path, root: Path, **env_overrides: str) -> Iterator[LiveServer]:
    """``aya serve`` on a free port, offline model, over a private copy of the 300-product sample catalog."""
    if not (DIST / "index.html").is_file():
        pytest.skip(f"the web app is not built ({DIST}): run `make install` (npm ci && npm run build in frontend/)")
    data = root / "data"
    shutil.copytree(catalog_data_dir, data)
    port = _free_port()
    log = root / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AYA_", "OPENAI_"))}
    env.update(
        AYA_DATA_DIR=str(data),
        AYA_FRONTEND_DIST=str(DIST),
        AYA_MODEL_PROVIDER="offline",
        AYA_LOG_LEVEL="WARNING",
        OPENAI_BASE_URL="http://127.0.0.1:9/blocked-in-tests",
        OPENAI_AGENTS_DISABLE_TRACING="1",
        **env_overrides,
    )
    aya = Path(sys.executable).with_name("aya")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(aya), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-sample"],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc, log)
        yield LiveServer(url=url, data_dir=data, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def live_server(catalog_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app as `make run` serves it (development identity, builtin UI)."""
    with serve(catalog_data_dir, tmp_path_factory.mktemp("web")) as server:
        yield server


def require_chromium() -> None:
    """The browser tests' one check for the system Chromium: a skip on a developer's machine without it, a failure in
    CI (CI set), where a missing browser is a missing install step, never a pass."""
    if CHROMIUM.exists():
        return
    message = f"headless Chromium not found at {CHROMIUM}: run `make install-system` (Debian package chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Any:
    """``shot(page, "name")`` saves a screenshot under tests/artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return save
