"""`doctorbook appointments`: the appointments you may see."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.appointments import list as list_cmd

app = typer.Typer(help="Appointments: list (more arrives with booking).", no_args_is_help=True)
app.command("list")(list_cmd.list_appointments)
