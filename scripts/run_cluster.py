"""`make run-cluster`: the one-machine production topology, from the project's own files.

nginx (http://127.0.0.1:8080, no sticky sessions) in front of three `aya serve` workers sharing one PostgreSQL for
threads, attachments metadata, turn locks and rate counters, and one data dir for the catalog and attachment files.
PostgreSQL is `AYA_DATABASE_URL` when set, else a throwaway server started here (tests/services/postgres.py) and
removed at the end. The catalog lives in a local OpenSearch node started here (`aya.search.opensearch_node`, data
under <data dir>/opensearch-cluster) when Java is there (`--opensearch off` keeps the shared SQLite catalog), or in
the cluster `AYA_OPENSEARCH_URL` names. Ctrl-C (or SIGTERM) stops everything gracefully.

    .venv/bin/python scripts/run_cluster.py [--workers 3] [--port 8080] [--data-dir data] [--opensearch auto|on|off]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.services.cluster import LocalCluster

PASSED_ON = ("AYA_SEARCH_BACKEND", "AYA_OPENSEARCH_URL", "AYA_OPENSEARCH_INDEX", "AYA_EMBEDDER", "AYA_MODEL_PROVIDER",
             "AYA_MODEL", "AYA_MODEL_BASE_URL", "AYA_SAMPLE_CATALOG_SIZE", "AYA_LOG_LEVEL")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("AYA_DATA_DIR", "data")))
    parser.add_argument("--opensearch", choices=("auto", "on", "off"), default="auto")
    args = parser.parse_args()
    env = {k: os.environ[k] for k in PASSED_ON if k in os.environ}
    node = None
    wanted = args.opensearch == "on" or (args.opensearch == "auto" and shutil.which("java") is not None)
    if "AYA_OPENSEARCH_URL" not in env and wanted:
        from aya.search.opensearch_node import start_node

        print("starting a local OpenSearch node (data under the data dir) …", flush=True)
        node = start_node(args.data_dir.resolve() / "opensearch-cluster", name="aya-cluster-node")
        env.update(AYA_SEARCH_BACKEND="opensearch", AYA_OPENSEARCH_URL=node.url)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    cluster = LocalCluster(
        args.data_dir.resolve(),
        workers=args.workers,
        port=args.port,
        database_url=os.environ.get("AYA_DATABASE_URL"),
        env=env,
    )
    try:
        with cluster:
            print(f"\nAya cluster: {cluster.url}  (nginx → {args.workers} workers; Ctrl-C stops everything)")
            for n, worker in enumerate(cluster.workers, 1):
                print(f"  worker {n}: {worker.url}  (metrics {worker.url}/metrics, log {worker.log})")
            print(f"  PostgreSQL: {cluster.database_url}", flush=True)
            print(f"  catalog: {env.get('AYA_OPENSEARCH_URL') or 'SQLite in ' + str(args.data_dir)}", flush=True)
            stop.wait()
            print("stopping: streams in flight get AYA_SHUTDOWN_TIMEOUT_S to finish", flush=True)
    finally:
        if node is not None:
            node.stop()


if __name__ == "__main__":
    main()
