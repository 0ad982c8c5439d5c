"""``aya serve --workers 2``: two uvicorn worker processes on one port, each with its own settings and resources;
``/metrics`` adds up both (Prometheus multiprocess mode); a worker killed with -9 is replaced; SIGTERM stops all."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.services.cluster import AyaWorker

from .conftest import worker_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def healthz_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "aya_http_request_duration_seconds_count" and sample.labels.get("route") == "/healthz":
                return sample.value
    return 0.0


def test_serve_with_two_workers(postgres_dsn: str, catalog_data_dir: Path, tmp_path: Path) -> None:
    import shutil

    data_dir = tmp_path / "data"
    shutil.copytree(catalog_data_dir, data_dir)
    env = worker_env(data_dir, f"{postgres_dsn}?schema=aya_workers_{os.getpid()}")
    server = AyaWorker(env, log=tmp_path / "serve.log", workers=2).start()
    try:
        server.wait_ready()
        deadline = time.monotonic() + 120
        while len(server.pids()) < 2 or not all(Path(f"/proc/{p}").exists() for p in server.pids()):
            assert time.monotonic() < deadline, server.tail()
            time.sleep(0.2)
        first = server.pids()
        with httpx.Client(base_url=server.url, timeout=10) as http:
            before = healthz_count(http.get("/metrics").text)
            for _ in range(20):
                assert http.get("/healthz").status_code == 200
            # the 20 requests went to either worker; any worker's /metrics counts all of them
            assert healthz_count(http.get("/metrics").text) - before == 20

            os.kill(first[0], signal.SIGKILL)
            deadline = time.monotonic() + 120
            while True:  # the supervisor starts a new worker in its place
                pids = server.pids()
                if len(pids) == 2 and first[0] not in pids and http.get("/readyz").status_code == 200:
                    break
                assert time.monotonic() < deadline, f"no replacement worker: {pids}\n{server.tail()}"
                time.sleep(0.5)
            assert all(http.get("/healthz").status_code == 200 for _ in range(10))
        server.terminate()
        assert server.proc is not None
        server.proc.wait(timeout=60)
        assert not [p for p in server.pids_alive(first + pids)], "a worker outlived its supervisor"
    finally:
        server.stop(timeout=30)
