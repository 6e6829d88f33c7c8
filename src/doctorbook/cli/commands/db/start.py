"""`doctorbook db start`: start the embedded PostgreSQL server (systemd's doctorbook-db unit)."""

from __future__ import annotations

from doctorbook.cli.context import CliContext
from doctorbook.cli.errors import translate_errors
from doctorbook.cli.render import echo


@translate_errors
def start() -> None:
    """Start the embedded server if it isn't running (nothing to do for an external one)."""
    from doctorbook.core.base import embedded

    ctx = CliContext.from_env()
    if ctx.settings.database_url:
        echo("database: external (database_url); nothing to start")
        return
    before = embedded.running_server(ctx.settings.pgdata)
    server = embedded.ensure_running(ctx.settings.pgdata)
    state = "was already running" if before is not None else "started"
    echo(f"embedded PostgreSQL {state} (pid {server.pid})")
