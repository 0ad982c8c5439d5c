"""Helpers shared by the commands: settings from the environment with clean errors."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from aya.core.settings import Settings, load_settings


def settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err.get("loc", ())) or "settings"
            typer.secho(f"configuration error: {field}: {err.get('msg')}", fg="red", err=True)
        raise typer.Exit(2) from None
