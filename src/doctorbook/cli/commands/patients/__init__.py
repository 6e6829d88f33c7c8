"""`doctorbook patients`: disable, enable or erase a patient's account, resend activation."""

from __future__ import annotations

import typer

from doctorbook.cli.commands.patients import disable, enable, erase, send_activation

app = typer.Typer(help="Patients' accounts (desk and admin).", no_args_is_help=True)
app.command("disable")(disable.disable)
app.command("enable")(enable.enable)
app.command("send-activation")(send_activation.send_activation)
app.command("erase")(erase.erase)
