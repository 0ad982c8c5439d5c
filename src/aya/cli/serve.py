"""``aya serve``: run the web app with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from aya.cli.common import settings_or_exit
from aya.core.logging import configure_logging


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[str | None, typer.Option(help="Address to bind (default AYA_HOST or 127.0.0.1).")] = None,
        port: Annotated[int | None, typer.Option(help="Port (default AYA_PORT or 8000).", min=1, max=65535)] = None,
        sample: Annotated[bool, typer.Option(help="Ingest the sample catalog when the catalog is empty.")] = True,
    ) -> None:
        """Serve Aya (web app, ChatKit, API, voice, MCP) at http://HOST:PORT."""
        import uvicorn

        from aya.web.app import create_app

        settings = settings_or_exit(host=host, port=port)
        configure_logging(settings.log_level)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if sample:
            from aya.cli.sample import ensure_sample_catalog

            ensure_sample_catalog(settings)
        app_ = create_app(settings)
        uvicorn.run(app_, host=settings.host, port=settings.port, log_level=settings.log_level.lower())
