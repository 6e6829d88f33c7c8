"""`doctorbook slots`: materialising bookable slots from the schedules."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.slots import generate

app = typer.Typer(help="Bookable slots (doctors: own; admins and cron: all).",
                  no_args_is_help=True)
app.command("generate")(generate.generate)
