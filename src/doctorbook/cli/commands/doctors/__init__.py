"""`doctorbook doctors`: public profiles; suspending and reactivating (admin)."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.doctors import show, status

app = typer.Typer(help="Doctors: show a profile; suspend or activate (admin).",
                  no_args_is_help=True)
app.command("show")(show.show)
app.command("suspend")(status.suspend)
app.command("activate")(status.activate)
