"""`doctorbook password`: forgotten (a reset by e-mail) and changed passwords."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.password import change, forgot, reset

app = typer.Typer(help="Forgot your password, reset it, change it.", no_args_is_help=True)
app.command("forgot")(forgot.forgot)
app.command("reset")(reset.reset)
app.command("change")(change.change)
