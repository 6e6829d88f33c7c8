"""`doctorbook audit`: read the append-only audit log (admin)."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.audit import list as list_cmd

app = typer.Typer(help="The audit log (admin): list.", no_args_is_help=True)
app.command("list")(list_cmd.list_audit)
