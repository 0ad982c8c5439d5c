"""``aya token USER_ID --role admin``: mint a signed session token for a staff member or an administrator (token
mode). ``POST /api/session`` only ever mints shoppers; roles come from here or from AYA_ADMIN_USERS/AYA_STAFF_USERS."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from aya.cli.common import settings_or_exit


def register(app: typer.Typer) -> None:
    @app.command()
    def token(
        user_id: Annotated[str, typer.Argument(help="The user id the token names (letters, digits and _.:@+-).")],
        role: Annotated[str, typer.Option(help="shopper, staff or admin.")] = "shopper",
        username: Annotated[str | None, typer.Option(help="Display name.")] = None,
    ) -> None:
        """Print a signed session token (30 days) for USER_ID with ROLE. Needs AYA_AUTH_MODE=token."""
        from aya.core.errors import AyaError
        from aya.web.auth import mint_token

        settings = settings_or_exit()
        if settings.auth_mode != "token":
            typer.secho("aya token needs AYA_AUTH_MODE=token (and AYA_SECRET_KEY)", fg="red", err=True)
            raise typer.Exit(2)
        if role not in ("shopper", "staff", "admin"):
            typer.secho(f"--role must be shopper, staff or admin, not {role!r}", fg="red", err=True)
            raise typer.Exit(2)
        chosen: Literal["shopper", "staff", "admin"] = role  # type: ignore[assignment]
        try:
            typer.echo(mint_token(settings, user_id, username=username, role=chosen))
        except AyaError as exc:
            typer.secho(exc.message, fg="red", err=True)
            raise typer.Exit(2) from None
