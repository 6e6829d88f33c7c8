"""`doctorbook db`: migrations and the embedded server."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.db import status, stop, upgrade

app = typer.Typer(help="Apply or show migrations; stop the embedded server.", no_args_is_help=True)
app.command("upgrade")(upgrade.upgrade)
app.command("status")(status.status)
app.command("stop")(stop.stop)
