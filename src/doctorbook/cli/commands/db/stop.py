"""`doctorbook db stop`: stop the embedded PostgreSQL server."""

from __future__ import annotations

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo


@translate_errors
def stop() -> None:
    """Stop the embedded server (the next command starts it again); nothing for an external one."""
    from doctorbook.core.base import embedded

    ctx = CliContext.from_env()
    if ctx.settings.database_url:
        echo("database: external (database_url); nothing to stop")
        return
    if embedded.stop(ctx.settings.pgdata):
        echo("embedded PostgreSQL stopped")
    else:
        echo("embedded PostgreSQL was not running")
