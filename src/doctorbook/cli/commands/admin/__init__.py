"""`doctorbook admin`: administrator accounts."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.admin import create

app = typer.Typer(help="Administrator accounts.", no_args_is_help=True)
app.command("create")(create.create)
