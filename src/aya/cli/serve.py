"""``aya serve``: run the web app with uvicorn, in one process or in ``--workers N`` worker processes.

With several workers, uvicorn's supervisor starts each worker as a fresh process that builds its own settings from
the environment (:func:`worker_app`), restarts a worker that dies, and on SIGTERM stops them all gracefully. Before
the workers start, the parent ingests the sample catalog once and gives the workers one Prometheus multiprocess
directory, so ``/metrics`` on any of them adds up all of them. Threads must then live in PostgreSQL
(``AYA_DATABASE_URL``) for turns on one thread to take turns across workers.

On SIGTERM each process stops accepting connections, lets running streams finish for up to
``AYA_SHUTDOWN_TIMEOUT_S`` seconds, then cancels them (their partial messages are saved) and closes its resources.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aya.cli.common import settings_or_exit
from aya.core.logging import configure_logging
from aya.core.settings import Settings, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

logger = logging.getLogger("aya.web")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def worker_app() -> FastAPI:
    """The app of one worker process: settings and logging built here, in the process that serves."""
    from aya.web.app import create_app

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,  # configure_logging already routes uvicorn's loggers
        "access_log": False,  # one access line per request comes from aya.web.ops (with its request id)
        "timeout_graceful_shutdown": math.ceil(settings.shutdown_timeout_s),
    }


def _metrics_dir() -> Path | None:
    """A fresh Prometheus multiprocess directory for the workers (the given one, emptied; else a temporary one that
    the caller removes)."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):  # values of a previous run would be added to this one's
            stale.unlink()
        return None
    path = Path(tempfile.mkdtemp(prefix="aya-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    return path


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[str | None, typer.Option(help="Address to bind (default AYA_HOST or 127.0.0.1).")] = None,
        port: Annotated[int | None, typer.Option(help="Port (default AYA_PORT or 8000).", min=1, max=65535)] = None,
        workers: Annotated[
            int | None, typer.Option(help="Worker processes (default AYA_WORKERS or 1).", min=1, max=64)
        ] = None,
        sample: Annotated[bool, typer.Option(help="Ingest the sample catalog when the catalog is empty.")] = True,
    ) -> None:
        """Serve Aya (web app, ChatKit, API, voice, MCP) at http://HOST:PORT."""
        import uvicorn

        settings = settings_or_exit(host=host, port=port, workers=workers)
        configure_logging(settings.log_level, settings.log_format)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if sample:
            from aya.cli.sample import ensure_sample_catalog

            ensure_sample_catalog(settings)
        options = uvicorn_options(settings)
        if settings.workers == 1:
            from aya.web.app import create_app

            uvicorn.run(create_app(settings), **options)
            return
        if not settings.database_url:
            logger.warning("%d workers with SQLite threads: use AYA_DATABASE_URL=postgresql://… so turns on one "
                           "thread take turns across workers", settings.workers)  # fmt: skip
        # the workers rebuild their settings from the environment: pass on what the command line set
        os.environ.update({"AYA_HOST": settings.host, "AYA_PORT": str(settings.port), "AYA_WORKERS": "1"})
        temporary = _metrics_dir()
        try:
            uvicorn.run("aya.cli.serve:worker_app", factory=True, workers=settings.workers, **options)
        finally:
            if temporary is not None:
                shutil.rmtree(temporary, ignore_errors=True)
