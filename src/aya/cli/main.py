"""The ``aya`` command line. Settings are built here, once, and passed down."""

from __future__ import annotations

import typer

from aya.cli import serve

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


serve.register(app)

for _name in ("ingest", "search", "catalog", "mcp"):
    try:
        _module = __import__(f"aya.cli.{_name}", fromlist=["register"])
    except ModuleNotFoundError as exc:  # a command group not written yet
        if exc.name != f"aya.cli.{_name}":
            raise
        continue
    _module.register(app)
