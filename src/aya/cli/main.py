"""The ``aya`` command line. Settings are built here, once, and passed down."""

from __future__ import annotations

import typer

from aya.cli import catalog, ingest, mcp, search, serve, token

app = typer.Typer(
    name="aya",
    help="Aya: a self-hosted AI shopping assistant for a pet food store.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root() -> None:
    """Aya: a self-hosted AI shopping assistant for a pet food store."""


for _module in (serve, ingest, search, catalog, mcp, token):
    _module.register(app)
