"""`doctorbook db stop`: stop the embedded PostgreSQL server."""

from __future__ import annotations

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo


@translate_errors
def stop() -> None:
    """Stop the embedded server (the next command starts it again), and the demo clinic's if it
    runs; nothing for an external one."""
    from doctorbook.core.base import embedded

    ctx = CliContext.from_env()
    if ctx.settings.database_url:
        echo("database: external (database_url); nothing to stop")
    elif embedded.stop(ctx.settings.pgdata):
        echo("embedded PostgreSQL stopped")
    else:
        echo("embedded PostgreSQL was not running")
    # `doctorbook demo` runs a server of its own under <home>/demo: stopping "the database"
    # of this home stops that one too, or it would outlive every session unseen.
    demo_pgdata = ctx.settings.home / "demo" / "pgdata"
    if demo_pgdata.is_dir() and embedded.stop(demo_pgdata):
        echo(f"the demo clinic's PostgreSQL ({demo_pgdata}) stopped")
