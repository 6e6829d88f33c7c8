"""`doctorbook specialties`: the specialties taxonomy."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.specialties import add, list_cmd, remove, rename

app = typer.Typer(help="The specialties taxonomy (admins change it).", no_args_is_help=True)
app.command("add")(add.add)
app.command("list")(list_cmd.list_specialties)
app.command("rename")(rename.rename)
app.command("remove")(remove.remove)
