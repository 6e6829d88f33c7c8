"""`doctorbook staff`: receptionists and admins, invited, listed, disabled and enabled."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.staff import add, disable, enable, list_staff, resend

app = typer.Typer(help="Receptionists and admins (admin).", no_args_is_help=True)
app.command("add")(add.add)
app.command("list")(list_staff.list_staff)
app.command("resend")(resend.resend)
app.command("disable")(disable.disable)
app.command("enable")(enable.enable)
