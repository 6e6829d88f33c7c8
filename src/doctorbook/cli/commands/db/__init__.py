"""`doctorbook db`: migrations and the embedded server."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.db import backup, restore, start, status, stop, upgrade

app = typer.Typer(help="Migrations, the embedded server, backups.", no_args_is_help=True)
app.command("upgrade")(upgrade.upgrade)
app.command("status")(status.status)
app.command("start")(start.start)
app.command("stop")(stop.stop)
app.command("backup")(backup.backup)
app.command("restore")(restore.restore)
