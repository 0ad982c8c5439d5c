"""A throwaway PostgreSQL server for tests and benchmarks: its own cluster in a temporary directory, on a free port.

Uses the Debian PostgreSQL binaries that `make install` installs (``/usr/lib/postgresql/<version>/bin``). PostgreSQL
refuses to run as root, so as root the server runs as the ``postgres`` system user (created by the Debian package).
Nothing is left behind: :meth:`PostgresServer.stop` shuts the server down and deletes the cluster.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

PG_ROOT = Path("/usr/lib/postgresql")
DATABASE = "test"
# Loopback only; durability off (a throwaway cluster: crash tests kill clients and workers, never this server's disk).
SERVER_OPTIONS = (
    "listen_addresses=127.0.0.1",
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=300",
)


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are missing or the server did not start."""


def find_bindir() -> Path:
    """The newest installed PostgreSQL's ``bin`` directory (``AYA_PG_BINDIR`` overrides)."""
    override = os.environ.get("AYA_PG_BINDIR")
    if override:
        return Path(override)
    versions = sorted(
        (p for p in PG_ROOT.glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not versions:
        raise PostgresUnavailable(
            f"no PostgreSQL server binaries under {PG_ROOT}: `make install` installs Debian's 'postgresql' package"
        )
    return versions[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """``with PostgresServer() as pg: pg.dsn`` — a fresh cluster with a ``test`` database, trust auth on loopback."""

    def __init__(self, *, bindir: Path | None = None, start_timeout: float = 60.0, durable: bool = False) -> None:
        self.bindir = bindir or find_bindir()
        self.start_timeout = start_timeout
        # durable: every commit reaches the WAL before it is acknowledged (synchronous_commit=on), so a kill -9 of
        # the server loses nothing acknowledged; the default trades that for speed.
        self.options = tuple(o for o in SERVER_OPTIONS if not (durable and o.startswith("synchronous_commit")))
        self.port = 0
        self.root: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    @staticmethod
    def _owner() -> dict[str, str]:
        """Popen keyword arguments that drop root to the ``postgres`` user (PostgreSQL refuses to run as root)."""
        return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}

    def start(self) -> PostgresServer:
        self.root = Path(tempfile.mkdtemp(prefix="aya-pg-"))
        data, sock = self.root / "data", self.root / "sock"
        sock.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(sock, "postgres")
        self._run([str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                   "--no-sync", "--locale=C.UTF-8"])  # fmt: skip
        self.port = _free_port()
        self._launch()
        self._run([str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", DATABASE])
        return self

    def _launch(self) -> None:
        assert self.root is not None
        data, sock, log = self.root / "data", self.root / "sock", self.root / "server.log"
        with open(log, "ab") as out:
            if os.geteuid() == 0:
                shutil.chown(log, "postgres")
            argv = [str(self.bindir / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(sock)]
            for option in self.options:
                argv += ["-c", option]
            self.proc = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self._owner(),  # type: ignore[arg-type]
            )
        self._wait_ready(log)

    def restart(self) -> None:
        """Start the server again on the same cluster and port after :meth:`kill` (it recovers from its WAL)."""
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("the server is still running")
        self._launch()

    def _run(self, argv: list[str]) -> None:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, cwd="/", **self._owner())  # type: ignore[call-overload]
        if done.returncode != 0:
            raise PostgresUnavailable(f"{Path(argv[0]).name} failed ({done.returncode}): {done.stderr.strip()}")

    def _wait_ready(self, log: Path) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.start_timeout
        isready = str(self.bindir / "pg_isready")
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise PostgresUnavailable(f"PostgreSQL exited at start: {log.read_text(errors='replace')[-2000:]}")
            ok = subprocess.run([isready, "-q", "-h", "127.0.0.1", "-p", str(self.port)], check=False).returncode == 0
            if ok:
                return
            time.sleep(0.1)
        self.stop()
        raise PostgresUnavailable(f"PostgreSQL did not accept connections within {self.start_timeout:.0f} s")

    def kill(self) -> None:
        """kill -9 the server (crash tests); the cluster stays on disk so :meth:`restart` can bring it back."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # the postmaster's "fast" shutdown
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()
