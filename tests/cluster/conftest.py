"""A real two-worker cluster for the cluster tests: two ``aya serve`` processes sharing one data dir (the 300-product
sample catalog) and one PostgreSQL schema, and nginx in front of them. Built once per module; every process it starts
is stopped at the end."""

from __future__ import annotations

import secrets
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.services.cluster import REPO_ROOT, AyaWorker, Nginx


@dataclass
class Cluster:
    workers: list[AyaWorker]
    nginx: Nginx
    database_url: str
    data_dir: Path


ADMIN = "cluster-admin"


def worker_env(data_dir: Path, database_url: str) -> dict[str, str]:
    return {
        "AYA_DATA_DIR": str(data_dir),
        "AYA_DATABASE_URL": database_url,
        "AYA_MODEL_PROVIDER": "offline",
        "AYA_EMBEDDER": "none",  # keyword search: the workers start in seconds, and the test is about coordination
        "AYA_LOG_LEVEL": "WARNING",
        "AYA_SHUTDOWN_TIMEOUT_S": "10",
        "AYA_ADMIN_USERS": ADMIN,  # manages the MCP servers (in dev mode, from loopback)
        # rate limits count across the workers (PostgreSQL): room for the tests' conversations, a tight one to test
        "AYA_MESSAGE_RATE_PER_USER": "1000/minute",
        "AYA_ATTACHMENT_RATE_PER_USER": "3/minute",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/blocked-in-tests",
        "OPENAI_AGENTS_DISABLE_TRACING": "1",
    }


@pytest.fixture(scope="module")
def cluster(postgres_dsn: str, catalog_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("cluster")
    data_dir = root / "data"
    shutil.copytree(catalog_data_dir, data_dir)
    # an external MCP server, disabled: enabling it on one worker must reach the other
    echo = REPO_ROOT / "tests" / "mcp" / "echo_server.py"
    (data_dir / "mcp_servers.toml").write_text(
        f'[servers.echo]\ncommand = "{Path(sys.executable).as_posix()}"\n'
        f'args = ["{echo.as_posix()}"]\nenabled = false\n'
    )
    database_url = f"{postgres_dsn}?schema=aya_cluster_{secrets.token_hex(4)}"
    env = worker_env(data_dir, database_url)
    workers = [AyaWorker(env, log=root / f"worker{n}.log") for n in range(2)]
    nginx: Nginx | None = None
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.wait_ready()
        nginx = Nginx([f"127.0.0.1:{w.port}" for w in workers]).start()
        yield Cluster(workers, nginx, database_url, data_dir)
    finally:
        if nginx is not None:
            nginx.stop()
        for worker in workers:
            worker.stop(timeout=20)
