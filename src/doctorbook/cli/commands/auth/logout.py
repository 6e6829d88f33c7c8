"""`doctorbook logout`: end the stored session."""

from __future__ import annotations

import typer

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors


@translate_errors
def logout() -> None:
    """Log out: the session is revoked on the server and forgotten here."""
    from doctorbook.core import auth

    ctx = CliContext.from_env()
    store = ctx.store
    stored = store.load()
    if stored is None:
        typer.echo("not logged in")
        return
    with ctx.db.unit_of_work() as uow:
        auth.logout(uow, access_token=stored.access_token, refresh_token=stored.refresh_token)
    store.clear()
    typer.echo(f"logged out {stored.email}")
