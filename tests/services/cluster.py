"""A one-machine Aya cluster for tests, benchmarks and ``make run-cluster``: ``aya serve`` worker processes and nginx.

:class:`AyaWorker` runs ``aya serve`` as a subprocess (its own port, settings from the environment given);
:class:`Nginx` writes a config from ``deploy/nginx/aya-proxy.conf`` with an upstream of the given workers and runs
nginx in the foreground from a private prefix directory. Both stop what they started and nothing else.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
PROXY_CONF = REPO_ROOT / "deploy" / "nginx" / "aya-proxy.conf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def aya_command() -> str:
    """The ``aya`` console script next to this interpreter (the project's virtualenv)."""
    return str(Path(sys.executable).parent / "aya")


class AyaWorker:
    """``aya serve`` on 127.0.0.1:<port> with ``env`` (on top of this process's environment, without OpenAI keys)."""

    def __init__(self, env: Mapping[str, str], *, log: Path, port: int | None = None, workers: int = 1) -> None:
        self.port = port or free_port()
        self.log = log
        self.workers = workers
        self.env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "AYA_OPENAI_API_KEY")}
        self.env.update(env)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AyaWorker:
        argv = [aya_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-sample"]
        if self.workers > 1:
            argv += ["--workers", str(self.workers)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                argv, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def wait_ready(self, timeout: float = 180.0) -> None:
        """Until ``/readyz`` answers 200; fails with the log's tail when the process exits or the time is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"aya serve exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"aya serve at {self.url} was not ready within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def pids(self) -> list[int]:
        """The serving processes: the uvicorn worker processes with ``--workers``, else the one process."""
        assert self.proc is not None
        if self.workers == 1:
            return [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        pids = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        workers = []
        for pid in self.pids_alive(pids):  # uvicorn's workers, not multiprocessing's resource tracker
            try:
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    workers.append(pid)
            except OSError:
                continue
        return workers

    @staticmethod
    def pids_alive(pids: Sequence[int]) -> list[int]:
        """Those of ``pids`` still running (zombies count as gone)."""
        alive = []
        for pid in pids:
            status = Path(f"/proc/{pid}/status")
            try:
                state = next((line for line in status.read_text().splitlines() if line.startswith("State:")), "")
            except OSError:
                continue
            if "zombie" not in state:
                alive.append(pid)
        return alive

    def kill(self) -> None:
        """kill -9 (a crash): the process group, so nothing of it survives."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def terminate(self) -> None:
        """SIGTERM (a graceful stop) without waiting."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 60.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode


def nginx_config(upstreams: Sequence[str], port: int, prefix: Path) -> str:
    """A complete nginx.conf: the given ``host:port`` workers behind ``127.0.0.1:<port>``."""
    servers = "\n".join(f"        server {u} max_fails=1 fail_timeout=5s;" for u in upstreams)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      '';
    }}
    upstream aya {{
        least_conn;
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        include {PROXY_CONF};
    }}
}}
"""


def find_nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise RuntimeError("nginx is not installed: `make install` installs Debian's 'nginx' package")
    return found


class Nginx:
    """nginx in the foreground with a generated config in a temporary prefix directory."""

    def __init__(self, upstreams: Sequence[str], *, port: int | None = None) -> None:
        self.upstreams = list(upstreams)
        self.port = port or free_port()
        self.prefix = Path(tempfile.mkdtemp(prefix="aya-nginx-"))
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def conf(self) -> Path:
        return self.prefix / "nginx.conf"

    def write(self) -> Path:
        (self.prefix / "tmp").mkdir(exist_ok=True)
        self.conf.write_text(nginx_config(self.upstreams, self.port, self.prefix))
        return self.conf

    def check(self) -> str:
        """``nginx -t`` on the written config; its output (raises with it when the config is refused)."""
        self.write()
        done = subprocess.run([find_nginx(), "-t", "-p", str(self.prefix), "-c", str(self.conf)],
                              capture_output=True, text=True, check=False)  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"nginx -t refused the config:\n{done.stderr}")
        return done.stderr

    def start(self, timeout: float = 10.0) -> Nginx:
        self.write()
        argv = [find_nginx(), "-p", str(self.prefix), "-c", str(self.conf), "-g", "daemon off;"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.proc.stderr.read().decode() if self.proc.stderr else ''}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError("nginx did not listen in time")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.prefix, ignore_errors=True)


class LocalCluster:
    """PostgreSQL (the given URL, else a throwaway server), the sample catalog in a shared data dir, ``workers``
    ``aya serve`` processes and nginx in front: the one-machine production topology.

    ``env`` adds settings for every worker (``AYA_SEARCH_BACKEND=opensearch`` and ``AYA_OPENSEARCH_URL`` put the
    catalog in an OpenSearch cluster instead of the shared SQLite catalog).
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        workers: int = 3,
        port: int | None = None,
        database_url: str | None = None,
        env: Mapping[str, str] | None = None,
        log_dir: Path | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.count = workers
        self.port = port
        self.database_url = database_url
        self.extra_env = dict(env or {})
        self.log_dir = log_dir or data_dir / "logs"
        self.pg: object | None = None
        self.workers: list[AyaWorker] = []
        self.nginx: Nginx | None = None

    @property
    def url(self) -> str:
        assert self.nginx is not None
        return self.nginx.url

    def env(self) -> dict[str, str]:
        assert self.database_url is not None
        return {
            "AYA_DATA_DIR": str(self.data_dir),
            "AYA_DATABASE_URL": self.database_url,
            "AYA_LOG_FORMAT": "json",
            **self.extra_env,
        }

    def prepare(self) -> None:
        """The database (when none is given) and the sample catalog (once, before any worker starts)."""
        if self.database_url is None:
            from tests.services.postgres import PostgresServer

            pg = PostgresServer(durable=True).start()
            self.pg = pg
            self.database_url = pg.dsn
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        from aya.cli.sample import ensure_sample_catalog
        from aya.core.settings import Settings

        overrides = {k[4:].lower(): v for k, v in self.extra_env.items() if k.startswith("AYA_")}
        settings = Settings(**{**overrides, "data_dir": self.data_dir})  # type: ignore[arg-type]
        ensure_sample_catalog(settings)

    def start(self, ready_timeout: float = 300.0) -> LocalCluster:
        self.prepare()
        env = self.env()
        self.workers = [AyaWorker(env, log=self.log_dir / f"worker{n + 1}.log") for n in range(self.count)]
        for worker in self.workers:
            worker.start()
        for worker in self.workers:
            worker.wait_ready(ready_timeout)
        self.nginx = Nginx([f"127.0.0.1:{w.port}" for w in self.workers], port=self.port).start()
        return self

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.stop()
            self.nginx = None
        for worker in self.workers:
            worker.stop(timeout=60)
        if self.pg is not None:
            self.pg.stop()  # type: ignore[attr-defined]
            self.pg = None

    def __enter__(self) -> LocalCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
