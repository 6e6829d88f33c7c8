"""Reviews: `doctorbook review` (the patient, top level) and `doctorbook reviews hide` (admin)."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.reviews import hide

app = typer.Typer(help="Review moderation (admin): hide.", no_args_is_help=True)
app.command("hide")(hide.hide)
