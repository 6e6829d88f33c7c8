"""`doctorbook profile`: a doctor's own profile."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.profile import set_cmd, show

app = typer.Typer(help="Your doctor profile: show it, or set its fields.", no_args_is_help=True)
app.command("show")(show.show)
app.command("set")(set_cmd.set_profile)
