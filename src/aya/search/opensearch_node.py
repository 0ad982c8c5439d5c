"""Local OpenSearch nodes, one JVM each, from the launcher built by ``make install-opensearch`` (opensearch/pom.xml).

For development (``make opensearch``), the test fixture and the benchmarks; the app itself only ever talks to a URL.
Plain blocking code (subprocesses, ``urllib``): call it from fixtures and scripts, never from the event loop.

    python -m aya.search.opensearch_node --http-port 9200 --home data/opensearch   # one node, in the foreground
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

MAIN_CLASS = "aya.opensearch.AyaNode"
DEFAULT_NODE_DIR = Path(__file__).resolve().parents[3] / "opensearch" / "target"
DEFAULT_HEAP = "512m"


class NodeUnavailable(RuntimeError):
    """The node launcher is not built, Java is missing, or a node did not come up."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def java_command(settings: dict[str, str], *, heap: str = DEFAULT_HEAP, node_dir: Path = DEFAULT_NODE_DIR) -> list[str]:
    """The command line of one node: the launcher jar, its Maven dependencies and the k-NN plugin's jars."""
    java = shutil.which("java")
    if java is None:
        raise NodeUnavailable("java not found: run `make install-opensearch` (installs Java 17 and Maven)")
    jar = node_dir / "aya-opensearch-node.jar"
    if not jar.is_file():
        raise NodeUnavailable(f"{jar} not built: run `make install-opensearch`")
    classpath = os.pathsep.join([str(jar), str(node_dir / "lib" / "*"), str(node_dir / "knn" / "*")])
    return [
        java,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        "-Dfile.encoding=UTF-8",
        "-Dlog4j2.formatMsgNoLookups=true",
        "-cp",
        classpath,
        MAIN_CLASS,
        *(f"-E{k}={v}" for k, v in settings.items()),
    ]


def node_settings(
    home: Path,
    *,
    name: str,
    http_port: int,
    transport_port: int,
    cluster_name: str = "aya",
    seed_hosts: Sequence[str] = (),
    cluster_managers: Sequence[str] = (),
) -> dict[str, str]:
    """Settings of one node. Without ``seed_hosts`` it is a single-node cluster."""
    s = {
        "path.home": str(home),
        "path.data": str(home / "data"),
        "path.logs": str(home / "logs"),
        "node.name": name,
        "cluster.name": cluster_name,
        "http.port": str(http_port),
        "transport.port": str(transport_port),
    }
    if seed_hosts:
        s["discovery.seed_hosts"] = ",".join(seed_hosts)
        s["cluster.initial_cluster_manager_nodes"] = ",".join(cluster_managers)
    else:
        s["discovery.type"] = "single-node"
    return s


def http_json(url: str, *, timeout: float = 5.0) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return dict(json.loads(resp.read()))


@dataclass
class LocalNode:
    """One node: a JVM writing its log to ``home/node.log``."""

    name: str
    home: Path
    http_port: int
    transport_port: int
    settings: dict[str, str]
    heap: str = DEFAULT_HEAP
    node_dir: Path = DEFAULT_NODE_DIR
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def log_path(self) -> Path:
        return self.home / "node.log"

    def start(self) -> LocalNode:
        self.home.mkdir(parents=True, exist_ok=True)
        cmd = java_command(self.settings, heap=self.heap, node_dir=self.node_dir)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = 120.0, status: str = "yellow") -> None:
        """Wait until the node answers HTTP and its cluster is at least ``status``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise NodeUnavailable(f"node {self.name} exited; last log lines:\n{self.tail()}")
            try:
                health = http_json(f"{self.url}/_cluster/health?wait_for_status={status}&timeout=1s")
                if not health.get("timed_out"):
                    return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(0.5)
        raise NodeUnavailable(f"node {self.name} not ready in {timeout:.0f}s; last log lines:\n{self.tail()}")

    def tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (the node closes cleanly), SIGKILL if it does not stop in ``timeout`` seconds."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL: the node dies as in a crash (the failover test)."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None


def start_node(
    home: Path,
    *,
    http_port: int | None = None,
    transport_port: int | None = None,
    name: str = "aya-node",
    heap: str = DEFAULT_HEAP,
    node_dir: Path = DEFAULT_NODE_DIR,
    wait: float = 120.0,
) -> LocalNode:
    """Start a single-node cluster on free ports (or those given) and wait until it answers."""
    http_port = http_port or free_port()
    transport_port = transport_port or free_port()
    s = node_settings(home, name=name, http_port=http_port, transport_port=transport_port)
    node = LocalNode(name, home, http_port, transport_port, s, heap, node_dir).start()
    try:
        node.wait_ready(wait)
    except BaseException:
        node.stop()
        raise
    return node


def cluster_nodes(
    base: Path, n: int = 3, *, heap: str = DEFAULT_HEAP, cluster_name: str = "aya-cluster"
) -> list[LocalNode]:
    """``n`` cluster-manager-eligible data nodes on free ports, not started (start each, then wait on any)."""
    names = [f"node-{i + 1}" for i in range(n)]
    http = [free_port() for _ in names]
    transport = [free_port() for _ in names]
    seeds = [f"127.0.0.1:{p}" for p in transport]
    return [
        LocalNode(
            name,
            base / name,
            http[i],
            transport[i],
            node_settings(
                base / name,
                name=name,
                http_port=http[i],
                transport_port=transport[i],
                cluster_name=cluster_name,
                seed_hosts=seeds,
                cluster_managers=names,
            ),
            heap,
        )
        for i, name in enumerate(names)
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one local OpenSearch node in the foreground.")
    parser.add_argument("--home", type=Path, default=Path("data/opensearch"), help="node home (data, logs, config)")
    parser.add_argument("--http-port", type=int, default=9200)
    parser.add_argument("--transport-port", type=int, default=9300)
    parser.add_argument("--heap", default=DEFAULT_HEAP, help="JVM heap, e.g. 512m or 1g")
    args = parser.parse_args(argv)
    home = args.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    s = node_settings(home, name="aya-node", http_port=args.http_port, transport_port=args.transport_port)
    cmd = java_command(s, heap=args.heap)
    print(f"OpenSearch at http://127.0.0.1:{args.http_port} (data in {home / 'data'}); Ctrl-C stops it", flush=True)
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main()
