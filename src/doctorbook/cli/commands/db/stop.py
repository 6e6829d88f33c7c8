"""`doctorbook db stop`: stop the embedded PostgreSQL server."""

from __future__ import annotations

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import fail, translate_errors
from doctorbook.cli.render import echo


@translate_errors
def stop() -> None:
    """Stop the embedded server (the next command starts it again)."""
    from doctorbook.core import embedded

    ctx = CliContext.from_env()
    if ctx.settings.database_url:
        raise fail("DOCTORBOOK_DATABASE_URL points at an external server; nothing to stop")
    if embedded.stop(ctx.settings.pgdata):
        echo("embedded PostgreSQL stopped")
    else:
        echo("embedded PostgreSQL was not running")
